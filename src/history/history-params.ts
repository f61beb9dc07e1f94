import type { AffordanceKind, Operation } from "../model/interaction-record";
import type { AggregateFn } from "../timeseries/time-series-store";
import { RequestRefusedError } from "../model/refusal";

/** Points per page by default, and at most. */
export const DEFAULT_HISTORY_PAGE = 100;
export const MAX_HISTORY_PAGE = 10_000;
/** Aggregate windows per answer, at most. */
export const MAX_HISTORY_WINDOWS = 2000;

const FNS: readonly AggregateFn[] = ["mean", "min", "max", "count", "first", "last", "sum"];
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

/** The `op` words that select something an affordance of each kind records. */
const OP_WORDS: Record<AffordanceKind, readonly string[]> = {
    property: ["read", "write", "change"],
    action: ["invoke"],
    event: ["emit"],
};

const TIME_BOUND = [
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
            default: DEFAULT_HISTORY_PAGE,
            description: "points per page",
        },
        order: { type: "string", enum: ["oldest", "newest"], default: "oldest", description: "which points first" },
        cursor: { type: "string", description: "the previous page's next: pages neither repeat nor miss a point" },
        every: {
            type: "string",
            pattern: "^([0-9]+(ns|us|ms|s|m|h|d|w))+$",
            description: `one value per epoch-aligned window of this length ("1m", "1h30m"), at most ${MAX_HISTORY_WINDOWS}; with fn, without cursor`,
        },
        fn: { type: "string", enum: FNS, description: "the value of each window; with every" },
        op: {
            type: "string",
            pattern: `^(${words})(,(${words}))*$`,
            description: `only these operations, comma-separated (${OP_WORDS[kind].join(", ")})`,
        },
        ok: { type: "boolean", description: "true: successful interactions only" },
    };
}

/** A history request's query parameters, each checked on its own; the same for every protocol. */
export interface HistoryParams {
    /** ISO 8601, epoch milliseconds or "-<duration>" back from now; inclusive */
    from?: string | number;
    /** the same forms; exclusive */
    to?: string | number;
    limit: number;
    order: "oldest" | "newest";
    cursor?: string;
    aggregate?: { every: string; fn: AggregateFn };
    /** only these recorded operations (`op=read,write`) */
    ops?: Operation[];
    /** only successful interactions (`ok=true`) */
    okOnly?: boolean;
}

const refuse = (message: string): RequestRefusedError => new RequestRefusedError("bad-request", message);

function timeBound(name: string, text: string): string | number {
    if (/^\d+$/.test(text)) return Number(text); // epoch milliseconds
    if (text.startsWith("-") || !Number.isNaN(Date.parse(text))) return text; // checked again with the range
    throw refuse(`${name}: ${JSON.stringify(text)} is neither ISO 8601, epoch milliseconds nor "-<duration>"`);
}

/** Reads `from`, `to`, `limit`, `order`, `cursor`, `every`, `fn`; anything else, or twice, is refused by name. */
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
    const params: HistoryParams = { limit: DEFAULT_HISTORY_PAGE, order: "oldest" };
    const from = get("from");
    const to = get("to");
    if (from !== undefined) params.from = timeBound("from", from);
    if (to !== undefined) params.to = timeBound("to", to);
    const limit = get("limit");
    if (limit !== undefined) {
        if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_HISTORY_PAGE) {
            throw refuse(`limit: must be an integer from 1 to ${MAX_HISTORY_PAGE}, not ${JSON.stringify(limit)}`);
        }
        params.limit = Number(limit);
    }
    const order = get("order");
    if (order !== undefined) {
        if (order !== "oldest" && order !== "newest") {
            throw refuse(`order: must be "oldest" or "newest", not ${JSON.stringify(order)}`);
        }
        params.order = order;
    }
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
    const cursor = get("cursor");
    if (cursor !== undefined) params.cursor = cursor;
    const every = get("every");
    const fn = get("fn");
    if ((every === undefined) !== (fn === undefined)) {
        throw refuse(every === undefined ? "fn: needs every (the window)" : "every: needs fn (the aggregate)");
    }
    if (every !== undefined && fn !== undefined) {
        if (!(FNS as readonly string[]).includes(fn)) {
            throw refuse(`fn: must be one of ${FNS.join(", ")}, not ${JSON.stringify(fn)}`);
        }
        if (cursor !== undefined) throw refuse("cursor: aggregates are not paged; narrow from and to instead");
        params.aggregate = { every, fn: fn as AggregateFn };
    }
    return params;
}
