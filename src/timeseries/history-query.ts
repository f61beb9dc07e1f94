import type { AggregateFn, HistoryQuery, NormalizedHistoryQuery, TimeBound } from "./time-series-store";
import { VoError } from "../model/errors";

export const DEFAULT_HISTORY_LIMIT = 1000;
export const MAX_HISTORY_LIMIT = 100_000;
const KINDS = new Set(["property", "action", "event"]);
const FNS = new Set<AggregateFn>(["mean", "min", "max", "count", "first", "last", "sum"]);
const UNIT_NS: Record<string, bigint> = {
    ns: 1n,
    us: 1_000n,
    ms: 1_000_000n,
    s: 1_000_000_000n,
    m: 60_000_000_000n,
    h: 3_600_000_000_000n,
    d: 86_400_000_000_000n,
    w: 604_800_000_000_000n,
};

export class InvalidHistoryQueryError extends VoError {
    readonly kind = "invalid-input";
}

/** Parses "90s", "1h30m", "500ms" into nanoseconds. */
export function parseDuration(text: string): bigint {
    const re = /(\d+)(ns|us|ms|s|m|h|d|w)/gy;
    let total = 0n;
    let consumed = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
        total += BigInt(m[1]) * UNIT_NS[m[2]];
        consumed = re.lastIndex;
    }
    if (consumed === 0 || consumed !== text.length) {
        throw new InvalidHistoryQueryError(
            `invalid duration ${JSON.stringify(text)} (expected e.g. "500ms", "10s", "1h30m")`
        );
    }
    return total;
}

function toNs(bound: TimeBound, field: string, nowNs: bigint): bigint {
    if (bound instanceof Date) {
        const ms = bound.getTime();
        if (Number.isNaN(ms)) throw new InvalidHistoryQueryError(`${field} is an invalid Date`);
        return BigInt(ms) * 1_000_000n;
    }
    if (typeof bound === "number") {
        if (!Number.isFinite(bound))
            throw new InvalidHistoryQueryError(`${field} must be a finite number of milliseconds`);
        return BigInt(Math.trunc(bound)) * 1_000_000n;
    }
    if (typeof bound === "string") {
        if (bound.startsWith("-")) return nowNs - parseDuration(bound.slice(1));
        const ms = Date.parse(bound);
        if (Number.isNaN(ms)) {
            throw new InvalidHistoryQueryError(
                `${field} ${JSON.stringify(bound)} is neither an ISO 8601 time nor a duration back from now like "-1h"`
            );
        }
        return BigInt(ms) * 1_000_000n;
    }
    throw new InvalidHistoryQueryError(`${field} must be a Date, milliseconds, an ISO string or "-<duration>"`);
}

/** Validates a query at the edge, so stores receive only typed, bounded values. */
export function normalizeHistoryQuery(
    q: HistoryQuery,
    nowNs: bigint = BigInt(Date.now()) * 1_000_000n
): NormalizedHistoryQuery {
    if (q === null || typeof q !== "object") throw new InvalidHistoryQueryError("history query must be an object");
    for (const key of ["thing", "name"] as const) {
        if (typeof q[key] !== "string" || q[key].length === 0) {
            throw new InvalidHistoryQueryError(`history query: ${key} must be a non-empty string`);
        }
    }
    if (!KINDS.has(q.kind)) {
        throw new InvalidHistoryQueryError(
            `history query: kind must be "property", "action" or "event", not ${JSON.stringify(q.kind)}`
        );
    }
    const startNs = q.start === undefined ? 0n : toNs(q.start, "start", nowNs);
    // Default stop is a little in the future so a record written this very instant is included.
    const stopNs = q.stop === undefined ? nowNs + 1_000_000_000n : toNs(q.stop, "stop", nowNs);
    if (stopNs <= startNs) throw new InvalidHistoryQueryError("history query: stop must be after start");
    const limit = q.limit ?? DEFAULT_HISTORY_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT) {
        throw new InvalidHistoryQueryError(`history query: limit must be an integer from 1 to ${MAX_HISTORY_LIMIT}`);
    }
    let aggregate: NormalizedHistoryQuery["aggregate"];
    if (q.aggregate !== undefined) {
        const { every, fn } = q.aggregate;
        if (!FNS.has(fn)) {
            throw new InvalidHistoryQueryError(`history query: aggregate.fn must be one of ${[...FNS].join(", ")}`);
        }
        const everyNs =
            typeof every === "number"
                ? Number.isFinite(every) && every > 0
                    ? BigInt(Math.round(every * 1_000_000))
                    : 0n
                : parseDuration(String(every));
        if (everyNs <= 0n)
            throw new InvalidHistoryQueryError("history query: aggregate.every must be a positive duration");
        aggregate = { everyNs, fn };
    }
    if (q.ops !== undefined && (!Array.isArray(q.ops) || q.ops.some((op) => typeof op !== "string"))) {
        throw new InvalidHistoryQueryError("history query: ops must be an array of operation names");
    }
    return {
        thing: q.thing,
        kind: q.kind,
        name: q.name,
        startNs,
        stopNs,
        limit,
        descending: q.descending === true,
        aggregate,
        ops: q.ops === undefined ? undefined : [...q.ops],
        okOnly: q.okOnly === true,
    };
}
