import type { IncomingMessage, ServerResponse } from "node:http";
import type { ExposedThing } from "@node-wot/core";
import { respondUnallowedMethod } from "@node-wot/binding-http/dist/routes/common";
import type { AffordanceKind } from "../../model/interaction-record";
import { refusalOf, REFUSAL_STATUS } from "../../model/refusal";
import type { ServerHooks } from "../protocol-face";
import { chooseMediaType } from "./http-accept";
import { answerText, authorized } from "./http-answers";
import { answerAllowed, isPreflight, READ_ONLY_RESOURCE_ALLOW, refuseMethod } from "./http-method-not-allowed";
import { isSecured } from "../../model/thing-security";
import { decodePath, pathSegments, requestPath, requestQuery } from "./http-request-url";
import type { HttpServerInternals } from "./http-server-internals";

const KIND_OF_DIR: Record<string, AffordanceKind> = { properties: "property", actions: "action", events: "event" };
const MAP_OF_KIND = { property: "properties", action: "actions", event: "events" } as const;

/**
 * Whether a request's path names a history, `/:thing/:map/:name/history` (a cheap check on the hot path
 * of every request). `/:thing/properties/history` is not one: it is a property (or action) named history.
 */
export function isHistoryPath(url: string | undefined): boolean {
    if (url === undefined) return false;
    const path = requestPath(url);
    if (!path.endsWith("/history")) return false;
    let slashes = 0;
    for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) slashes++;
    return slashes === 4;
}

/** `/:thing/(properties|actions|events)/:name/history`, names decoded once as binding-http's router does. */
function historyTargetOf(
    server: HttpServerInternals,
    url: string
): { thing: ExposedThing; kind: AffordanceKind; name: string } | "unknown" {
    const segments = pathSegments(requestPath(url));
    if (segments.length !== 5 || segments[0] !== "") return "unknown";
    const decoded = segments.slice(1).map(decodePath);
    if (decoded.some((s) => s === undefined)) return "unknown";
    const [thingKey, dir, name] = decoded as string[];
    const thing = server.getThings().get(thingKey);
    const kind = KIND_OF_DIR[dir];
    if (thing === undefined || kind === undefined) return "unknown";
    const affordances = thing[MAP_OF_KIND[kind]] as Record<string, unknown>;
    if (!Object.prototype.hasOwnProperty.call(affordances, name)) return "unknown";
    return { thing, kind, name };
}

/**
 * The history of a recorded affordance over HTTP: `GET <affordance path>/history?from=&to=&limit=&order=&cursor=
 * &every=&fn=`, guarded by the Thing's own security as binding-http guards its other forms. A next page is
 * given as the body's `next` and as `Link: <...>; rel="next"`. HEAD answers the same headers (node's
 * ServerResponse drops the body of an answer to HEAD); OPTIONS 204 with `Allow`; a preflight and CORS as
 * binding-http answers the Thing's other forms; any other method 405 with `Allow`.
 */
export async function serveHistory(
    server: HttpServerInternals,
    hooks: ServerHooks,
    req: IncomingMessage,
    res: ServerResponse
): Promise<void> {
    const url = req.url ?? "/";
    const target = historyTargetOf(server, url);
    if (target === "unknown") return answerText(res, 404, `no recorded affordance at ${requestPath(url)}`);
    // CORS as binding-http answers the Thing's other forms (`authorized` sets the origin header, as
    // binding-http's routes do), so a page of another origin that reads a property reads its history too
    const secured = isSecured(target.thing);
    if (req.method === "OPTIONS") {
        if (!isPreflight(req)) return answerAllowed(res, READ_ONLY_RESOURCE_ALLOW);
        return respondUnallowedMethod(req, res, READ_ONLY_RESOURCE_ALLOW, secured);
    }
    if (req.method !== "GET" && req.method !== "HEAD") return refuseMethod(req, res, READ_ONLY_RESOURCE_ALLOW);
    res.setHeader("Access-Control-Expose-Headers", "Link, Retry-After");
    if (!(await authorized(server, target.thing, req, res))) return;
    const chosen = chooseMediaType(req.headers.accept, ["application/json", "text/csv"]);
    const format = chosen === "text/csv" ? "csv" : chosen === undefined ? undefined : "json";
    if (format === undefined) {
        return answerText(
            res,
            406,
            `not acceptable: Accept: ${req.headers.accept}; history is offered as application/json, text/csv`
        );
    }
    const query = requestQuery(url);
    let reply: Awaited<ReturnType<NonNullable<ServerHooks["history"]>>>;
    try {
        reply = await hooks.history!(target.thing.id, target.kind, target.name, query, format);
    } catch (err) {
        const refusal = refusalOf(err);
        if (refusal === undefined) throw err;
        const retry =
            refusal.retryAfterSeconds === undefined ? {} : { "Retry-After": String(refusal.retryAfterSeconds) };
        return answerText(res, REFUSAL_STATUS[refusal.reason], refusal.message, retry);
    }
    const headers: Record<string, string> = { "Content-Type": reply.contentType, Vary: "Accept" };
    if (reply.next !== undefined) {
        query.set("cursor", reply.next);
        headers.Link = `<${requestPath(url)}?${query.toString()}>; rel="next"`;
    }
    res.writeHead(200, headers);
    res.end(reply.body);
}
