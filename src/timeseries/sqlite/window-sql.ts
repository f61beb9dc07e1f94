import type { SqlValue } from "../../sqlite/database";
import { countedPoint, opOf } from "../../sqlite/lean-layout";
import type { NormalizedHistoryQuery } from "../time-series-store";
import { opCodes } from "./point-rows";
import { FIVE_MINUTES_NS } from "./statistics";

/** The aggregates answered from 5-minute statistics one window at a time (`perWindowSql`), and the most windows that way. */
const FROM_STATISTICS = new Set(["mean", "min", "max", "count", "sum"]);
const PER_WINDOW_MAX = 5000;

/**
 * An aggregate over raw points window by window, each window's whole 5-minute buckets read from
 * `ts_stat` (rolled up to the newest point first) and only its edges from the points: a 1000-window
 * mean over a million points reads a few thousand statistics rows and the edges instead of every
 * point. Not for `first`/`last`, nor times before 1970. Windows without a numeric value are left
 * out, as `GROUP BY` leaves them.
 */
export function perWindowSql(
    q: NormalizedHistoryQuery,
    series: number
): { sql: string; params: SqlValue[] } | undefined {
    const a = q.aggregate!;
    if (!FROM_STATISTICS.has(a.fn) || q.startNs < 0n || q.stopNs <= q.startNs) return undefined;
    const first = q.startNs - (q.startNs % a.everyNs);
    const last = q.stopNs - 1n - ((q.stopNs - 1n) % a.everyNs);
    if ((last - first) / a.everyNs >= BigInt(PER_WINDOW_MAX)) return undefined;
    const [from, step, to] = q.order === "newest" ? [last, -a.everyNs, first] : [first, a.everyNs, last];
    // ?1 the series, ?2/?3 the range, ?4 the window, ?5 the bucket width, ?6-?8 the window starts,
    // ?9 the limit, ?10... the ops
    const params: SqlValue[] = [series, q.startNs.toString(), q.stopNs.toString()];
    params.push(a.everyNs.toString(), FIVE_MINUTES_NS.toString(), from.toString(), step.toString(), to.toString());
    params.push(q.limit);
    let ops = "";
    if (q.ops !== undefined) {
        ops = q.ops.length === 0 ? " AND 0" : ` AND op IN (${q.ops.map((_, i) => `?${10 + i}`).join(", ")})`;
        params.push(...opCodes(q.ops));
    }
    const rawOps = ops.replace(" op IN", ` ${opOf("pt")} IN`);
    const raw = (fn: string, lo: string, hi: string) =>
        `(SELECT ${fn}(value) FROM ts_point AS pt WHERE series = ?1 AND ts >= ${lo} AND ts < ${hi}${rawOps} AND ${countedPoint("pt")})`;
    const rolled = (fn: string, column: string) =>
        `(SELECT ${fn}(${column}) FROM ts_stat WHERE series = ?1 AND width = 300 AND bucket >= ra AND bucket < rb${ops})`;
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
    const more = q.order === "newest" ? "s + ?7 >= CAST(?8 AS INTEGER)" : "s + ?7 <= CAST(?8 AS INTEGER)";
    // lo/hi: the window within the range; ra/rb: its whole buckets (ra = rb when it holds none)
    const sql = `WITH RECURSIVE w(s) AS (SELECT CAST(?6 AS INTEGER) UNION ALL SELECT s + ?7 FROM w WHERE ${more}),
        e(s, lo, hi) AS (SELECT s, MAX(s, CAST(?2 AS INTEGER)), MIN(s + CAST(?4 AS INTEGER), CAST(?3 AS INTEGER)) FROM w),
        b(s, lo, hi, ra) AS (SELECT s, lo, hi, MIN(hi, lo + (?5 - lo % ?5) % ?5) FROM e),
        p(s, lo, hi, ra, rb) AS (SELECT s, lo, hi, ra, MAX(ra, hi - hi % ?5) FROM b),
        a(s, ${names}) AS MATERIALIZED (SELECT s, ${stats} FROM p)
        SELECT CAST(s AS TEXT) AS window, ${agg} AS agg FROM a WHERE ${kept} LIMIT ?9`;
    return { sql, params };
}
