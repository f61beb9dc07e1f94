import type { Database, SqlValue } from "../../sqlite/database";
import type { AffordanceKind, InteractionRecord } from "../../model/interaction-record";
import { CODE, countedPoint, opOf } from "../../sqlite/lean-layout";
import type {
    AggregateRow,
    HistoryRecord,
    NormalizedHistoryQuery,
    Resolution,
    TimeSeriesStore,
} from "../time-series-store";
import {
    INSERT_POINTS,
    opCodes,
    pointRow,
    POINT_COLUMNS,
    POINT_FROM,
    splitOrigin,
    StoredPoint,
    toHistoryRecord,
} from "./point-rows";
import { SeriesCatalog, type Series } from "./series-catalog";
import { FIVE_MINUTES_NS, HOUR_NS, Statistics, statisticsWindows } from "./statistics";
import { perWindowSql } from "./window-sql";

/** SQL for each aggregate over raw points; numeric values of successful interactions only. */
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

/** How often points written since are rolled up into statistics, so that a query rarely has many to roll up first. */
const ROLL_UP_EVERY_MS = 10_000;
/** Property ops whose value is the property's: what `latest` reads. */
const VALUE_OPS = opCodes([
    "readproperty",
    "writeproperty",
    "readallproperties",
    "readmultipleproperties",
    "writemultipleproperties",
    "propertychange",
]);

/** The statistics' widths, finest first, with the name an answer's `resolution` gives them. */
const STAT_LEVELS: readonly { widthNs: bigint; width: number; resolution: Resolution }[] = [
    { widthNs: FIVE_MINUTES_NS, width: 300, resolution: "5m" },
    { widthNs: HOUR_NS, width: 3600, resolution: "1h" },
];

/** A record's origin as `ts_point` keeps it: its host's id in `ts_origin`, and the port. */
interface StoredOrigin {
    origin: number | null;
    port: number | null;
}

const isConstraint = (err: unknown): boolean => /SQLITE_CONSTRAINT/.test(String((err as Error)?.message));

/**
 * The embedded time-series store (migration 9, sqlite/lean-layout.ts): every record one row of
 * `ts_point`, clustered on (series, ts), written with one INSERT (one implicit transaction) per
 * batch; 5-minute and hourly statistics in `ts_stat`, which answer for ranges whose points are gone.
 */
export class SqliteTimeSeriesStore implements TimeSeriesStore {
    readonly name = "sqlite";
    private rollUpTimer: NodeJS.Timeout | undefined;
    private loading: Promise<SeriesCatalog> | undefined;
    readonly statistics: Statistics;
    /** `${series}:${width}` -> before what time the points (width 0) or statistics are gone */
    private readonly purged = new Map<string, bigint>();

    constructor(private readonly db: Database) {
        this.statistics = new Statistics(db);
    }

    /** The series and hosts, and what purges have removed, loaded once. */
    catalog(): Promise<SeriesCatalog> {
        if (this.loading === undefined) {
            this.loading = (async () => {
                const rows = await this.db.all<{ series: number; width: number; before: string }>(
                    "SELECT series, width, CAST(before_ts AS TEXT) AS before FROM ts_purged"
                );
                for (const r of rows) this.purged.set(`${r.series}:${r.width}`, BigInt(r.before));
                return SeriesCatalog.load(this.db);
            })();
            this.loading.catch(() => (this.loading = undefined)); // a failed load is tried again
        }
        return this.loading;
    }

    /** Before what time a series' points (width 0) or statistics of a width are gone; undefined: nothing purged. */
    purgedBefore(series: number, width: number): bigint | undefined {
        return this.purged.get(`${series}:${width}`);
    }

    /** Records (in ts_purged, in the caller's statement order) that everything before `before` is gone. */
    async setPurgedBefore(series: number, width: number, before: bigint): Promise<void> {
        await this.db.run(
            `INSERT INTO ts_purged (series, width, before_ts) VALUES (?1, ?2, CAST(?3 AS INTEGER))
             ON CONFLICT (series, width) DO UPDATE SET before_ts = MAX(before_ts, excluded.before_ts)`,
            [series, width, before.toString()]
        );
        const key = `${series}:${width}`;
        const known = this.purged.get(key);
        if (known === undefined || before > known) this.purged.set(key, before);
    }

    async write(records: readonly InteractionRecord[]): Promise<void> {
        if (records.length === 0) return;
        const catalog = await this.catalog();
        const origins = await this.addNames(catalog, records);
        try {
            await this.insert(catalog, records, origins, false);
        } catch (err) {
            // a point already at one of these times (a script's own insert): each is checked, and moved on
            if (!isConstraint(err)) throw err;
            await this.insert(catalog, records, origins, true);
        }
        if (this.rollUpTimer === undefined) {
            this.rollUpTimer = setInterval(() => {
                if (this.db.isOpen) this.rollUpAll().catch(() => undefined);
            }, ROLL_UP_EVERY_MS).unref();
        }
    }

    /**
     * Adds the batch's new series and hosts to the catalog, and gives each record's origin as stored: its host's
     * id and its port, split once here (the host ids held for the batch, whatever the catalog's cache forgets).
     */
    private async addNames(catalog: SeriesCatalog, records: readonly InteractionRecord[]): Promise<StoredOrigin[]> {
        const series = new Map<string, [string, AffordanceKind, string]>();
        const ids = new Map<string, number | undefined>();
        const splits = records.map((r) => {
            if (catalog.find(r.thing, r.kind, r.name) === undefined) {
                series.set(`${r.thing}\u0000${r.kind}\u0000${r.name}`, [r.thing, r.kind, r.name]);
            }
            if (r.origin === undefined) return undefined;
            const split = splitOrigin(r.origin);
            if (!ids.has(split.host)) ids.set(split.host, catalog.hostId(split.host));
            return split;
        });
        const hosts = [...ids].filter(([, id]) => id === undefined).map(([host]) => host);
        await catalog.add(this.db, [...series.values()], hosts);
        for (const host of hosts) ids.set(host, catalog.hostId(host));
        return splits.map((o) =>
            o === undefined ? { origin: null, port: null } : { origin: ids.get(o.host)!, port: o.port }
        );
    }

    /**
     * One INSERT for the batch. The whole batch travels as one JSON text bound to one parameter and is
     * unpacked by json_each inside SQLite. A point at or before its series' newest (the wall clock set
     * back) is checked against the stored points and moved 1 ns on until its time is free, and its
     * statistics marked for a new roll-up; `checkAll` checks every point so.
     */
    private async insert(
        catalog: SeriesCatalog,
        records: readonly InteractionRecord[],
        origins: readonly StoredOrigin[],
        checkAll: boolean
    ) {
        const rows: unknown[] = new Array(records.length);
        const newest = new Map<Series, bigint>();
        const used = new Map<string, bigint>();
        for (let i = 0; i < records.length; i++) {
            const r = records[i];
            const s = catalog.find(r.thing, r.kind, r.name)!;
            let ts = r.ts;
            if (checkAll || ts <= (newest.get(s) ?? s.newest)) ts = await this.freeTime(s, ts, used);
            if (ts > (newest.get(s) ?? s.newest)) newest.set(s, ts);
            rows[i] = pointRow(r, s.id, ts, origins[i].origin, origins[i].port);
        }
        await this.db.runPrepared(INSERT_POINTS, [JSON.stringify(rows)]);
        for (const [s, ts] of newest) s.newest = ts;
    }

    /**
     * The first time from `ts` on that no stored or batched point of the series has. `used` maps the
     * times taken in this batch to the next one to try, so a run of equal times costs one step each.
     */
    private async freeTime(s: Series, ts: bigint, used: Map<string, bigint>): Promise<bigint> {
        await this.statistics.markLate(s.id, ts);
        const first = `${s.id}:${ts}`;
        let t = used.get(first) ?? ts;
        for (;;) {
            const key = `${s.id}:${t}`;
            const taken =
                used.has(key) ||
                (await this.db.get("SELECT 1 FROM ts_point WHERE series = ? AND ts = ?", [s.id, t.toString()])) !==
                    undefined;
            if (!taken) {
                used.set(key, t + 1n);
                used.set(first, t + 1n);
                return t;
            }
            t = used.get(key) ?? t + 1n;
        }
    }

    /** Rolls every series up to its newest point. */
    async rollUpAll(): Promise<void> {
        const catalog = await this.catalog();
        for (const s of catalog.all()) await this.statistics.rollUp(s, this.purgedBefore(s.id, 0));
    }

    /** Where an aggregate over the query's range comes from: the raw points while they are all kept, else statistics. */
    async resolution(q: NormalizedHistoryQuery): Promise<{ resolution: Resolution; widthNs?: bigint }> {
        const s = (await this.catalog()).find(q.thing, q.kind, q.name);
        if (s === undefined) return { resolution: "raw" };
        const raw = this.purgedBefore(s.id, 0);
        if (raw === undefined || q.startNs >= raw) return { resolution: "raw" };
        const kept = STAT_LEVELS.filter((l) => {
            const before = this.purgedBefore(s.id, l.width);
            return before === undefined || q.startNs >= before;
        });
        // the finest kept that the windows are a multiple of, else the finest kept (windows then widen to it)
        const level =
            kept.find((l) => q.aggregate === undefined || q.aggregate.everyNs % l.widthNs === 0n) ??
            kept[0] ??
            STAT_LEVELS[STAT_LEVELS.length - 1];
        return { resolution: level.resolution, widthNs: level.widthNs };
    }

    async history(q: NormalizedHistoryQuery): Promise<HistoryRecord[] | AggregateRow[]> {
        const s = (await this.catalog()).find(q.thing, q.kind, q.name);
        if (s === undefined) return [];
        if (q.aggregate === undefined) return this.points(q, s);
        const { widthNs } = await this.resolution(q);
        await this.statistics.rollUp(s, this.purgedBefore(s.id, 0));
        if (widthNs !== undefined) {
            const everyNs = ((q.aggregate.everyNs + widthNs - 1n) / widthNs) * widthNs;
            const { sql, params } = statisticsWindows({ ...q, aggregate: { ...q.aggregate, everyNs } }, s.id, widthNs);
            return toWindows(await this.db.all<{ window: string; agg: number | null }>(sql, params));
        }
        const perWindow = perWindowSql(q, s.id);
        if (perWindow !== undefined) {
            return toWindows(
                await this.db.all<{ window: string; agg: number | null }>(perWindow.sql, perWindow.params)
            );
        }
        return this.groupedWindows(q, s);
    }

    private async points(q: NormalizedHistoryQuery, s: Series): Promise<HistoryRecord[]> {
        const { where, params } = filtersOf(q, s);
        const order = q.order === "newest" ? "DESC" : "ASC";
        const rows = await this.db.all<StoredPoint>(
            `SELECT ${POINT_COLUMNS} FROM ${POINT_FROM} WHERE ${where} ORDER BY p.ts ${order} LIMIT ?`,
            [...params, q.limit]
        );
        return rows.map((r) => toHistoryRecord(r, s));
    }

    /** Windows aligned to the epoch, as InfluxDB's aggregateWindow aligns them, by one GROUP BY over the points. */
    private async groupedWindows(q: NormalizedHistoryQuery, s: Series): Promise<AggregateRow[]> {
        const { where, params } = filtersOf(q, s);
        const every = q.aggregate!.everyNs.toString();
        const window = `(p.ts - (p.ts % CAST(? AS INTEGER)))`;
        const rows = await this.db.all<{ window: string; agg: number | null }>(
            `SELECT CAST(${window} AS TEXT) AS window, ${AGGREGATE_SQL[q.aggregate!.fn]}
             FROM ts_point AS p WHERE ${where} AND ${countedPoint("p")}
             GROUP BY ${window} ORDER BY ${window} ${q.order === "newest" ? "DESC" : "ASC"} LIMIT ?`,
            [every, ...params, every, every, q.limit]
        );
        return toWindows(rows);
    }

    async latest(thing: string, property: string): Promise<HistoryRecord | undefined> {
        const s = (await this.catalog()).find(thing, "property", property);
        if (s === undefined) return undefined;
        const row = await this.db.get<StoredPoint>(
            `SELECT ${POINT_COLUMNS} FROM ${POINT_FROM}
             WHERE p.series = ? AND (p.code & ${CODE.failed}) = 0 AND ${opOf("p")} IN (${VALUE_OPS.join(", ")})
               AND ((p.code >> ${CODE.valueTypeShift}) & ${CODE.typeMask}) != 0
             ORDER BY p.ts DESC LIMIT 1`,
            [s.id]
        );
        return row === undefined ? undefined : toHistoryRecord(row, s);
    }

    async close(): Promise<void> {
        // The database handle belongs to the plugin, which closes it after the last flush.
        clearInterval(this.rollUpTimer);
    }
}

/** The WHERE of a query's points (`ts_point AS p`): its series and range, ops and success. */
function filtersOf(q: NormalizedHistoryQuery, s: Series): { where: string; params: SqlValue[] } {
    let where = "p.series = ? AND p.ts >= CAST(? AS INTEGER) AND p.ts < CAST(? AS INTEGER)";
    const params: SqlValue[] = [s.id, q.startNs.toString(), q.stopNs.toString()];
    if (q.ops !== undefined) {
        // an empty list selects nothing, as it says; "IN ()" is not SQL
        where += q.ops.length === 0 ? " AND 0" : ` AND ${opOf("p")} IN (${q.ops.map(() => "?").join(", ")})`;
        params.push(...opCodes(q.ops));
    }
    if (q.okOnly === true) where += ` AND (p.code & ${CODE.failed}) = 0`;
    return { where, params };
}

const toWindows = (rows: { window: string; agg: number | null }[]): AggregateRow[] =>
    rows.map((r) => ({ time: new Date(Number(BigInt(r.window) / 1_000_000n)), value: r.agg }));
