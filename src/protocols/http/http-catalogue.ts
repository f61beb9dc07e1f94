import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ExposedThing, Servient } from "@node-wot/core";
import { uriHost } from "../../model/address";
import { answerDirectory, baseOf, distinctThings, ThingEntries } from "./http-thing-directory";
import { decodePath, requestPath, requestQuery } from "./http-request-url";
import { CatalogueOptions, DEFAULT_CATALOGUE_HOST } from "../../options/server-options";
import { voWotSlug } from "../vo-wot-slug";
import { voWotDescription } from "../vo-wot-td";

export type { CatalogueOptions };

const DIRECTORY_PATHS = { things: "/things" };

/** A Thing's TD as the catalogue's `/` and `/<key>` answer it. */
type Describe = (thing: ExposedThing) => object;

/**
 * The VO's catalogue on a port of its own, as vo-wot serves it: `GET /` maps each Thing's title
 * to the path of its TD here (`?expanded=true`: to the TD itself), `GET /<key>` answers that TD
 * (with vo-wot's forms when the VO serves vo-wot's wire format: vo-wot-td.ts).
 * It is also the VO's Thing Description Directory: `/.well-known/wot`, `/things`, `/things/{id}`
 * (node-wot's TDs always).
 */
export class CatalogueServer {
    private constructor(
        private readonly server: http.Server,
        readonly host: string
    ) {}

    static async start(
        options: CatalogueOptions,
        entries: ThingEntries,
        describe: Describe = (thing) => thing.getThingDescription()
    ): Promise<CatalogueServer> {
        const host = options.host ?? DEFAULT_CATALOGUE_HOST;
        const server = http.createServer((req, res) => answer(req, res, { entries, describe, host, server }));
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

/**
 * The catalogue of a servient, listing its Things under the keys its HTTP server serves their TDs at (else their
 * ids, when it has none, or with `voWot` their vo-wot url_names); `voWot`: its TDs are vo-wot's. Rejects, naming the address, when it cannot listen.
 */
export async function startCatalogue(
    options: Required<CatalogueOptions>,
    servient: Servient,
    voWot = false
): Promise<CatalogueServer> {
    const entries = (): Iterable<[string, ExposedThing]> => {
        const web = servient.getServers().find((s) => s.scheme === "http" || s.scheme === "https") as unknown as
            { getThings?: () => Map<string, ExposedThing> } | undefined;
        if (typeof web?.getThings === "function") return web.getThings();
        return Object.keys(servient.getThings()).flatMap((id): [string, ExposedThing][] => {
            const thing = servient.getThing(id);
            // without an HTTP server: by id, or as vo-wot's catalogue keys a Thing (its url_name)
            return thing === undefined ? [] : [[voWot ? voWotSlug(thing.title) : id, thing]];
        });
    };
    try {
        const describe = (thing: ExposedThing) => {
            const td = thing.getThingDescription();
            return voWot ? voWotDescription(td as Parameters<typeof voWotDescription>[0]) : td;
        };
        return await CatalogueServer.start(options, entries, describe);
    } catch (err) {
        const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        throw new Error(`catalogue: cannot listen on ${options.host}:${options.port}: ${why}`);
    }
}

function answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    {
        entries,
        describe,
        host,
        server,
    }: { entries: ThingEntries; describe: Describe; host: string; server: http.Server }
): void {
    const port = (server.address() as AddressInfo).port;
    const base = baseOf(req, "http", `http://${uriHost(host)}:${port}`);
    if (answerDirectory(req, res, base, "VO catalogue", DIRECTORY_PATHS, entries)) return;
    const path = requestPath(req.url);
    const send = (status: number, type: string, body: string) => {
        res.writeHead(status, { "Content-Type": type, "Access-Control-Allow-Origin": "*" });
        res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
        res.setHeader("Allow", "GET, HEAD");
        return send(405, "text/plain; charset=utf-8", "the catalogue is read-only\n");
    }
    const things = distinctThings(entries);
    if (path === "/") {
        const expanded = requestQuery(req.url).get("expanded");
        const listing: Record<string, unknown> = {};
        for (const { key, thing } of things) {
            listing[thing.title] =
                expanded !== null && expanded !== "false" ? describe(thing) : `/${encodeURIComponent(key)}`;
        }
        return send(200, "application/json", JSON.stringify(listing));
    }
    const key = decodePath(path.slice(1));
    if (key === undefined) return send(400, "text/plain; charset=utf-8", "the path is not percent-decodable\n");
    for (const [k, thing] of entries()) {
        if (k === key) return send(200, "application/td+json", JSON.stringify(describe(thing)));
    }
    send(404, "text/plain; charset=utf-8", `no Thing at ${JSON.stringify(path.slice(0, 200))}\n`);
}
