import type * as WoT from "wot-typescript-definitions";
import type { AffordanceKind } from "../model/interaction-record";
import { RequestRefusedError } from "../model/refusal";

/**
 * Answers the VO Thing's `history` action: the same JSON a history resource answers for `query`
 * (its parameters as a client would send them); refusals (a bad parameter, an unknown Thing or
 * affordance) are thrown as `RequestRefusedError`.
 */
export type HistoryAnswer = (
    thing: string,
    kind: AffordanceKind,
    name: string,
    query: URLSearchParams
) => Promise<unknown>;

const TIME_BOUND = {
    oneOf: [
        { type: "string", description: 'ISO 8601, or "-<duration>" back from now ("-1h")' },
        { type: "integer", minimum: 0, description: "epoch milliseconds" },
    ],
};
const OP_WORDS = ["read", "write", "change", "invoke", "emit"];

/**
 * The `history` action's input: which affordance (by default this VO's own `status` property, so an
 * empty input answers how the VO fared) and the history resource's query parameters.
 */
const historyInput = (self: string) => ({
    type: "object",
    required: [], // every field has a default
    additionalProperties: false,
    properties: {
        thing: { type: "string", description: "the Thing's id", default: self },
        kind: { type: "string", enum: ["property", "action", "event"], default: "property" },
        name: { type: "string", description: "the affordance's name", default: "status" },
        from: { ...TIME_BOUND, description: "inclusive; default: all" },
        to: { ...TIME_BOUND, description: "exclusive; default: now" },
        // history/history-query.ts's MAX_HISTORY_PAGE and DEFAULT_HISTORY_LIMIT (vo-state does not import history/)
        limit: { type: "integer", minimum: 1, maximum: 10000, default: 1000, description: "points per page" },
        order: { type: "string", enum: ["oldest", "newest"], default: "oldest" },
        cursor: { type: "string", description: "the previous answer's next" },
        op: {
            description: "only these operations",
            oneOf: [
                { type: "string", description: 'comma-separated, e.g. "read,write"' },
                { type: "array", items: { type: "string", enum: OP_WORDS } },
            ],
        },
        ok: { type: "boolean", description: "true: successful interactions only" },
        every: { type: "string", description: 'aggregate window, e.g. "1m"; with fn' },
        fn: { type: "string", enum: ["mean", "min", "max", "count", "first", "last", "sum"] },
    },
});

/** The `history` action's output: the JSON a history resource answers. */
const HISTORY_OUTPUT = {
    type: "object",
    description: "as GET <affordance>/history answers: items and next (raw points), or every, fn and windows",
    properties: {
        thing: { type: "string" },
        kind: { type: "string" },
        name: { type: "string" },
        from: { type: "string", format: "date-time" },
        to: { type: "string", format: "date-time" },
        order: { type: "string" },
        items: { type: "array", items: { type: "object" } },
        next: { type: "string" },
        every: { type: "string" },
        fn: { type: "string" },
        windows: { type: "array", items: { type: "object" } },
    },
};

const PARAMS = ["from", "to", "limit", "order", "cursor", "op", "ok", "every", "fn"] as const;

/**
 * The `history` action's input as the history resource's query: each given parameter as its text;
 * `self` is the VO Thing's id, the default Thing.
 */
export function historyRequestOf(
    input: unknown,
    self: string
): {
    thing: string;
    kind: AffordanceKind;
    name: string;
    query: URLSearchParams;
} {
    // the recorder has checked the input against the action's input schema; this guards a direct call
    if (input === undefined || input === null) input = {};
    if (typeof input !== "object" || Array.isArray(input)) {
        throw new RequestRefusedError("bad-request", "input: must be an object (thing, kind, name, from, ...)");
    }
    const i: Record<string, unknown> = { thing: self, kind: "property", name: "status", ...input };
    for (const key of ["thing", "kind", "name"] as const) {
        if (typeof i[key] !== "string") throw new RequestRefusedError("bad-request", `${key}: must be a string`);
    }
    const query = new URLSearchParams();
    for (const key of PARAMS) {
        const v = i[key];
        if (v === undefined) continue;
        query.set(key, Array.isArray(v) ? v.join(",") : String(v));
    }
    return { thing: i.thing as string, kind: i.kind as AffordanceKind, name: i.name as string, query };
}

/** The VO's own Thing: its health, the device it fronts, observers, redirects and the device's address. */
export function voThingModel(title: string, id: string): WoT.ExposedThingInit {
    const checks = { type: "object", description: "per check: { ok, detail }" };
    return {
        "@context": "https://www.w3.org/2022/wot/td/v1.1",
        id,
        title,
        description: "Health and state of this Virtual Object, kept by node-wot-vo.",
        properties: {
            status: {
                description: "result of the latest self-check",
                type: "object",
                readOnly: true,
                observable: true,
                properties: {
                    status: { type: "string", enum: ["unknown", "ok", "degraded", "failed"] },
                    code: { type: "integer", description: "vo_status.status: 0 ok, 1 degraded, 2 failed" },
                    time: { type: "string", format: "date-time" },
                    checks,
                },
            },
            device: {
                description: "liveness of the device this VO fronts",
                type: "object",
                readOnly: true,
                observable: true,
                properties: {
                    url: { type: "string" },
                    state: { type: "string", enum: ["none", "unknown", "alive", "suspect", "lost"] },
                    since: { type: "string", format: "date-time" },
                    reason: { type: "string" },
                },
            },
            observers: {
                description: "clients observing or subscribed now",
                type: "array",
                readOnly: true,
                items: { type: "object" },
            },
            redirects: {
                description: "redirect targets (host, host:port or [IPv6]:port); the first one is active",
                type: "array",
                items: { type: "string" },
            },
            deviceIp: { description: "address of the device", type: "string", readOnly: true },
        },
        actions: {
            history: {
                description:
                    "the recorded history of a property, action or event of a Thing this VO serves, as its history resource answers",
                input: historyInput(id),
                output: HISTORY_OUTPUT,
                safe: true,
                idempotent: false,
            },
        },
        events: {
            statusChange: { description: "the self-check status changed", data: { type: "object" } },
            deviceStatusChange: { description: "the device's liveness changed", data: { type: "object" } },
        },
    } as unknown as WoT.ExposedThingInit;
}

/** The path prefix the servers serve a Thing under, read from its TD's forms ("/vostatus"). */
export function servedPath(td: WoT.ThingDescription): string | undefined {
    for (const p of Object.values(td.properties ?? {})) {
        for (const f of (p as { forms?: { href: string }[] }).forms ?? []) {
            const m = /^[a-z]+:\/\/[^/]+(\/[^/?]+)/.exec(f.href);
            if (m) return m[1];
        }
    }
    return undefined;
}
