import type { IncomingMessage, ServerResponse } from "node:http";
import type { ExposedThing } from "@node-wot/core";
import type { AffordanceKind } from "../../model/interaction-record";
import { refusalOf } from "../../model/refusal";
import { HISTORY_TERM, VO_PREFIX, VO_VOCABULARY } from "../../model/vocabulary";
import type { ServerHooks } from "../protocol-face";
import { chooseMediaType } from "./http-accept";
import { HTTP_STATUS } from "./http-answers";
import { answerText, authorized, HttpServerInternals } from "./http-routes";

const KIND_OF_DIR: Record<string, AffordanceKind> = { properties: "property", actions: "action", events: "event" };
const MAP_OF_KIND = { property: "properties", action: "actions", event: "events" } as const;

/** Whether a request's path ends in /history (one check on the hot path of every GET). */
export function isHistoryPath(url: string | undefined): boolean {
    if (url === undefined) return false;
    const q = url.indexOf("?");
    return (q < 0 ? url : url.slice(0, q)).endsWith("/history");
}

/** `/:thing/(properties|actions|events)/:name/history`, names decoded once as binding-http's router does. */
function historyTargetOf(
    server: HttpServerInternals,
    url: string
): { thing: ExposedThing; kind: AffordanceKind; name: string } | "unknown" {
    const q = url.indexOf("?");
    const segments = (q < 0 ? url : url.slice(0, q)).split("/");
    if (segments.length !== 5 || segments[0] !== "") return "unknown";
    let decoded: string[];
    try {
        decoded = segments.slice(1).map((s) => decodeURIComponent(s));
    } catch {
        return "unknown";
    }
    const [thingKey, dir, name] = decoded;
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
 * given as the body's `next` and as `Link: <...>; rel="next"`.
 */
export async function serveHistory(
    server: HttpServerInternals,
    hooks: ServerHooks,
    req: IncomingMessage,
    res: ServerResponse
): Promise<void> {
    const url = req.url ?? "/";
    const target = historyTargetOf(server, url);
    if (target === "unknown") return answerText(res, 404, `no recorded affordance at ${url.split("?")[0]}`);
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
    const query = new URLSearchParams(url.includes("?") ? url.slice(url.indexOf("?") + 1) : "");
    let reply: Awaited<ReturnType<NonNullable<ServerHooks["history"]>>>;
    try {
        reply = await hooks.history!(target.thing.id, target.kind, target.name, query, format);
    } catch (err) {
        const refusal = refusalOf(err);
        if (refusal === undefined) throw err;
        return answerText(res, HTTP_STATUS[refusal.reason], refusal.message);
    }
    const headers: Record<string, string> = { "Content-Type": reply.contentType, Vary: "Accept" };
    if (reply.next !== undefined) {
        query.set("cursor", reply.next);
        headers.Link = `<${url.split("?")[0]}?${query.toString()}>; rel="next"`;
    }
    res.writeHead(200, headers);
    res.end(reply.body);
}

type Described = { forms?: { href: string }[] } & Record<string, unknown>;

/** Adds `vo` to a TD's `@context`, once. */
function withVocabulary(thing: ExposedThing): void {
    const t = thing as unknown as { "@context": unknown };
    const context = Array.isArray(t["@context"]) ? [...t["@context"]] : [t["@context"]];
    const has = context.some((c) => typeof c === "object" && c !== null && VO_PREFIX in c);
    if (!has) t["@context"] = [...context.filter((c) => c !== undefined), { [VO_PREFIX]: VO_VOCABULARY }];
}

/**
 * Each affordance of a Thing tells where its history is (`vo:history`, with the href of its first form on
 * this server): a consumer finds it from the TD alone. The TD stays valid TD 1.1: a prefixed term of a
 * vocabulary named in `@context`, no form with an op of our own.
 */
export function describeHistory(thing: ExposedThing, scheme: string): void {
    let described = false;
    for (const map of [thing.properties, thing.actions, thing.events] as Record<string, Described>[]) {
        for (const affordance of Object.values(map ?? {})) {
            const href = affordance.forms?.find((f) => f.href.startsWith(`${scheme}:`))?.href;
            if (href === undefined) continue;
            const at = `${href.split("?")[0].replace(/\/observable$/, "")}/history`;
            affordance[HISTORY_TERM] = [
                { href: at, contentType: "application/json" },
                { href: at, contentType: "text/csv" },
            ];
            described = true;
        }
    }
    if (described) withVocabulary(thing);
}

/** Describes the history of every Thing the server exposes, now and from now on. */
export function describeHistoryOnExpose(server: HttpServerInternals): void {
    for (const thing of new Set(server.getThings().values())) describeHistory(thing, server.scheme);
    const addEndpoint = server.addEndpoint;
    if (typeof addEndpoint !== "function") return;
    server.addEndpoint = function (this: unknown, thing: ExposedThing, tdTemplate: unknown, base: string) {
        addEndpoint.call(this, thing, tdTemplate, base);
        describeHistory(thing, server.scheme);
    };
}
