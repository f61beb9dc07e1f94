import type { AffordanceKind, InteractionRecord, Operation } from "../model/interaction-record";

export type AggregateFn = "mean" | "min" | "max" | "count" | "first" | "last" | "sum";

/** Which points first: "oldest" or "newest". */
export type HistoryOrder = "oldest" | "newest";

/** One recorded interaction as the history API gives it back: the stored record, its time readable. */
export interface HistoryRecord extends Omit<InteractionRecord, "ts" | "stale" | "refusal"> {
    time: Date;
    /** nanoseconds since the epoch, as a decimal string (exact; a Date keeps only milliseconds) */
    timestampNs: string;
    /** answered from the last recorded value while the proxied device was lost */
    stale: boolean;
}

/** One window of an aggregate query: its start, and the aggregate of the numeric values in it. */
export interface AggregateRow {
    time: Date;
    value: number | null;
}

/**
 * Where an aggregate's windows come from: the raw points, or the 5-minute or hourly statistics kept
 * after the raw points of the range are gone (whole buckets: the windows are a multiple of them).
 */
export type Resolution = "raw" | "5m" | "1h";

/** What the health of a store's write path is read from; a store without a spool of its own has none. */
export interface TimeSeriesStoreStats {
    /** true while the store's server is considered unreachable (writes go to the spool) */
    down: boolean;
    /** points waiting in the spool now */
    pending: number;
    /** points neither written nor spooled because the spool itself failed */
    lost: number;
    /** last failure, without secrets */
    lastError?: string;
    /** why the spool last failed to take points (disk full, ...) */
    lastSpoolError?: string;
}

/** Where interaction records are kept. Implemented by the embedded SQLite store and the InfluxDB store. */
export interface TimeSeriesStore {
    /** a short name for logs: "sqlite" or "influxdb" */
    readonly name: string;
    /** Writes a batch; resolves once it is durable in the store, rejects if any of it is not. */
    write(records: readonly InteractionRecord[]): Promise<void>;
    history(query: NormalizedHistoryQuery): Promise<HistoryRecord[] | AggregateRow[]>;
    /** Where an aggregate over the query's range comes from; a store without statistics answers from raw points only. */
    resolution?(query: NormalizedHistoryQuery): Promise<{ resolution: Resolution; widthNs?: bigint }>;
    /** the newest successful read, write or change of a property */
    latest(thing: string, property: string): Promise<HistoryRecord | undefined>;
    /** Pushes out what the store itself still holds (a remote store's spool); rejects if it cannot. */
    flush?(): Promise<void>;
    /** The store's own counters (a remote store's spool), merged into `vo.stats().store`. */
    stats?(): TimeSeriesStoreStats;
    close(): Promise<void>;
}

/** A validated history query, bounds in nanoseconds. Made by `normalizeHistoryQuery` (history/history-query.ts). */
export interface NormalizedHistoryQuery {
    thing: string;
    kind: AffordanceKind;
    name: string;
    startNs: bigint;
    stopNs: bigint;
    limit: number;
    order: HistoryOrder;
    aggregate?: { everyNs: bigint; fn: AggregateFn };
    /** only these recorded operations; undefined: all */
    ops?: readonly Operation[];
    /** only successful interactions */
    okOnly?: boolean;
}
