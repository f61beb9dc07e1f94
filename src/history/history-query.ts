import { parseDuration } from "../model/duration";
import { VoError } from "../model/errors";
import type { AffordanceKind, Operation } from "../model/interaction-record";
import type { AggregateFn, HistoryOrder, NormalizedHistoryQuery } from "../timeseries/time-series-store";

/**
 * Points per answer when no `limit` is given, for `vo.history()` and a history resource's page alike. A script's
 * `vo.history()` gets an array without a cursor, so a small default would cut its answer short without a word; a
 * page has a cursor to the next, so it costs a client nothing to be given this many at once.
 */
export const DEFAULT_HISTORY_LIMIT = 1000;
/** Points per `vo.history()` answer, at most. */
export const MAX_HISTORY_LIMIT = 100_000;
/** Points per page of a history resource, at most: one answer over the network stays a few MB. */
export const MAX_HISTORY_PAGE = 10_000;
/** Aggregate windows per answer of a history resource, at most. */
export const MAX_HISTORY_WINDOWS = 2000;

export const AGGREGATE_FNS: readonly AggregateFn[] = ["mean", "min", "max", "count", "first", "last", "sum"];
const KINDS: readonly AffordanceKind[] = ["property", "action", "event"];
const ORDERS: readonly HistoryOrder[] = ["oldest", "newest"];

/** A point in time: a Date, milliseconds since the epoch, an ISO 8601 string, or a duration back from now ("-1h"). */
export type TimeBound = Date | number | string;

/**
 * What `vo.history()` is asked, and, with a cursor, what a history resource's parameters say
 * (`from`, `to`, `limit`, `order`, `every` and `fn` as `aggregate`, `op` as `ops`, `ok` as `okOnly`).
 */
export interface HistoryQuery {
    thing: string;
    kind: AffordanceKind;
    name: string;
    /** inclusive; default: the oldest point */
    from?: TimeBound;
    /** exclusive; default: now */
    to?: TimeBound;
    /** @deprecated the former name of `from` */
    start?: TimeBound;
    /** @deprecated the former name of `to` */
    stop?: TimeBound;
    /** at most this many points (default `DEFAULT_HISTORY_LIMIT`, 1000; at most 100000, a history page 10000) */
    limit?: number;
    /** "oldest" (default) or "newest" first */
    order?: HistoryOrder;
    /** @deprecated `order: "newest"`; `true` still asks for the newest first */
    descending?: boolean;
    /** one row per window of `every` ("500ms", "10s", "1m", "1h", "1d", or milliseconds) */
    aggregate?: { every: string | number; fn: AggregateFn };
    /** only these recorded operations (default: all) */
    ops?: readonly Operation[];
    /** only successful interactions (default: all) */
    okOnly?: boolean;
}

export class InvalidHistoryQueryError extends VoError {
    readonly kind = "invalid-input";
}

const invalid = (message: string) => new InvalidHistoryQueryError(message);

function toNs(bound: TimeBound, field: "from" | "to", nowNs: bigint): bigint {
    if (bound instanceof Date) {
        const ms = bound.getTime();
        if (Number.isNaN(ms)) throw invalid(`${field}: an invalid Date`);
        return BigInt(ms) * 1_000_000n;
    }
    if (typeof bound === "number") {
        if (!Number.isFinite(bound)) throw invalid(`${field}: must be a finite number of milliseconds`);
        return BigInt(Math.trunc(bound)) * 1_000_000n;
    }
    if (typeof bound === "string") {
        if (bound.startsWith("-")) return nowNs - duration(bound.slice(1), field);
        const ms = Date.parse(bound);
        if (!Number.isNaN(ms)) return BigInt(ms) * 1_000_000n;
    }
    throw invalid(`${field}: ${JSON.stringify(bound)} is neither ISO 8601, epoch milliseconds nor "-<duration>"`);
}

function duration(text: string, field: string): bigint {
    try {
        return parseDuration(text);
    } catch (err) {
        throw invalid(`${field}: ${(err as Error).message}`);
    }
}

/** `a` or its former name `b`, not both. */
function either<T>(a: T | undefined, b: T | undefined, names: string): T | undefined {
    if (a !== undefined && b !== undefined) throw invalid(`${names}: give one (the second is the first's former name)`);
    return a ?? b;
}

function orderOf(q: HistoryQuery): HistoryOrder {
    if (q.order === undefined) return q.descending === true ? "newest" : "oldest";
    if (!ORDERS.includes(q.order)) throw invalid(`order: must be "oldest" or "newest", not ${JSON.stringify(q.order)}`);
    if (q.descending !== undefined && q.descending !== (q.order === "newest")) {
        throw invalid(`order: ${JSON.stringify(q.order)} contradicts descending (its former name)`);
    }
    return q.order;
}

function aggregateOf(q: HistoryQuery): NormalizedHistoryQuery["aggregate"] {
    if (q.aggregate === undefined) return undefined;
    const { every, fn } = q.aggregate;
    if (!AGGREGATE_FNS.includes(fn)) {
        throw invalid(`fn: must be one of ${AGGREGATE_FNS.join(", ")}, not ${JSON.stringify(fn)}`);
    }
    return { everyNs: everyNs(every), fn };
}

/** A window's width in nanoseconds: a duration ("1m") or milliseconds; refused, named `every`, unless positive. */
export function everyNs(every: string | number): bigint {
    const ns =
        typeof every === "number"
            ? Number.isFinite(every) && every > 0
                ? BigInt(Math.round(every * 1_000_000))
                : 0n
            : duration(String(every), "every");
    if (ns <= 0n) throw invalid("every: must be a positive duration");
    return ns;
}

/**
 * Validates a query once, for a script and a history resource alike, naming what is wrong by the parameter's
 * name; stores receive only typed, bounded values. `maxLimit`: a history page's bound is lower than a script's.
 */
export function normalizeHistoryQuery(
    q: HistoryQuery,
    { maxLimit = MAX_HISTORY_LIMIT, nowNs = BigInt(Date.now()) * 1_000_000n } = {}
): NormalizedHistoryQuery {
    if (q === null || typeof q !== "object") throw invalid("history query: must be an object");
    for (const key of ["thing", "name"] as const) {
        if (typeof q[key] !== "string" || q[key].length === 0) throw invalid(`${key}: must be a non-empty string`);
    }
    if (!KINDS.includes(q.kind)) {
        throw invalid(`kind: must be "property", "action" or "event", not ${JSON.stringify(q.kind)}`);
    }
    const from = either(q.from, q.start, "from, start");
    const to = either(q.to, q.stop, "to, stop");
    const startNs = from === undefined ? 0n : toNs(from, "from", nowNs);
    // without `to`, a little in the future so a record written this very instant is included
    const stopNs = to === undefined ? nowNs + 1_000_000_000n : toNs(to, "to", nowNs);
    if (stopNs <= startNs) throw invalid("from must be before to");
    const limit = q.limit ?? DEFAULT_HISTORY_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
        throw invalid(`limit: must be an integer from 1 to ${maxLimit}, not ${JSON.stringify(limit)}`);
    }
    if (q.ops !== undefined && (!Array.isArray(q.ops) || q.ops.some((op) => typeof op !== "string"))) {
        throw invalid("ops: must be an array of operation names");
    }
    return {
        thing: q.thing,
        kind: q.kind,
        name: q.name,
        startNs,
        stopNs,
        limit,
        order: orderOf(q),
        aggregate: aggregateOf(q),
        ops: q.ops === undefined ? undefined : [...q.ops],
        okOnly: q.okOnly === true,
    };
}
