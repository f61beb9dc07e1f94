import { VoError } from "../../model/errors";
import type { InfluxQLParam } from "./influxql";
import type { PointValue, WritePointOptions } from "./influxdb-write-point";

/** A row of a Flux result: column name -> value. */
export type FluxRow = Record<string, unknown>;

/**
 * A row of an InfluxQL answer: its columns by name (`time` as RFC 3339 text, every nanosecond kept), the series'
 * measurement as `_measurement` and, with `GROUP BY` tags, each tag of the series.
 */
export type InfluxQLRow = Record<string, unknown>;

/** The InfluxDB API a VO script reaches as `servient.influxdb`. */
export interface InfluxDbApi {
    /** Runs a Flux query and returns its rows. Flux: InfluxDB 2.x, and 1.8 with `flux-enabled`; not 3.x. */
    executeQuery(flux: string): Promise<FluxRow[]>;
    /**
     * Runs InfluxQL on the v1-compatible `/query` endpoint, which every InfluxDB answers (1.8, 2.x, Cloud, 3.x),
     * and returns the rows of every series of every statement. `$name` in the statement (outside quotes and
     * comments) is replaced by `params.name` as a literal: a string quoted and escaped, a number, a boolean, a
     * bigint, a Date as RFC 3339 text. `database`: the database (on 2.x a bucket's name), by default the
     * VO's properties bucket.
     */
    executeInfluxQL(
        influxql: string,
        params?: Readonly<Record<string, InfluxQLParam>>,
        options?: { database?: string }
    ): Promise<InfluxQLRow[]>;
    /**
     * vo-wot's `write_point(key, value)`: one point of measurement `key` in the bucket `key` (on 1.x the database;
     * created if missing, with the VO's retention), resolved once InfluxDB has it. A scalar is the field `value`
     * (numbers as floats, bigints as integers), an object's leaves are fields under their dotted paths, an array is
     * `value` as JSON text. `options`: another `bucket`, `tags`, the point's `time` (default now).
     */
    writePoint(key: string, value: PointValue, options?: WritePointOptions): Promise<void>;
}

export class InfluxDbNotConfiguredError extends VoError {
    readonly kind = "invalid-input";

    constructor() {
        super(
            "InfluxDB is not configured for this VO: pass `influxdb` options (url, org, token) to VoPersistence.attach. " +
                "The time series are in the embedded SQLite store: use servient.vo.history() or servient.sqliteDb.executeQuery()."
        );
    }
}

/** Stands in for `servient.influxdb` when no InfluxDB is configured, so the mistake is named. */
export const notConfiguredInfluxDb: InfluxDbApi = {
    executeQuery: () => Promise.reject(new InfluxDbNotConfiguredError()),
    executeInfluxQL: () => Promise.reject(new InfluxDbNotConfiguredError()),
    writePoint: () => Promise.reject(new InfluxDbNotConfiguredError()),
};
