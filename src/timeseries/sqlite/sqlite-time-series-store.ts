import type { Database, Executor, SqlValue } from "../../sqlite/database";
import type { InteractionRecord } from "../../model/interaction-record";
import { bucketOf, countedRow, ROLLUP_BUCKET_NS } from "../../sqlite/migrations";
import { decodeValue, encodeValue } from "../value-encoding";
import type { AggregateRow, HistoryRecord, NormalizedHistoryQuery, TimeSeriesStore } from "../time-series-store";

const COLUMNS = [
    "ts",
    "thing",
    "kind",
    "name",
    "op",
    "protocol",
    "origin",
    "ok",
    "value",
    "value_type",
    "output",
    "output_type",
    "error",
    "duration_ms",
    "valid",
    "truncated",
    "stale",
] as const;
/**
 * Where a REAL column's exact parts go in a record's array, past the columns: [mantissa, exponent].
 * SQLite's text-to-double conversion, its JSON parser's too, is not correctly rounded: about 1 in
 * 10 000 random doubles came back one unit in the last place off (SQLite 3.44 and 3.52 alike).
 * An integer below 2^53 and a power of two are exact in any conversion, and so is their product.
 */
const EXACT_SLOTS: Partial<Record<(typeof COLUMNS)[number], number>> = {
    duration_ms: COLUMNS.length, // first: nearly every duration needs it, and a row stops at its last slot
    value: COLUMNS.length + 2,
    output: COLUMNS.length + 4,
};

function columnFromJson(column: (typeof COLUMNS)[number], i: number): string {
    const exact = EXACT_SLOTS[column];
    return exact === undefined ? `r ->> ${i}` : `COALESCE(r ->> ${i}, (r ->> ${exact}) * pow(2.0, r ->> ${exact + 1}))`;
}

// Each record is one JSON array. The CTE is materialized so that json_each renders each record's
// text once: read straight from json_each, `value` is rendered again for every `->>` (SQLite
// 3.44), 17 times per row. Rows are inserted in the batch's order (ORDER BY key), so rowids follow it.
// A double that is not a safe integer comes as its exact parts (EXACT_SLOTS) and is rebuilt in SQL.
const INSERT_FROM_JSON =
    `WITH batch(k, r) AS MATERIALIZED (SELECT key, value FROM json_each(?)) ` +
    `INSERT INTO ts_interaction (${COLUMNS.join(", ")}) ` +
    `SELECT ${COLUMNS.map((c, i) => columnFromJson(c, i)).join(", ")} FROM batch ORDER BY k`;

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const [LO, HI] = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? [0, 1] : [1, 0];

/** Puts a number in row[at] as JSON has it, or, where SQLite could not read that back exactly, its exact parts in row[exact], row[exact + 1]. */
function putNumber(row: unknown[], at: number, exact: number, x: number): void {
    if (Number.isSafeInteger(x) || !Number.isFinite(x)) {
        row[at] = x;
        return;
    }
    F64[0] = x;
    const lo = U32[LO];
    const hi = U32[HI];
    const biased = (hi >>> 20) & 0x7ff;
    let m = (hi & 0xfffff) * 2 ** 32 + lo + (biased === 0 ? 0 : 2 ** 52);
    let e = biased === 0 ? -1074 : biased - 1075;
    // drop the mantissa's trailing zero bits: 21.5 travels as 43 * 2^-1, not 16 digits
    const zeros =
        lo !== 0 ? 31 - Math.clz32(lo & -lo) : 32 + 31 - Math.clz32(hi & 0xfffff & -(hi & 0xfffff) || 2 ** 20);
    m /= 2 ** zeros;
    e += zeros;
    row[at] = null;
    row[exact] = hi >>> 31 === 1 ? -m : m;
    row[exact + 1] = e;
}

/** SQLite keeps the value and its type tag; booleans as 0/1 so they aggregate. Sets row[at], row[at + 1]. */
function putValue(row: unknown[], at: number, exact: number, value: unknown): void {
    const e = encodeValue(value);
    if (e === undefined) {
        row[at] = null;
        row[at + 1] = null;
    } else {
        if (e.type === "number") putNumber(row, at, exact, e.value);
        else row[at] = e.type === "boolean" ? (e.value ? 1 : 0) : e.value;
        row[at + 1] = e.type;
    }
}

/**
 * A stored row as read back: the columns that are never REAL as one JSON array (`j`, in the order of
 * `Fields`), the three that may be REAL as they are. node-sqlite3 builds a JavaScript object per row
 * at about 0.3 us per column, so 17 columns cost 4.8 ms for the newest 1000 rows where the query
 * takes 0.2 ms; four columns and one JSON.parse take 2.1 ms (bench/history.ts). REALs stay out of
 * the JSON: SQLite renders them with 15 digits there, and even `printf('%!.17g')` does not give
 * back every double exactly.
 */
interface StoredRow {
    j: string;
    value: unknown;
    output: unknown;
    duration_ms: number | null;
}

type Fields = [
    ts: string,
    thing: string,
    kind: HistoryRecord["kind"],
    name: string,
    op: HistoryRecord["op"],
    protocol: HistoryRecord["protocol"],
    origin: string | null,
    ok: number,
    valueType: string | null,
    outputType: string | null,
    error: string | null,
    valid: number,
    truncated: number,
    stale: number,
];

// Queries order by `ts_interaction.ts`, the index's integer column, so SQLite reads the index in order.
const SELECT_COLUMNS = `json_array(CAST(ts AS TEXT), thing, kind, name, op, protocol, origin, ok, value_type,
    output_type, error, valid, truncated, stale) AS j, value, output, duration_ms`;

function toHistoryRecord(r: StoredRow): HistoryRecord {
    const [ts, thing, kind, name, op, protocol, origin, ok, valueType, outputType, error, valid, truncated, stale] =
        JSON.parse(r.j) as Fields;
    return {
        time: new Date(Number(BigInt(ts) / 1_000_000n)),
        timestampNs: ts,
        thing,
        kind,
        name,
        op,
        protocol,
        origin: origin ?? undefined,
        ok: ok === 1,
        value: decodeValue(r.value, valueType),
        output: decodeValue(r.output, outputType),
        error: error ?? undefined,
        durationMs: r.duration_ms ?? undefined,
        valid: valid === 1,
        truncated: truncated === 1,
        stale: stale === 1,
    };
}

/** SQL for each aggregate; numeric values of successful interactions only (numbers, and booleans as 0/1). */
const AGGREGATE_SQL = {
    mean: "AVG(value) AS agg",
    min: "MIN(value) AS agg",
    max: "MAX(value) AS agg",
    count: "COUNT(value) AS agg",
    sum: "SUM(value) AS agg",
    // SQLite documents that a bare column next to MIN() or MAX() comes from the row holding it.
    first: "MIN(ts) AS first_ts, value AS agg",
    last: "MAX(ts) AS last_ts, value AS agg",
} as const;

const RANGE = "thing = ? AND kind = ? AND name = ? AND ts >= CAST(? AS INTEGER) AND ts < CAST(? AS INTEGER)";

/** The aggregates answered from `ts_rollup` partials one window at a time (`perWindow`), and the most windows that way. */
const ROLLED_UP = new Set(["mean", "min", "max", "count", "sum"]);
const PER_WINDOW_MAX = 5000;

/** Adds the counted rows with ?1 < id <= ?2 to their partials (migration 7). */
const ROLL_UP = `INSERT INTO ts_rollup (thing, kind, name, bucket, op, n, total, lo, hi)
    SELECT thing, kind, name, ${bucketOf("ts")} AS b, op, COUNT(value), TOTAL(value), MIN(value), MAX(value)
    FROM ts_interaction AS r WHERE id > ?1 AND id <= ?2 AND ${countedRow("r")}
    GROUP BY thing, kind, name, b, op
    ON CONFLICT DO UPDATE SET n = n + excluded.n, total = total + excluded.total,
        lo = min(lo, excluded.lo), hi = max(hi, excluded.hi)`;
/** How often rows written since are rolled up, so that a query rarely has many to roll up first. */
const ROLL_UP_EVERY_MS = 10_000;

/**
 * The embedded time-series store: every record one row of `ts_interaction` (migration 2),
 * written with one INSERT (one implicit transaction) per batch, read through the series index.
 */
export class SqliteTimeSeriesStore implements TimeSeriesStore {
    readonly name = "sqlite";
    private rollUpTimer: NodeJS.Timeout | undefined;

    constructor(private readonly db: Database) {}

    async write(records: readonly InteractionRecord[]): Promise<void> {
        if (records.length === 0) return;
        // The whole batch travels as one JSON text bound to one parameter and is unpacked by
        // json_each inside SQLite: the event loop pays one JSON.stringify instead of binding
        // 16 values per record, and the parsing happens on sqlite3's worker thread.
        const rows: unknown[] = new Array(records.length);
        for (let i = 0; i < records.length; i++) {
            const r = records[i];
            const row: unknown[] = [
                r.ts.toString(), // decimal text; INTEGER affinity stores it exactly (sqlite3 cannot bind BigInt)
                r.thing,
                r.kind,
                r.name,
                r.op,
                r.protocol,
                r.origin ?? null,
                r.ok ? 1 : 0,
                null, // value, value_type
                null,
                null, // output, output_type
                null,
                r.error ?? null,
                null, // duration_ms
                r.valid ? 1 : 0,
                r.truncated ? 1 : 0,
                r.stale === true ? 1 : 0,
            ];
            if (r.value !== undefined) putValue(row, 8, EXACT_SLOTS.value!, r.value);
            if (r.output !== undefined) putValue(row, 10, EXACT_SLOTS.output!, r.output);
            if (r.durationMs !== undefined) putNumber(row, 13, EXACT_SLOTS.duration_ms!, r.durationMs);
            rows[i] = row;
        }
        await this.db.runPrepared(INSERT_FROM_JSON, [JSON.stringify(rows)]);
        if (this.rollUpTimer === undefined) {
            this.rollUpTimer = setInterval(() => {
                if (this.db.isOpen) this.db.transaction((tx) => this.rollUp(tx)).catch(() => undefined);
            }, ROLL_UP_EVERY_MS).unref();
        }
    }

    /**
     * Rolls the rows written since the last time up into their partials: one GROUP BY over a rowid
     * range, in the caller's transaction. A query runs it first, so its answer counts every row.
     */
    private async rollUp(tx: Executor): Promise<void> {
        const state = await tx.get<{ rolled: number; newest: number | null }>(
            "SELECT rolled_id AS rolled, (SELECT MAX(id) FROM ts_interaction) AS newest FROM ts_rollup_state"
        );
        if (state === undefined || state.newest === null || state.newest <= state.rolled) return;
        await tx.run(ROLL_UP, [state.rolled, state.newest]);
        await tx.run("UPDATE ts_rollup_state SET rolled_id = ?", [state.newest]);
    }

    async history(q: NormalizedHistoryQuery): Promise<HistoryRecord[] | AggregateRow[]> {
        let where = RANGE;
        const params: SqlValue[] = [q.thing, q.kind, q.name, q.startNs.toString(), q.stopNs.toString()];
        const order = q.order === "newest" ? "DESC" : "ASC";
        if (q.ops !== undefined) {
            // an empty list selects nothing, as it says; "IN ()" is not SQL
            where += q.ops.length === 0 ? " AND 0" : ` AND op IN (${q.ops.map(() => "?").join(", ")})`;
            params.push(...q.ops);
        }
        if (q.okOnly === true) where += " AND ok = 1";
        if (q.aggregate === undefined) {
            const rows = await this.db.all<StoredRow>(
                `SELECT ${SELECT_COLUMNS} FROM ts_interaction WHERE ${where} ORDER BY ts_interaction.ts ${order}, id ${order} LIMIT ?`,
                [...params, q.limit]
            );
            return rows.map(toHistoryRecord);
        }
        // Windows are aligned to the epoch, as InfluxDB's aggregateWindow aligns them.
        const perWindow = this.perWindow(q);
        if (perWindow !== undefined) {
            const rows = await this.db.transaction(async (tx) => {
                await this.rollUp(tx);
                return tx.all<{ window: string; agg: number | null }>(perWindow.sql, perWindow.params);
            });
            return rows.map((r) => ({ time: new Date(Number(BigInt(r.window) / 1_000_000n)), value: r.agg }));
        }
        const every = q.aggregate.everyNs.toString();
        const rows = await this.db.all<{ window: string; agg: number | null }>(
            `SELECT CAST(ts - (ts % CAST(? AS INTEGER)) AS TEXT) AS window, ${AGGREGATE_SQL[q.aggregate.fn]}
             FROM ts_interaction
             WHERE ${where} AND ok = 1 AND value_type IN ('number', 'boolean')
             GROUP BY ts - (ts % CAST(? AS INTEGER))
             ORDER BY ts - (ts % CAST(? AS INTEGER)) ${order} LIMIT ?`,
            [every, ...params, every, every, q.limit]
        );
        return rows.map((r) => ({
            time: new Date(Number(BigInt(r.window) / 1_000_000n)),
            value: r.agg,
        }));
    }

    /**
     * An aggregate window by window from the 10-second partials of `ts_rollup` (migration 7, rolled up
     * to the newest row first), with the raw rows only for the parts of a window that do not cover a
     * whole bucket (its edges, when the window or the range is not aligned to 10 s). `GROUP BY` over the raw rows puts every one of them
     * through a temporary B-tree, and even one indexed range read per window reads each row with a
     * table lookup (bench/history.ts, 1000-window mean over 1M points: 555 ms by GROUP BY, 247 ms
     * per window from the rows). Not for `first`/`last`, nor times before 1970. Windows without a
     * numeric value are left out, as `GROUP BY` leaves them.
     */
    private perWindow(q: NormalizedHistoryQuery): { sql: string; params: SqlValue[] } | undefined {
        const a = q.aggregate!;
        if (!ROLLED_UP.has(a.fn) || q.startNs < 0n || q.stopNs <= q.startNs) return undefined;
        const first = q.startNs - (q.startNs % a.everyNs);
        const last = q.stopNs - 1n - ((q.stopNs - 1n) % a.everyNs);
        if ((last - first) / a.everyNs >= BigInt(PER_WINDOW_MAX)) return undefined;
        const [from, step, to] = q.order === "newest" ? [last, -a.everyNs, first] : [first, a.everyNs, last];
        // ?1-?3 the series, ?4/?5 the range, ?6 the window, ?7 the bucket width, ?8-?10 the window starts,
        // ?11 the limit, ?12... the ops
        const params: SqlValue[] = [q.thing, q.kind, q.name, q.startNs.toString(), q.stopNs.toString()];
        params.push(a.everyNs.toString(), ROLLUP_BUCKET_NS.toString(), from.toString(), step.toString(), to.toString());
        params.push(q.limit);
        let ops = "";
        if (q.ops !== undefined) {
            ops = q.ops.length === 0 ? " AND 0" : ` AND op IN (${q.ops.map((_, i) => `?${12 + i}`).join(", ")})`;
            params.push(...q.ops);
        }
        const series = "thing = ?1 AND kind = ?2 AND name = ?3";
        const raw = (fn: string, lo: string, hi: string) =>
            `(SELECT ${fn}(value) FROM ts_interaction WHERE ${series} AND ts >= ${lo} AND ts < ${hi}${ops} AND ${countedRow("ts_interaction")})`;
        const rolled = (fn: string, column: string) =>
            `(SELECT ${fn}(${column}) FROM ts_rollup WHERE ${series} AND bucket >= ra AND bucket < rb${ops})`;
        // each part: the left edge, the whole buckets, the right edge
        const parts = (rawFn: string, rollFn: string, column: string) =>
            [raw(rawFn, "lo", "ra"), rolled(rollFn, column), raw(rawFn, "rb", "hi")].join(", ");
        const stats =
            a.fn === "mean"
                ? `${parts("COUNT", "SUM", "n")}, ${parts("SUM", "SUM", "total")}`
                : a.fn === "count"
                  ? parts("COUNT", "SUM", "n")
                  : a.fn === "sum"
                    ? parts("SUM", "SUM", "total")
                    : a.fn === "min"
                      ? parts("MIN", "MIN", "lo")
                      : parts("MAX", "MAX", "hi");
        const names = a.fn === "mean" ? "n1, n2, n3, v1, v2, v3" : "v1, v2, v3";
        const sum = (x: string) => `COALESCE(${x}1, 0) + COALESCE(${x}2, 0) + COALESCE(${x}3, 0)`;
        const none = "v1 IS NULL AND v2 IS NULL AND v3 IS NULL";
        const agg = {
            mean: `CASE WHEN ${sum("n")} > 0 THEN CAST(${sum("v")} AS REAL) / (${sum("n")}) END`,
            count: `CASE WHEN ${sum("v")} > 0 THEN ${sum("v")} END`,
            sum: `CASE WHEN NOT (${none}) THEN ${sum("v")} END`,
            // a many-argument MIN/MAX is NULL when one argument is: each COALESCE is one of the non-NULL ones
            min: "MIN(COALESCE(v1, v2, v3), COALESCE(v2, v3, v1), COALESCE(v3, v1, v2))",
            max: "MAX(COALESCE(v1, v2, v3), COALESCE(v2, v3, v1), COALESCE(v3, v1, v2))",
        }[a.fn as "mean" | "count" | "sum" | "min" | "max"];
        const kept = a.fn === "mean" ? `${sum("n")} > 0` : a.fn === "count" ? `${sum("v")} > 0` : `NOT (${none})`;
        const more = q.order === "newest" ? "s + ?9 >= CAST(?10 AS INTEGER)" : "s + ?9 <= CAST(?10 AS INTEGER)";
        // lo/hi: the window within the range; ra/rb: its whole buckets (ra = rb when it holds none)
        const sql = `WITH RECURSIVE w(s) AS (SELECT CAST(?8 AS INTEGER) UNION ALL SELECT s + ?9 FROM w WHERE ${more}),
            e(s, lo, hi) AS (SELECT s, MAX(s, CAST(?4 AS INTEGER)), MIN(s + CAST(?6 AS INTEGER), CAST(?5 AS INTEGER)) FROM w),
            b(s, lo, hi, ra) AS (SELECT s, lo, hi, MIN(hi, lo + (?7 - lo % ?7) % ?7) FROM e),
            p(s, lo, hi, ra, rb) AS (SELECT s, lo, hi, ra, MAX(ra, hi - hi % ?7) FROM b),
            a(s, ${names}) AS MATERIALIZED (SELECT s, ${stats} FROM p)
            SELECT CAST(s AS TEXT) AS window, ${agg} AS agg FROM a WHERE ${kept} LIMIT ?11`;
        return { sql, params };
    }

    async latest(thing: string, property: string): Promise<HistoryRecord | undefined> {
        const row = await this.db.get<StoredRow>(
            `SELECT ${SELECT_COLUMNS} FROM ts_interaction
             WHERE thing = ? AND kind = 'property' AND name = ? AND ok = 1
               AND op IN ('readproperty', 'writeproperty', 'readallproperties', 'readmultipleproperties',
                          'writemultipleproperties', 'propertychange')
               AND value_type IS NOT NULL
             ORDER BY ts_interaction.ts DESC, id DESC LIMIT 1`,
            [thing, property]
        );
        return row === undefined ? undefined : toHistoryRecord(row);
    }

    async close(): Promise<void> {
        // The database handle belongs to the plugin, which closes it after the last flush.
        clearInterval(this.rollUpTimer);
    }
}
