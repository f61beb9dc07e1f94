import http from "node:http";
import type { AddressInfo } from "node:net";
import { uriHost } from "../../model/address";
import { answerDirectory, baseOf, distinctThings, ThingEntries } from "./http-thing-directory";
import { CatalogueOptions, DEFAULT_CATALOGUE_HOST } from "../../options/server-options";

export type { CatalogueOptions };

const DIRECTORY_PATHS = { things: "/things" };

/**
 * The VO's catalogue on a port of its own, as vo-wot serves it: `GET /` maps each Thing's title
 * to the path of its TD here (`?expanded=true`: to the TD itself), `GET /<key>` answers that TD.
 * It is also the VO's Thing Description Directory: `/.well-known/wot`, `/things`, `/things/{id}`.
 */
export class CatalogueServer {
    private constructor(
        private readonly server: http.Server,
        readonly host: string
    ) {}

    static async start(options: CatalogueOptions, entries: ThingEntries): Promise<CatalogueServer> {
        const host = options.host ?? DEFAULT_CATALOGUE_HOST;
        const server = http.createServer((req, res) => answer(req, res, entries, host, server));
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(options.port, host, () => {
                server.off("error", reject);
                resolve();
            });
        });
        return new CatalogueServer(server, host);
    }

    get port(): number {
        return (this.server.address() as AddressInfo).port;
    }

    close(): Promise<void> {
        return new Promise((resolve) => {
            this.server.close(() => resolve());
            this.server.closeAllConnections();
        });
    }
}

function answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entries: ThingEntries,
    host: string,
    server: http.Server
): void {
    const port = (server.address() as AddressInfo).port;
    const base = baseOf(req, "http", `http://${uriHost(host)}:${port}`);
    if (answerDirectory(req, res, base, "VO catalogue", DIRECTORY_PATHS, entries)) return;
    const url = new URL(req.url ?? "/", "http://catalogue");
    const send = (status: number, type: string, body: string) => {
        res.writeHead(status, { "Content-Type": type, "Access-Control-Allow-Origin": "*" });
        res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
        res.setHeader("Allow", "GET, HEAD");
        return send(405, "text/plain; charset=utf-8", "the catalogue is read-only\n");
    }
    const things = distinctThings(entries);
    if (url.pathname === "/") {
        const expanded = url.searchParams.get("expanded");
        const listing: Record<string, unknown> = {};
        for (const { key, thing } of things) {
            listing[thing.title] =
                expanded !== null && expanded !== "false" ? thing.getThingDescription() : `/${encodeURIComponent(key)}`;
        }
        return send(200, "application/json", JSON.stringify(listing));
    }
    let key: string;
    try {
        key = decodeURIComponent(url.pathname.slice(1));
    } catch {
        return send(400, "text/plain; charset=utf-8", "the path is not percent-decodable\n");
    }
    for (const [k, thing] of entries()) {
        if (k === key) return send(200, "application/td+json", JSON.stringify(thing.getThingDescription()));
    }
    send(404, "text/plain; charset=utf-8", `no Thing at ${JSON.stringify(url.pathname.slice(0, 200))}\n`);
}
