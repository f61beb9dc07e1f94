import { expect } from "chai";
import fc from "fast-check";
import type { Database } from "../../src/sqlite/database";
import { normalizeHistoryQuery } from "../../src/history/history-query";
import { SqliteTimeSeriesStore } from "../../src/timeseries/sqlite/sqlite-time-series-store";
import type { AggregateFn, AggregateRow } from "../../src/timeseries/time-series-store";
import type { InteractionRecord, Operation } from "../../src";
import { propertyRecord } from "../helpers/records";
import { openEmbeddedStore, type EmbeddedStore } from "../helpers/embedded-store";

const T0 = Date.UTC(2026, 0, 1);
const MS = 1_000_000n;
const OPS: Operation[] = ["readproperty", "writeproperty", "propertychange"];
const FNS: AggregateFn[] = ["mean", "min", "max", "count", "sum", "first", "last"];
const RUNS = Number(process.env.VO_STATISTICS_RUNS ?? 300);

/** A record near a 5-minute boundary as often as not: multiples of 150 s over two hours, give or take a nanosecond. */
const recordArb = fc
    .record({
        step: fc.integer({ min: 0, max: 48 }),
        jitterNs: fc.constantFrom(-1n, 0n, 1n, 1_234_567n),
        value: fc.oneof(
            fc.integer({ min: -1000, max: 1000 }),
            fc.double({ min: -1e6, max: 1e6, noNaN: true }),
            fc.boolean(),
            fc.string({ maxLength: 3 }),
            fc.constant(null)
        ),
        op: fc.constantFrom(...OPS),
        ok: fc.boolean(),
    })
    .map(({ step, jitterNs, value, op, ok }) => {
        const ts = BigInt(T0) * MS + BigInt(step) * 150_000n * MS + jitterNs;
        return { ...propertyRecord("p", value, T0), ts, op, ok } as InteractionRecord;
    });

const queryArb = fc.record({
    startMs: fc.integer({ min: -60_000, max: 7_000_000 }),
    spanMs: fc.integer({ min: 1, max: 8_000_000 }),
    every: fc.constantFrom("10s", "60s", "7m", "5m", "10m", "1h"),
    fn: fc.constantFrom(...FNS),
    descending: fc.boolean(),
    ops: fc.option(fc.subarray(OPS), { nil: undefined }),
    limit: fc.integer({ min: 1, max: 60 }),
});

type Query = typeof queryArb extends fc.Arbitrary<infer Q> ? Q : never;

const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** What the windows must be, computed from the records alone (in the order they were written: equal times keep it). */
function expected(records: readonly InteractionRecord[], q: Query): [number, number][] {
    const everyNs = BigInt(parseEvery(q.every)) * MS;
    const start = BigInt(T0 + q.startMs) * MS;
    const stop = start + BigInt(q.spanMs) * MS;
    const windows = new Map<bigint, { ts: bigint; v: number }[]>();
    for (const r of records) {
        if (!r.ok || r.ts < start || r.ts >= stop) continue;
        if (q.ops !== undefined && !q.ops.includes(r.op)) continue;
        if (typeof r.value !== "number" && typeof r.value !== "boolean") continue;
        const w = r.ts - (r.ts % everyNs);
        const list = windows.get(w) ?? [];
        list.push({ ts: r.ts, v: Number(r.value) });
        windows.set(w, list);
    }
    const agg = (points: { ts: bigint; v: number }[]): number => {
        const v = points.map((p) => p.v);
        const sorted = [...points].sort((a, b) => cmp(a.ts, b.ts));
        switch (q.fn) {
            case "mean":
                return v.reduce((a, b) => a + b, 0) / v.length;
            case "min":
                return Math.min(...v);
            case "max":
                return Math.max(...v);
            case "count":
                return v.length;
            case "first":
                return sorted[0].v;
            case "last":
                return sorted[sorted.length - 1].v;
            default:
                return v.reduce((a, b) => a + b, 0);
        }
    };
    const rows = [...windows.entries()]
        .sort(([a], [b]) => cmp(a, b))
        .map(([w, v]): [number, number] => [Number(w / MS), agg(v)]);
    if (q.descending) rows.reverse();
    return rows.slice(0, q.limit);
}

const parseEvery = (every: string): number =>
    Number(every.slice(0, -1)) * { s: 1000, m: 60_000, h: 3_600_000 }[every.slice(-1) as "s"];

function close(actual: [number, number][], wanted: [number, number][]): boolean {
    return (
        actual.length === wanted.length &&
        actual.every(
            ([t, v], i) =>
                t === wanted[i][0] && Math.abs(v - wanted[i][1]) <= 1e-9 * Math.max(1, Math.abs(wanted[i][1]))
        )
    );
}

/** Records at distinct times (as the recorder's clock gives them), so first and last are defined. */
function distinctTimes(records: InteractionRecord[]): InteractionRecord[] {
    const seen = new Set<bigint>();
    return records.filter((r) => !seen.has(r.ts) && (seen.add(r.ts), true));
}

describe("embedded store: statistics (ts_stat) and the aggregates read from them", function () {
    let fixture: EmbeddedStore;
    let db: Database;
    let store: SqliteTimeSeriesStore;

    beforeEach(async function () {
        fixture = await openEmbeddedStore();
        ({ db, store } = fixture);
    });
    afterEach(() => fixture.close());

    const answer = async (q: Query): Promise<[number, number][]> => {
        const rows = (await store.history(
            normalizeHistoryQuery({
                thing: "urn:test:thing",
                kind: "property",
                name: "p",
                from: T0 + q.startMs,
                to: T0 + q.startMs + q.spanMs,
                aggregate: { every: q.every, fn: q.fn },
                order: q.descending ? "newest" : "oldest",
                ops: q.ops,
                limit: q.limit,
            })
        )) as AggregateRow[];
        return rows.map((r) => [r.time.getTime(), r.value as number]);
    };

    /** The statistics as a fresh GROUP BY over the points gives them, once everything is rolled up. */
    const statisticsMatchPoints = async (): Promise<void> => {
        await store.rollUpAll();
        for (const width of [300, 3600]) {
            const w = (BigInt(width) * 1000n * MS).toString();
            const fresh = await db.all(
                `SELECT series, ts - ts % ${w} AS bucket, code & 31 AS op, COUNT(*) AS n, TOTAL(value) AS total,
                        MIN(value) AS lo, MAX(value) AS hi, MIN(ts) AS first_ts, MAX(ts) AS last_ts
                 FROM ts_point WHERE (code & 32768) = 0 AND ((code >> 9) & 7) IN (1, 2) AND value IS NOT NULL
                 GROUP BY series, bucket, op ORDER BY series, bucket, op`
            );
            const kept = await db.all(
                `SELECT series, bucket, op, n, total, lo, hi, first_ts, last_ts FROM ts_stat WHERE width = ${width}
                 ORDER BY series, bucket, op`
            );
            expect(kept.length, `${width} s`).to.equal(fresh.length);
            kept.forEach((k, i) => {
                expect({ ...k, total: 0 }).to.deep.equal({ ...fresh[i], total: 0 });
                expect(Number(k.total)).to.be.closeTo(Number(fresh[i].total), 1e-6);
            });
        }
    };

    it("answers every aggregate as the points do: any window, range, order, ops and limit, 5-minute buckets inside", async function () {
        this.timeout(120_000);
        await fc.assert(
            fc.asyncProperty(
                fc.array(recordArb, { maxLength: 80 }).map(distinctTimes),
                fc.array(queryArb, { minLength: 1, maxLength: 6 }),
                fc.boolean(),
                async (records, queries, rolledBetween) => {
                    await db.exec("DELETE FROM ts_point; DELETE FROM ts_stat; DELETE FROM ts_rolled");
                    store = new SqliteTimeSeriesStore(db); // what it knows of the series from a clean file
                    // statistics rolled up by an earlier query, then points written before them (a clock set back)
                    const half = Math.floor(records.length / 2);
                    // or all in one batch, out of order, before anything is rolled up
                    if (rolledBetween) {
                        await store.write(records.slice(half));
                        await answer(queries[0]);
                        await store.write(records.slice(0, half));
                    } else {
                        await store.write([...records.slice(half), ...records.slice(0, half)]);
                    }
                    for (const q of queries) {
                        const got = await answer(q);
                        const want = expected(records, q);
                        if (!close(got, want)) {
                            throw new Error(
                                `${JSON.stringify(q)}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`
                            );
                        }
                    }
                    await statisticsMatchPoints();
                }
            ),
            { numRuns: RUNS }
        );
    });

    it("rolls up a long series in steps and keeps every statistic equal to the points", async function () {
        this.timeout(60_000);
        // 30 hours, a point every 20 s: five steps of at most six hours each
        const records = Array.from({ length: 5400 }, (_, i) =>
            propertyRecord("p", i % 7 === 0 ? `s${i}` : (i * 37) % 101, T0 + i * 20_000, {
                op: OPS[i % 3],
                ok: i % 11 !== 0,
            })
        );
        await store.write(records);
        await statisticsMatchPoints();
        const hours = await db.get<{ n: number }>("SELECT COUNT(DISTINCT bucket) AS n FROM ts_stat WHERE width = 3600");
        expect(hours?.n).to.equal(30);
    });
});
