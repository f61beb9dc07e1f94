import type { Database, SqlValue } from "../../sqlite/database";
import { countedPoint, opOf } from "../../sqlite/lean-layout";
import type { AggregateFn, NormalizedHistoryQuery } from "../time-series-store";
import type { Series } from "./series-catalog";
import { opCodes } from "./point-rows";

export const FIVE_MINUTES_NS = 300_000_000_000n;
export const HOUR_NS = 3_600_000_000_000n;
/** Raw time one roll-up step reads at most: a step holds the database for a few milliseconds. */
const STEP_NS = 6n * HOUR_NS;

/** The start of the bucket of width `w` holding `ns`, also before 1970. */
export const floorTo = (ns: bigint, w: bigint): bigint => ns - (((ns % w) + w) % w);
const bucketSql = (x: string, w: bigint): string => `(${x} - ((${x} % ${w}) + ${w}) % ${w})`;

/** 5-minute statistics of ?1's counted points with ?2 <= ts < ?3, per bucket and op. */
const FIVE_MINUTE_ROLL_UP = `INSERT INTO ts_stat (series, width, bucket, op, n, total, lo, hi, first_ts, first, last_ts, last)
    SELECT ?1, 300, b, op, n, total, lo, hi, f, (SELECT value FROM ts_point WHERE series = ?1 AND ts = f),
        l, (SELECT value FROM ts_point WHERE series = ?1 AND ts = l)
    FROM (SELECT ${bucketSql("ts", FIVE_MINUTES_NS)} AS b, ${opOf("p")} AS op, COUNT(*) AS n, TOTAL(value) AS total,
            MIN(value) AS lo, MAX(value) AS hi, MIN(ts) AS f, MAX(ts) AS l
        FROM ts_point AS p WHERE series = ?1 AND ts >= ?2 AND ts < ?3 AND ${countedPoint("p")} GROUP BY b, op)`;

/** Hourly statistics of ?1 for the hours ?2 <= bucket < ?3, from its 5-minute ones. */
const HOURLY_ROLL_UP = `INSERT INTO ts_stat (series, width, bucket, op, n, total, lo, hi, first_ts, first, last_ts, last)
    SELECT ?1, 3600, b, op, n, total, lo, hi, f, (SELECT value FROM ts_point WHERE series = ?1 AND ts = f),
        l, (SELECT value FROM ts_point WHERE series = ?1 AND ts = l)
    FROM (SELECT ${bucketSql("bucket", HOUR_NS)} AS b, op, SUM(n) AS n, SUM(total) AS total, MIN(lo) AS lo,
            MAX(hi) AS hi, MIN(first_ts) AS f, MAX(last_ts) AS l
        FROM ts_stat WHERE series = ?1 AND width = 300 AND bucket >= ?2 AND bucket < ?3 GROUP BY b, op)`;

/**
 * The 5-minute and hourly statistics (count, sum, min, max, first, last) of each series' numeric
 * points (`ts_stat`), kept after the points themselves are deleted. They are recomputed, not added
 * to: from the hour holding `ts_rolled.upto_ts` (everything before it is in) to the newest point, in
 * steps of at most STEP_NS, each one transaction. A point written before upto_ts (the wall clock set
 * back) lowers it first, so it is counted too.
 */
export class Statistics {
    constructor(private readonly db: Database) {}

    /** Lowers the series' roll-up mark to `ts` (a point is about to be written before it); no mark: nothing rolled up yet. */
    async markLate(series: number, ts: bigint): Promise<void> {
        await this.db.run("UPDATE ts_rolled SET upto_ts = MIN(upto_ts, CAST(?2 AS INTEGER)) WHERE series = ?1", [
            series,
            ts.toString(),
        ]);
    }

    /** Rolls up everything written so far, a step at a time; other statements run between steps. */
    async rollUp(series: Series, rawPurgedBefore: bigint | undefined): Promise<void> {
        while (await this.rollUpStep(series, rawPurgedBefore));
    }

    /** One step; false once the series is rolled up to its newest point. */
    private async rollUpStep(s: Series, rawPurgedBefore: bigint | undefined): Promise<boolean> {
        if (s.newest < 0n) return false;
        return this.db.transaction(async (tx) => {
            const mark = await tx.get<{ upto: string | null; oldest: string | null }>(
                `SELECT CAST((SELECT upto_ts FROM ts_rolled WHERE series = ?1) AS TEXT) AS upto,
                    CAST((SELECT MIN(ts) FROM ts_point WHERE series = ?1) AS TEXT) AS oldest`,
                [s.id]
            );
            const start = mark?.upto ?? mark?.oldest;
            if (start === null || start === undefined || BigInt(start) > s.newest) return false;
            let from = floorTo(BigInt(start), HOUR_NS);
            // points before a purge are gone: their statistics are all that is left of them
            if (rawPurgedBefore !== undefined && from < rawPurgedBefore) from = rawPurgedBefore;
            const end = s.newest + 1n;
            const to = end - from > STEP_NS ? from + STEP_NS : end;
            const p: SqlValue[] = [s.id, from.toString(), to.toString()];
            await tx.run("DELETE FROM ts_stat WHERE series = ?1 AND width = 300 AND bucket >= ?2 AND bucket < ?3", p);
            await tx.run(FIVE_MINUTE_ROLL_UP, p);
            await tx.run("DELETE FROM ts_stat WHERE series = ?1 AND width = 3600 AND bucket >= ?2 AND bucket < ?3", p);
            await tx.run(HOURLY_ROLL_UP, [s.id, from.toString(), floorTo(to - 1n, HOUR_NS) + HOUR_NS + ""]);
            await tx.run("INSERT OR REPLACE INTO ts_rolled (series, upto_ts) VALUES (?, ?)", [s.id, to.toString()]);
            return to < end;
        });
    }
}

/** An aggregate function over the statistics rows of a window. */
const STAT_AGGREGATE: Record<AggregateFn, string> = {
    mean: "SUM(total) / SUM(n) AS agg",
    min: "MIN(lo) AS agg",
    max: "MAX(hi) AS agg",
    count: "SUM(n) AS agg",
    sum: "SUM(total) AS agg",
    // SQLite documents that a bare column next to one MIN() or MAX() comes from the row holding it.
    first: "MIN(first_ts) AS t, first AS agg",
    last: "MAX(last_ts) AS t, last AS agg",
};

/**
 * The windows of an aggregate from the statistics of width `widthNs` alone (the raw points of its
 * range are gone): each window is made of whole buckets, `every` a multiple of the width.
 */
export function statisticsWindows(q: NormalizedHistoryQuery, series: number, widthNs: bigint) {
    const a = q.aggregate!;
    const e = a.everyNs;
    const params: SqlValue[] = [series, (widthNs / 1_000_000_000n).toString()];
    params.push(floorTo(q.startNs, widthNs).toString(), q.stopNs.toString());
    let ops = "";
    if (q.ops !== undefined) {
        ops = q.ops.length === 0 ? " AND 0" : ` AND op IN (${q.ops.map(() => "?").join(", ")})`;
        params.push(...opCodes(q.ops));
    }
    params.push(q.limit);
    const sql = `SELECT CAST(${bucketSql("bucket", e)} AS TEXT) AS window, ${STAT_AGGREGATE[a.fn]}
        FROM ts_stat WHERE series = ? AND width = ? AND bucket >= ? AND bucket < ?${ops}
        GROUP BY ${bucketSql("bucket", e)} ORDER BY ${bucketSql("bucket", e)} ${q.order === "newest" ? "DESC" : "ASC"} LIMIT ?`;
    return { sql, params };
}
