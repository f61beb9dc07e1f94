import type { AffordanceKind } from "../../model/interaction-record";
import type { HistoryRecord, NormalizedHistoryQuery } from "../time-series-store";
import { decodeValue } from "../value-encoding";
import {
    anyOf,
    column,
    type Condition,
    MAX_TIME_NS,
    MIN_TIME_NS,
    selectStatement,
    tagEquals,
    tagIsSet,
    tagNotEquals,
    timeRange,
} from "./influxql";
import type { InfluxQLSeries } from "./influxql-endpoint";
import { decodeName, encodeName } from "./line-protocol";
import { NewestFirst } from "./newest-first";

/**
 * The history of the layout written by line-protocol.ts, read back through InfluxQL (influxql.ts): which
 * database, measurement, tags and fields hold what is read here and nowhere else.
 */

/** Runs one statement on a database (a bucket) and gives its series. */
export type RunStatement = (db: string, statement: string) => Promise<InfluxQLSeries[]>;

/** Tags and fields of a record, as the columns of a raw answer; the flattened leaves of object values are not read. */
const RECORD_COLUMNS = [
    // tags
    "name",
    "op",
    "protocol",
    "ok",
    "value_type",
    "output_type",
    // fields
    "value_num",
    "value_bool",
    "value_str",
    "value_json",
    "output_num",
    "output_bool",
    "output_str",
    "output_json",
    "origin",
    "error",
    "error_json",
    "duration_ms",
    "valid",
    "truncated",
    "stale",
] as const;

type RecordRow = Partial<Record<(typeof RECORD_COLUMNS)[number] | "time", unknown>>;

/** Nanoseconds since the epoch from an RFC 3339 time as InfluxDB writes it (a fraction of any length). */
export function rfc3339ToNs(text: string): bigint {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
    if (!m) throw new Error(`unexpected time from InfluxDB: ${JSON.stringify(text)}`);
    const seconds = BigInt(Date.parse(`${m[1]}${m[3]}`) / 1000);
    return seconds * 1_000_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/** Rows of the series as objects keyed by column; a statement on one measurement without GROUP BY tags has one. */
export function rowObjects<T extends Record<string, unknown>>(series: readonly InfluxQLSeries[]): T[] {
    return series.flatMap((s) =>
        s.values.map((values) => Object.fromEntries(s.columns.map((name, i) => [name, values[i]])) as T)
    );
}

/**
 * What every history statement of one affordance asks: its measurement (the Thing), its `name` tag, the
 * op and ok filters. Each op is a tag comparison of its own, so InfluxDB picks the series from its index.
 */
export function affordanceConditions(q: NormalizedHistoryQuery, okOnly = q.okOnly === true): Condition[] {
    const where = [tagEquals("name", encodeName(q.name))];
    if (q.ops !== undefined) where.push(anyOf(q.ops.map((op) => tagEquals("op", op))));
    if (okOnly) where.push(tagEquals("ok", "true"));
    return where;
}

export class InfluxDbReads {
    private readonly newestFirst = new NewestFirst();

    constructor(
        private readonly run: RunStatement,
        private readonly buckets: Readonly<Record<AffordanceKind, string>>
    ) {}

    /** Points of one affordance, oldest (or newest: the suffix search of newest-first.ts) first. */
    async records(q: NormalizedHistoryQuery): Promise<HistoryRecord[]> {
        if (q.ops?.length === 0) return [];
        if (q.order === "oldest") return this.range(q, q.startNs, q.stopNs);
        return this.newestFirst.rows(q, (startNs, stopNs) => this.range(q, startNs, stopNs));
    }

    /** The first `q.limit` points of [startNs, stopNs) in the query's order: one statement. */
    private async range(q: NormalizedHistoryQuery, startNs: bigint, stopNs: bigint): Promise<HistoryRecord[]> {
        const statement = selectStatement({
            select: RECORD_COLUMNS.map(column),
            from: encodeName(q.thing),
            where: [timeRange(startNs, stopNs), ...affordanceConditions(q)],
            newestFirst: q.order === "newest",
            limit: q.limit,
        });
        const rows = rowObjects<RecordRow>(await this.run(this.buckets[q.kind], statement));
        return rows.map((r) => toHistoryRecord(r, q.thing, q.kind));
    }

    /** The newest successful read, write or change of a property (a value recorded, not an observation's start). */
    async latest(thing: string, property: string): Promise<HistoryRecord | undefined> {
        const statement = selectStatement({
            select: RECORD_COLUMNS.map(column),
            from: encodeName(thing),
            where: [
                timeRange(MIN_TIME_NS, MAX_TIME_NS),
                tagEquals("name", encodeName(property)),
                tagEquals("ok", "true"),
                tagIsSet("value_type"),
                tagNotEquals("op", "observeproperty"),
                tagNotEquals("op", "unobserveproperty"),
            ],
            newestFirst: true,
            limit: 1,
        });
        const [row] = rowObjects<RecordRow>(await this.run(this.buckets.property, statement));
        return row === undefined ? undefined : toHistoryRecord(row, thing, "property");
    }
}

/** The field suffix of each value type (line-protocol.ts). */
const TYPE_SUFFIXES: Record<string, string | undefined> = {
    number: "num",
    boolean: "bool",
    string: "str",
    json: "json",
};

function toHistoryRecord(r: RecordRow, thing: string, kind: AffordanceKind): HistoryRecord {
    const ns = rfc3339ToNs(String(r.time));
    const pick = (prefix: "value" | "output"): unknown => {
        const type = r[`${prefix}_type`] as string | null | undefined;
        const suffix = TYPE_SUFFIXES[type ?? ""];
        return suffix === undefined ? undefined : decodeValue(r[`${prefix}_${suffix}` as keyof RecordRow], type);
    };
    const opt = <T>(v: unknown): T | undefined => (v === null || v === undefined || v === "" ? undefined : (v as T));
    return {
        time: new Date(Number(ns / 1_000_000n)),
        timestampNs: ns.toString(),
        thing,
        kind,
        name: decodeName(String(r.name)),
        op: r.op as HistoryRecord["op"],
        protocol: r.protocol as HistoryRecord["protocol"],
        origin: opt<string>(r.origin),
        ok: r.ok === "true",
        value: pick("value"),
        output: pick("output"),
        error: opt<string>(r.error) ?? jsonText(opt<string>(r.error_json)),
        durationMs: opt<number>(r.duration_ms),
        valid: r.valid === true,
        truncated: r.truncated === true,
        stale: r.stale === true,
    };
}

function jsonText(text: string | undefined): string | undefined {
    return text === undefined ? undefined : (JSON.parse(text) as string);
}
