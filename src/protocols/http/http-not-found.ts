import type { ServerResponse } from "node:http";
import { replaceMethod } from "../patches/replace-method";
import { decodePath, pathSegments, requestPath } from "./http-request-url";
import type { HttpServerInternals } from "./http-server-internals";

/**
 * binding-http 0.9.2 answers a Thing or an affordance it does not have with 404 and no body (its router's fallback
 * with "Not Found"), so a client is not told which part of its URL names nothing. Such an answer, a 404 whose head is
 * written without a Content-Type, says it in plain text: the Thing that is not here, or the affordance the Thing
 * does not have, or the resource no route has. An answer with a body of its own (a history's 404, vo-wot's) is left
 * as it is.
 */
export function explainNotFound(res: ServerResponse, reason: string): void {
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    replaceMethod<End>(
        res,
        "end",
        "http-not-found-reason",
        (end) =>
            function (this: ServerResponse, ...args: unknown[]) {
                // binding-http ends with no body or its router's "Not Found": the reason takes their place
                const done = args.find((a): a is () => void => typeof a === "function");
                return end.call(this, `${reason}\n`, "utf8", done);
            }
    );
}

type End = (this: ServerResponse, ...args: unknown[]) => ServerResponse;

const KIND: Record<string, string> = { properties: "property", actions: "action", events: "event" };

/** What a URL the HTTP server has no resource for names that is not there. */
export function notFoundReason(server: HttpServerInternals, url: string | undefined): string {
    const path = requestPath(url);
    const segments = pathSegments(path).slice(1).map(decodePath);
    if (segments.some((s) => s === undefined)) return `${path} is not percent-decodable`;
    const [key, dir, name] = segments as string[];
    const thing = key === undefined || key === "" ? undefined : server.getThings().get(key);
    if (thing === undefined) return `no Thing "${key ?? ""}" here; GET / lists the Things`;
    const kind = KIND[dir ?? ""];
    const map = kind === undefined ? undefined : (thing[dir as "properties"] as Record<string, unknown>);
    if (map !== undefined && name !== undefined && !Object.hasOwn(map, name)) {
        return `Thing "${key}" has no ${kind} "${name}"`;
    }
    return `no resource ${path} on Thing "${key}"; GET /${encodeURIComponent(key)} gives its TD and forms`;
}
