import type { ExposedThing } from "@node-wot/core";
import type { AffordanceKind } from "../model/interaction-record";
import { RequestRefusedError } from "../model/refusal";
import { securitySchemeOf } from "../model/thing-security";
import type { VoThingAction } from "../vo-state/vo-thing";
import { historyJson } from "./history-formats";
import { OP_WORD_LIST, parseHistoryParams, TIME_BOUND } from "./history-params";
import { AGGREGATE_FNS, DEFAULT_HISTORY_LIMIT, MAX_HISTORY_PAGE } from "./history-query";
import type { HistoryService } from "./history-service";

/** The Things a servient exposes, as the action looks them up. */
export interface ExposedThings {
    getThing(id: string): ExposedThing | undefined;
}

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
        from: { oneOf: TIME_BOUND, description: "inclusive; default: all" },
        to: { oneOf: TIME_BOUND, description: "exclusive; default: now" },
        limit: {
            type: "integer",
            minimum: 1,
            maximum: MAX_HISTORY_PAGE,
            default: DEFAULT_HISTORY_LIMIT,
            description: "points per page",
        },
        order: { type: "string", enum: ["oldest", "newest"], default: "oldest" },
        cursor: { type: "string", description: "the previous answer's next" },
        op: {
            description: "only these operations",
            oneOf: [
                { type: "string", description: 'comma-separated, e.g. "read,write"' },
                { type: "array", items: { type: "string", enum: OP_WORD_LIST } },
            ],
        },
        ok: { type: "boolean", description: "true: successful interactions only" },
        every: { type: "string", description: 'aggregate window, e.g. "1m"; with fn' },
        fn: { type: "string", enum: AGGREGATE_FNS },
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
function historyRequestOf(
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

/**
 * The VO Thing's `history` action: what `GET <affordance>/history` answers in JSON, as data, for an
 * affordance of a Thing the servient exposes (else a not-found refusal, 404 / 4.04). `things` is
 * undefined until the servient is known; `voThingId` undefined when the VO Thing is off.
 */
export function historyAction(
    service: HistoryService,
    things: () => ExposedThings | undefined,
    voThingId: string | undefined
): VoThingAction {
    const answer = async (thing: string, kind: AffordanceKind, name: string, query: URLSearchParams) => {
        const exposed = things()?.getThing(thing);
        if (exposed === undefined)
            throw new RequestRefusedError("not-found", `thing: no Thing ${JSON.stringify(thing)}`);
        const scheme = securitySchemeOf(exposed);
        const voThing = voThingId === undefined ? undefined : things()?.getThing(voThingId);
        if (scheme !== "nosec" && scheme !== (voThing === undefined ? "none" : securitySchemeOf(voThing))) {
            // the action cannot see the caller's credentials for that Thing: its own history resource can
            throw new RequestRefusedError(
                "not-found",
                `thing: ${JSON.stringify(thing)} asks for ${scheme} credentials the VO Thing does not; read its own history resource`
            );
        }
        const maps = { property: exposed.properties, action: exposed.actions, event: exposed.events };
        if (!Object.hasOwn(maps, kind)) {
            throw new RequestRefusedError(
                "bad-request",
                `kind: must be property, action or event, not ${JSON.stringify(kind)}`
            );
        }
        if (!Object.hasOwn(maps[kind], name)) {
            throw new RequestRefusedError(
                "not-found",
                `name: Thing ${JSON.stringify(thing)} has no ${kind} ${JSON.stringify(name)}`
            );
        }
        return historyJson(await service.page(thing, kind, name, parseHistoryParams(query)));
    };
    return {
        affordance: (self) => ({
            description:
                "the recorded history of a property, action or event of a Thing this VO serves, as its history resource answers",
            input: historyInput(self),
            output: HISTORY_OUTPUT,
            safe: true,
            idempotent: false,
        }),
        invoke: (input, self) => {
            const r = historyRequestOf(input, self);
            return answer(r.thing, r.kind, r.name, r.query);
        },
    };
}
