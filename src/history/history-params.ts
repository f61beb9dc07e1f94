import type { AffordanceKind, Operation } from "../model/interaction-record";
import type { AggregateFn, HistoryOrder } from "../timeseries/time-series-store";
import { RequestRefusedError } from "../model/refusal";
import {
    AGGREGATE_FNS,
    DEFAULT_HISTORY_LIMIT,
    HistoryQuery,
    MAX_HISTORY_PAGE,
    MAX_HISTORY_WINDOWS,
} from "./history-query";

/** The query parameters a history resource accepts, in the order its TD's URI template names them. */
export const HISTORY_PARAMETERS = ["from", "to", "limit", "order", "cursor", "every", "fn", "op", "ok"] as const;

/** The `op` filter's words and the recorded operations each stands for. */
const OPS: Record<string, readonly Operation[]> = {
    read: ["readproperty", "readallproperties", "readmultipleproperties"],
    write: ["writeproperty", "writeallproperties", "writemultipleproperties"],
    change: ["propertychange"],
    invoke: ["invokeaction"],
    emit: ["emitevent"],
};

/** Every `op` word. */
export const OP_WORD_LIST: readonly string[] = Object.keys(OPS);

/** The `op` words that select something an affordance of each kind records. */
const OP_WORDS: Record<AffordanceKind, readonly string[]> = {
    property: ["read", "write", "change"],
    action: ["invoke"],
    event: ["emit"],
};

/** What `from` and `to` accept, as JSON schemas (one of). */
export const TIME_BOUND = [
    { type: "string", description: 'ISO 8601, or "-<duration>" back from now ("-1h")' },
    { type: "integer", minimum: 0, description: "epoch milliseconds" },
];

/**
 * The query parameters as TD `uriVariables` (RFC 6570 form-style query, `{?from,to,...}`), for the
 * history of an affordance of `kind`: what `parseHistoryParams` accepts, as JSON schemas a consumer
 * reading only the TD fills the template with. None is an object or array (TD 1.1, uriVariables).
 */
export function historyUriVariables(kind: AffordanceKind): Record<(typeof HISTORY_PARAMETERS)[number], object> {
    const words = OP_WORDS[kind].join("|");
    return {
        from: { oneOf: TIME_BOUND, description: "the first time, inclusive; default: the oldest point" },
        to: { oneOf: TIME_BOUND, description: "the last time, exclusive; default: now" },
        limit: {
            type: "integer",
            minimum: 1,
            maximum: MAX_HISTORY_PAGE,
            default: DEFAULT_HISTORY_LIMIT,
            description: "points per page (the default is vo.history()'s too, which has no cursor to page on)",
        },
        order: { type: "string", enum: ["oldest", "newest"], default: "oldest", description: "which points first" },
        cursor: { type: "string", description: "the previous page's next: pages neither repeat nor miss a point" },
        every: {
            type: "string",
            pattern: "^([0-9]+(ns|us|ms|s|m|h|d|w))+$",
            description: `one value per epoch-aligned window of this length ("1m", "1h30m"), at most ${MAX_HISTORY_WINDOWS}; with fn, without cursor`,
        },
        fn: { type: "string", enum: AGGREGATE_FNS, description: "the value of each window; with every" },
        op: {
            type: "string",
            pattern: `^(${words})(,(${words}))*$`,
            description: `only these operations, comma-separated (${OP_WORDS[kind].join(", ")})`,
        },
        ok: { type: "boolean", description: "true: successful interactions only" },
    };
}

/**
 * A history request's query parameters: the query of `vo.history()` for one affordance (checked by
 * `normalizeHistoryQuery`, as a script's), and the cursor of the page to give.
 */
export interface HistoryParams extends Omit<HistoryQuery, "thing" | "kind" | "name" | "start" | "stop" | "descending"> {
    cursor?: string;
}

const refuse = (message: string): RequestRefusedError => new RequestRefusedError("bad-request", message);

/** Epoch milliseconds as a number; any other text as it is (the normalizer reads and checks it). */
const timeBound = (text: string): string | number => (/^\d+$/.test(text) ? Number(text) : text);

/**
 * The parameters' text as a query: `from`, `to`, `limit`, `order`, `cursor`, `every` with `fn`, `op` words, `ok`.
 * What the query's shape cannot say is refused here by name (an unknown or repeated parameter, an `op` word, `ok`
 * neither true nor false, `every` without `fn`); the values themselves are checked once, by `normalizeHistoryQuery`.
 */
export function parseHistoryParams(query: URLSearchParams): HistoryParams {
    const seen = new Set<string>();
    for (const key of query.keys()) {
        if (!(HISTORY_PARAMETERS as readonly string[]).includes(key)) {
            throw refuse(`unknown parameter ${JSON.stringify(key)} (known: ${HISTORY_PARAMETERS.join(", ")})`);
        }
        if (seen.has(key)) throw refuse(`${key}: given more than once`);
        seen.add(key);
    }
    const get = (name: (typeof HISTORY_PARAMETERS)[number]) => query.get(name) ?? undefined;
    const params: HistoryParams = {};
    const [from, to, limit, order, cursor] = [get("from"), get("to"), get("limit"), get("order"), get("cursor")];
    if (from !== undefined) params.from = timeBound(from);
    if (to !== undefined) params.to = timeBound(to);
    // a number when it is one, else the text, refused by the normalizer as a script's would be
    if (limit !== undefined) params.limit = (/^\d+$/.test(limit) ? Number(limit) : limit) as number;
    if (order !== undefined) params.order = order as HistoryOrder;
    if (cursor !== undefined) params.cursor = cursor;
    const op = get("op");
    if (op !== undefined) {
        const words = op.split(",").map((w) => w.trim());
        const unknown = words.find((w) => !Object.hasOwn(OPS, w));
        if (unknown !== undefined) {
            throw refuse(`op: ${JSON.stringify(unknown)} is not one of ${Object.keys(OPS).join(", ")}`);
        }
        params.ops = [...new Set(words.flatMap((w) => OPS[w]))];
    }
    const ok = get("ok");
    if (ok !== undefined) {
        if (ok !== "true" && ok !== "false") throw refuse(`ok: must be "true" or "false", not ${JSON.stringify(ok)}`);
        params.okOnly = ok === "true";
    }
    const every = get("every");
    const fn = get("fn");
    if ((every === undefined) !== (fn === undefined)) {
        throw refuse(every === undefined ? "fn: needs every (the window)" : "every: needs fn (the aggregate)");
    }
    if (every !== undefined && fn !== undefined) params.aggregate = { every, fn: fn as AggregateFn };
    return params;
}
