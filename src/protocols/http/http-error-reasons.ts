import type { IncomingMessage, ServerResponse } from "node:http";
import { ContentSerdes } from "@node-wot/core";
import { replaceMethod } from "../patches/replace-method";
import { decodePath, pathSegments, requestPath } from "./http-request-url";
import type { HttpServerInternals } from "./http-server-internals";

/**
 * binding-http 0.9.2 answers some errors with a status and no word of why: a Thing or an affordance it does not
 * have 404 with no body (its router's fallback: "Not Found"), a body type it has no codec for 415 "Unsupported Media
 * Type". Such an answer (its head written without a Content-Type) says why in plain text: the Thing that is not here,
 * the affordance the Thing does not have, the resource no route has, the types it takes; and a path that is not
 * percent-decodable, the client's malformed URL, is 400 instead of 404. An answer with a body of its own (a history's
 * 404, vo-wot's) is left as it is.
 */

/** The status and the words of a bare error answer. */
export interface ErrorReason {
    status: number;
    text: string;
}

/** Why binding-http answers `req` with `status` and no body; undefined for a status this module does not explain. */
export function errorReasonOf(
    server: HttpServerInternals,
    req: IncomingMessage,
    status: number
): ErrorReason | undefined {
    if (status === 404) return notFoundReason(server, req.url);
    if (status !== 415) return undefined;
    const sent = req.headers["content-type"];
    const types = ContentSerdes.get().getSupportedMediaTypes().join(", ");
    return { status, text: `a body of type ${sent ?? "(none)"} is not taken here; send one of ${types}` };
}

/** Answers with the reason's status (set by the caller) and its text in place of binding-http's body. */
export function explainError(res: ServerResponse, text: string): void {
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    replaceMethod<End>(
        res,
        "end",
        "http-error-reason",
        (end) =>
            function (this: ServerResponse, ...args: unknown[]) {
                // binding-http ends with no body or a bare status text: the reason takes its place
                const done = args.find((a): a is () => void => typeof a === "function");
                return end.call(this, `${text}\n`, "utf8", done);
            }
    );
}

type End = (this: ServerResponse, ...args: unknown[]) => ServerResponse;

const KIND: Record<string, string> = { properties: "property", actions: "action", events: "event" };

/** What a URL the HTTP server has no resource for names that is not there. */
function notFoundReason(server: HttpServerInternals, url: string | undefined): ErrorReason {
    const path = requestPath(url);
    const segments = pathSegments(path).slice(1).map(decodePath);
    if (segments.some((s) => s === undefined))
        return { status: 400, text: `the path ${path} is not percent-decodable` };
    const notFound = (text: string) => ({ status: 404, text });
    const [key, dir, name] = segments as string[];
    const thing = key === undefined || key === "" ? undefined : server.getThings().get(key);
    if (thing === undefined) return notFound(`no Thing "${key ?? ""}" here; GET / lists the Things`);
    const kind = KIND[dir ?? ""];
    const map = kind === undefined ? undefined : (thing[dir as "properties"] as Record<string, unknown>);
    if (map !== undefined && name !== undefined && !Object.hasOwn(map, name)) {
        return notFound(`Thing "${key}" has no ${kind} "${name}"`);
    }
    return notFound(`no resource ${path} on Thing "${key}"; GET /${encodeURIComponent(key)} gives its TD and forms`);
}
