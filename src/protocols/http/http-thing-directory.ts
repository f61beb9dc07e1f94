import type { IncomingMessage, ServerResponse } from "node:http";
import type { ExposedThing } from "@node-wot/core";
import { decodePath, requestPath, requestQuery } from "./http-request-url";

/**
 * The VO as a read-only Thing Description Directory (W3C WoT Discovery 1.0): `GET /.well-known/wot`
 * answers the directory's own TD, whose `things` property lists every Thing's TD (paged with
 * `offset` and `limit`, the next page in `Link: <...>; rel="next"`) and whose `retrieveThing`
 * action gives one TD by its id. node-wot's `WoT.exploreDirectory(url)` walks it as it is.
 * Nothing can be registered: the directory only shows the Things this VO exposes.
 */
export const WELL_KNOWN_WOT = "/.well-known/wot";

/** Where the directory's resources are on one server. */
export interface DirectoryPaths {
    /** the listing of every TD, e.g. `/.well-known/wot/things` */
    things: string;
}

/** The Things a server shows: each under the key its TD is served at (a title's slug, or an id). */
export type ThingEntries = () => Iterable<[string, ExposedThing]>;

const MAX_PAGE = 1000;
const PROBLEM = "application/problem+json";

/** Every distinct Thing of the entries, in their order, under its first key. */
export function distinctThings(entries: ThingEntries): { key: string; thing: ExposedThing }[] {
    const seen = new Set<ExposedThing>();
    const out: { key: string; thing: ExposedThing }[] = [];
    for (const [key, thing] of entries()) {
        if (seen.has(thing)) continue;
        seen.add(thing);
        out.push({ key, thing });
    }
    return out;
}

/** The directory's own TD, with `base` the server's address (`http://host:port`). */
export function directoryDescription(base: string, title: string, paths: DirectoryPaths): object {
    const things = paths.things.replace(/^\//, "");
    return {
        "@context": ["https://www.w3.org/2022/wot/td/v1.1", "https://www.w3.org/2022/wot/discovery"],
        "@type": "ThingDirectory",
        title,
        description: "The Thing Descriptions this VO exposes (read-only).",
        base: `${base}/`,
        securityDefinitions: { nosec_sc: { scheme: "nosec" } },
        security: "nosec_sc",
        properties: {
            things: {
                description: "Every Thing Description, paged by offset and limit",
                type: "array",
                items: { type: "object" },
                readOnly: true,
                uriVariables: {
                    offset: { title: "TDs to skip before the page", type: "integer", minimum: 0, default: 0 },
                    limit: { title: "TDs in a page", type: "integer", minimum: 1, maximum: MAX_PAGE },
                },
                forms: [
                    {
                        href: `${things}{?offset,limit}`,
                        op: "readproperty",
                        "htv:methodName": "GET",
                        contentType: "application/ld+json",
                    },
                ],
            },
        },
        actions: {
            retrieveThing: {
                description: "One Thing Description by its id",
                uriVariables: { id: { title: "Thing Description id", type: "string" } },
                output: { type: "object" },
                safe: true,
                idempotent: true,
                forms: [
                    {
                        href: `${things}/{id}`,
                        op: "invokeaction",
                        "htv:methodName": "GET",
                        contentType: "application/td+json",
                    },
                ],
            },
        },
    };
}

/** RFC 9457 problem details, as WoT Discovery answers errors. */
function answerProblem(res: ServerResponse, status: number, title: string, detail: string): void {
    res.writeHead(status, { "Content-Type": PROBLEM, "Access-Control-Allow-Origin": "*" });
    res.end(JSON.stringify({ title, status, detail }));
}

function answerJson(res: ServerResponse, type: string, value: unknown, headers: object = {}): void {
    res.writeHead(200, { "Content-Type": type, "Access-Control-Allow-Origin": "*", ...headers });
    res.end(JSON.stringify(value));
}

/** A non-negative integer parameter, or an error naming it. */
function integerParam(query: URLSearchParams, name: string, min: number, max: number): number | string | undefined {
    const text = query.get(name);
    if (text === null) return undefined;
    if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max) {
        return `${name}: ${JSON.stringify(text.slice(0, 40))} is not an integer from ${min} to ${max}`;
    }
    return Number(text);
}

/**
 * Answers a GET of the directory's resources; false when the path is not one of them (the caller
 * routes it on). `base` is the server's address as clients reach it.
 */
export function answerDirectory(
    req: IncomingMessage,
    res: ServerResponse,
    base: string,
    title: string,
    paths: DirectoryPaths,
    entries: ThingEntries
): boolean {
    const path = requestPath(req.url);
    const ours = path.startsWith(WELL_KNOWN_WOT) || path === paths.things || path.startsWith(`${paths.things}/`);
    if (ours && req.method !== "GET" && req.method !== "HEAD") {
        res.setHeader("Allow", "GET, HEAD");
        answerProblem(
            res,
            405,
            "Method not allowed",
            "the directory is read-only: it lists the Things this VO exposes"
        );
        return true;
    }
    if (path === WELL_KNOWN_WOT || path === `${WELL_KNOWN_WOT}/`) {
        answerJson(res, "application/td+json", directoryDescription(base, title, paths));
        return true;
    }
    if (path === paths.things || path === `${paths.things}/`) {
        const query = requestQuery(req.url);
        const offset = integerParam(query, "offset", 0, 1e9) ?? 0;
        const limit = integerParam(query, "limit", 1, MAX_PAGE);
        const bad = [offset, limit].find((v) => typeof v === "string");
        if (bad !== undefined) {
            answerProblem(res, 400, "Invalid query arguments", bad as string);
            return true;
        }
        const all = distinctThings(entries);
        const start = offset as number;
        const end = limit === undefined ? all.length : Math.min(all.length, start + (limit as number));
        const page = all.slice(start, end).map(({ thing }) => thing.getThingDescription());
        const headers: Record<string, string> = {};
        if (end < all.length) {
            headers.Link = `<${paths.things}?offset=${end}&limit=${end - start}>; rel="next"`;
        }
        answerJson(res, "application/ld+json", page, headers);
        return true;
    }
    if (path.startsWith(`${paths.things}/`)) {
        const id = decodePath(path.slice(paths.things.length + 1));
        if (id === undefined) {
            answerProblem(res, 400, "Invalid Thing id", "the id is not percent-decodable");
            return true;
        }
        const found = distinctThings(entries).find(({ thing }) => thing.id === id);
        if (found === undefined) {
            answerProblem(res, 404, "Not found", `no Thing with id ${JSON.stringify(id.slice(0, 200))}`);
        } else {
            answerJson(res, "application/td+json", found.thing.getThingDescription());
        }
        return true;
    }
    if (path.startsWith(WELL_KNOWN_WOT)) {
        answerProblem(res, 404, "Not found", `nothing at ${path.slice(0, 200)}`);
        return true;
    }
    return false;
}

/** How clients reach a server: its configured base, else the request's Host when it is a plain host[:port]. */
export function baseOf(req: IncomingMessage, scheme: string, fallback: string, baseUri?: string): string {
    if (baseUri !== undefined) return baseUri.replace(/\/$/, "");
    const host = req.headers.host;
    return host !== undefined && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)
        ? `${scheme}://${host}`
        : fallback;
}
