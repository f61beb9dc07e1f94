import type { AffordanceKind } from "../../model/interaction-record";
import type { AggregateFn, AggregateRow, HistoryRecord, NormalizedHistoryQuery } from "../time-series-store";
import { decodeValue } from "../value-encoding";
import {
    aggregate,
    anyOf,
    column,
    type Condition,
    fieldIsTrue,
    type InfluxQLFunction,
    MAX_TIME_NS,
    MIN_TIME_NS,
    selectStatement,
    tagEquals,
    tagIsSet,
    tagNotEquals,
    timeRange,
} from "./influxql";
import type { InfluxQLSeries } from "./influxql-endpoint";
import { decodeName, encodeName, type InfluxLayout, KIND_MEASUREMENTS, THING_TAG } from "./line-protocol";
import { NewestFirst } from "./newest-first";

/**
 * The history of the layout written by line-protocol.ts, read back through InfluxQL (influxql.ts): which
 * database, measurement, tags and fields hold what is read here and nowhere else.
 */

/** Runs one statement on a database (a bucket) and gives its series. */
export type RunStatement = (db: string, statement: string) => Promise<InfluxQLSeries[]>;

/** Tags and fields of a record, as the columns of a raw answer; the flattened leaves of object values are not read. */
export const RECORD_COLUMNS = [
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

export type RecordRow = Partial<Record<(typeof RECORD_COLUMNS)[number] | "time", unknown>>;

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
        (s.values ?? []).map((values) => Object.fromEntries(s.columns.map((name, i) => [name, values[i]])) as T)
    );
}

/** Where a Thing's points of a kind are: its measurement, and per kind the `thing` tag. */
interface Source {
    from: string;
    where: Condition[];
}

function sourceOf(layout: InfluxLayout, thing: string, kind: AffordanceKind): Source {
    return layout === "per-kind"
        ? { from: KIND_MEASUREMENTS[kind], where: [tagEquals(THING_TAG, encodeName(thing))] }
        : { from: encodeName(thing), where: [] };
}

/**
 * What every history statement of one affordance asks: its Thing, its `name` tag, the op and ok filters. Each
 * op is a tag comparison of its own, so InfluxDB picks the series from its index.
 */
function affordanceConditions(src: Source, q: NormalizedHistoryQuery, okOnly = q.okOnly === true): Condition[] {
    const where = [...src.where, tagEquals("name", encodeName(q.name))];
    if (q.ops !== undefined) where.push(anyOf(q.ops.map((op) => tagEquals("op", op))));
    if (okOnly) where.push(tagEquals("ok", "true"));
    return where;
}

export class InfluxDbReads {
    private readonly newestFirst = new NewestFirst();

    constructor(
        private readonly run: RunStatement,
        private readonly buckets: Readonly<Record<AffordanceKind, string>>,
        /** the layout to read (the store may have to ask the server which one it holds first) */
        private readonly layout: () => Promise<InfluxLayout>
    ) {}

    private async source(thing: string, kind: AffordanceKind): Promise<Source> {
        return sourceOf(await this.layout(), thing, kind);
    }

    /** Points of one affordance, oldest (or newest: the suffix search of newest-first.ts) first. */
    async records(q: NormalizedHistoryQuery): Promise<HistoryRecord[]> {
        if (q.ops?.length === 0) return [];
        if (q.order === "oldest") return this.range(q, q.startNs, q.stopNs);
        return this.newestFirst.rows(q, (startNs, stopNs) => this.range(q, startNs, stopNs));
    }

    /** The first `q.limit` points of [startNs, stopNs) in the query's order: one statement. */
    private async range(q: NormalizedHistoryQuery, startNs: bigint, stopNs: bigint): Promise<HistoryRecord[]> {
        const src = await this.source(q.thing, q.kind);
        const statement = selectStatement({
            select: RECORD_COLUMNS.map(column),
            from: src.from,
            where: [timeRange(startNs, stopNs), ...affordanceConditions(src, q)],
            newestFirst: q.order === "newest",
            limit: q.limit,
        });
        const rows = rowObjects<RecordRow>(await this.run(this.buckets[q.kind], statement));
        return rows.map((r) => toHistoryRecord(r, q.thing, q.kind));
    }

    /**
     * Numeric values (numbers, and booleans as 0/1) of successful interactions in epoch-aligned windows, each
     * stamped with its start. InfluxQL has every fn (aggregating all series of the affordance at once, no GROUP BY
     * tags) but cannot turn a boolean into a number: booleans are counted instead (all of them, and the true ones,
     * or their first / last) and folded in per window (windowValue). Every statement selects only the series of
     * its value type by the value_type tag, so booleans cost a few milliseconds where there are none.
     */
    async aggregates(q: NormalizedHistoryQuery): Promise<AggregateRow[]> {
        if (q.ops?.length === 0) return [];
        const { fn, everyNs } = q.aggregate!;
        const windows = new Map<bigint, PartialWindow>();
        const window = (time: unknown) => {
            const ns = rfc3339ToNs(String(time));
            let w = windows.get(ns);
            if (w === undefined) windows.set(ns, (w = { n: 0, trues: 0 }));
            return w;
        };
        const parts = BOOLEAN_PARTS[fn];
        const byType = (type: string, extra: Condition[], select: ReturnType<typeof aggregate>[]) =>
            this.windows(q, [tagEquals("value_type", type), ...extra], select);
        // the booleans first: with no boolean series these cost a few milliseconds, and a mean of numbers alone is
        // then one mean() (sum and count would each read every point)
        await Promise.all([
            parts.includes("n") &&
                byType("boolean", [], [aggregate("count", "value_bool")]).then((rows) => {
                    for (const r of rows) window(r.time).n = Number(r.count);
                }),
            parts.includes("trues") &&
                byType("boolean", [fieldIsTrue("value_bool")], [aggregate("count", "value_bool")]).then((rows) => {
                    for (const r of rows) window(r.time).trues = Number(r.count);
                }),
            parts.includes("pick") &&
                byType("boolean", [], [aggregate(fn as "first" | "last", "value_bool")]).then((rows) => {
                    for (const r of rows) window(r.time).pick = r[fn] === true;
                }),
        ]);
        const numberParts = fn === "mean" && windows.size === 0 ? (["mean"] as const) : NUMBER_PARTS[fn];
        for (const r of await byType(
            "number",
            [],
            numberParts.map((f) => aggregate(f, "value_num"))
        )) {
            window(r.time).num = r;
        }
        const times = [...windows.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        if (q.order === "newest") times.reverse();
        const rows = times.slice(0, q.limit).map((ns) => ({ ns, value: windowValue(fn, windows.get(ns)!) }));
        // windows of both numbers and booleans, for first and last: a statement each, a few at a time
        const conflicts = rows.filter((r) => r.value === CONFLICT);
        for (let i = 0; i < conflicts.length; i += CONFLICTS_AT_ONCE) {
            await Promise.all(
                conflicts.slice(i, i + CONFLICTS_AT_ONCE).map(async (r) => {
                    r.value = await this.firstOrLast(q, r.ns, r.ns + everyNs);
                })
            );
        }
        return rows.map((r) => ({ time: new Date(Number(r.ns / 1_000_000n)), value: r.value as number | null }));
    }

    /** One aggregate statement's windows over the affordance's successful points, in the query's order. */
    private async windows(q: NormalizedHistoryQuery, where: Condition[], select: ReturnType<typeof aggregate>[]) {
        const src = await this.source(q.thing, q.kind);
        const statement = selectStatement({
            select,
            from: src.from,
            where: [timeRange(q.startNs, q.stopNs), ...affordanceConditions(src, q, true), ...where],
            groupByTimeNs: q.aggregate!.everyNs,
            newestFirst: q.order === "newest",
            limit: q.limit,
        });
        return rowObjects<Record<string, unknown>>(await this.run(this.buckets[q.kind], statement));
    }

    /**
     * The first (last) numeric value of a window holding both numbers and booleans: which came first is not in
     * the windows' answers (a selector's time is its window's), so the window's first (last) point is read.
     */
    private async firstOrLast(q: NormalizedHistoryQuery, windowStartNs: bigint, windowStopNs: bigint) {
        const src = await this.source(q.thing, q.kind);
        const statement = selectStatement({
            select: [column("value_num"), column("value_bool")],
            from: src.from,
            where: [
                timeRange(
                    windowStartNs > q.startNs ? windowStartNs : q.startNs,
                    windowStopNs < q.stopNs ? windowStopNs : q.stopNs
                ),
                ...affordanceConditions(src, q, true),
                anyOf([tagEquals("value_type", "number"), tagEquals("value_type", "boolean")]),
            ],
            newestFirst: q.aggregate!.fn === "last",
            limit: 1,
        });
        const [row] = rowObjects<{ value_num?: number | null; value_bool?: boolean | null }>(
            await this.run(this.buckets[q.kind], statement)
        );
        if (row === undefined) return null;
        return typeof row.value_num === "number" ? row.value_num : row.value_bool === true ? 1 : 0;
    }

    /** The newest successful read, write or change of a property (a value recorded, not an observation's start). */
    async latest(thing: string, property: string): Promise<HistoryRecord | undefined> {
        const src = await this.source(thing, "property");
        const statement = selectStatement({
            select: RECORD_COLUMNS.map(column),
            from: src.from,
            where: [
                timeRange(MIN_TIME_NS, MAX_TIME_NS),
                ...src.where,
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

/** What InfluxQL computes per window over value_num for each fn (a mean of numbers alone is one `mean`). */
const NUMBER_PARTS: Record<AggregateFn, InfluxQLFunction[]> = {
    mean: ["sum", "count"],
    count: ["count"],
    sum: ["sum"],
    min: ["min"],
    max: ["max"],
    first: ["first"],
    last: ["last"],
};

/** What each fn needs of the booleans per window: how many (`n`), how many true, the first (last) one. */
const BOOLEAN_PARTS: Record<AggregateFn, ("n" | "trues" | "pick")[]> = {
    mean: ["n", "trues"],
    count: ["n"],
    sum: ["trues"],
    min: ["n", "trues"],
    max: ["n", "trues"],
    first: ["pick"],
    last: ["pick"],
};

/** A window's parts: the number statement's row, the booleans' count, true count and first (last) value. */
interface PartialWindow {
    num?: Record<string, unknown>;
    n: number;
    trues: number;
    pick?: boolean;
}

/** first / last of a window with both numbers and booleans: to be read from the window's points. */
const CONFLICT = Symbol("conflict");
/** Statements at once that read such a window's first (last) point. */
const CONFLICTS_AT_ONCE = 4;

/** A window's value from its parts: booleans as 0/1 among the numbers. */
function windowValue(fn: AggregateFn, w: PartialWindow): number | null | typeof CONFLICT {
    const num = (part: string) =>
        w.num?.[part] === undefined || w.num[part] === null ? undefined : Number(w.num[part]);
    const bools = w.n > 0 ? [w.n > w.trues ? 0 : 1, w.trues > 0 ? 1 : 0] : []; // their min and max
    const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);
    switch (fn) {
        case "count":
            return (num("count") ?? 0) + w.n;
        case "sum":
            return (num("sum") ?? 0) + w.trues;
        case "mean": {
            if (num("mean") !== undefined) return num("mean")!; // numbers alone
            const n = (num("count") ?? 0) + w.n;
            return n === 0 ? null : ((num("sum") ?? 0) + w.trues) / n;
        }
        case "min":
        case "max": {
            const all = defined([num(fn), bools[fn === "min" ? 0 : 1]]);
            return all.length === 0 ? null : fn === "min" ? Math.min(...all) : Math.max(...all);
        }
        default: {
            const picked = num(fn);
            if (picked !== undefined && w.pick !== undefined) return CONFLICT;
            return picked ?? (w.pick === undefined ? null : w.pick ? 1 : 0);
        }
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
