import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { Database } from "../../src/sqlite/database";
import { migrate, ROLLUP_BUCKET_NS } from "../../src/sqlite/migrations";
import { normalizeHistoryQuery } from "../../src/history/history-query";
import { SqliteTimeSeriesStore } from "../../src/timeseries/sqlite/sqlite-time-series-store";
import type { AggregateFn, AggregateRow } from "../../src/timeseries/time-series-store";
import type { InteractionRecord, Operation } from "../../src";
import { propertyRecord } from "../helpers/records";
import { openEmbeddedStore, type EmbeddedStore } from "../helpers/embedded-store";

const T0 = Date.UTC(2026, 0, 1);
const MS = 1_000_000n;
const OPS: Operation[] = ["readproperty", "writeproperty", "propertychange"];
const FNS: AggregateFn[] = ["mean", "min", "max", "count", "sum"];
const RUNS = Number(process.env.VO_ROLLUP_RUNS ?? 40);

/** A record near a bucket boundary as often as not: multiples of 2.5 s, give or take a nanosecond. */
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
        const ts = BigInt(T0) * MS + BigInt(step) * 2_500n * MS + jitterNs;
        return { ...propertyRecord("p", value, T0), ts, op, ok } as InteractionRecord;
    });

const queryArb = fc.record({
    startMs: fc.integer({ min: -5_000, max: 60_000 }),
    spanMs: fc.integer({ min: 1, max: 130_000 }),
    every: fc.constantFrom("1s", "3s", "7s", "10s", "20s", "25s", "60s"),
    fn: fc.constantFrom(...FNS),
    descending: fc.boolean(),
    ops: fc.option(fc.subarray(OPS), { nil: undefined }),
    limit: fc.integer({ min: 1, max: 60 }),
});

type Query = typeof queryArb extends fc.Arbitrary<infer Q> ? Q : never;

/** What the windows must be, computed from the records alone. */
function expected(records: readonly InteractionRecord[], q: Query): [number, number][] {
    const everyNs = BigInt(q.every.slice(0, -1)) * 1000n * MS;
    const start = BigInt(T0 + q.startMs) * MS;
    const stop = start + BigInt(q.spanMs) * MS;
    const windows = new Map<bigint, number[]>();
    for (const r of records) {
        if (!r.ok || r.ts < start || r.ts >= stop) continue;
        if (q.ops !== undefined && !q.ops.includes(r.op)) continue;
        if (typeof r.value !== "number" && typeof r.value !== "boolean") continue;
        const w = r.ts - (r.ts % everyNs);
        const list = windows.get(w) ?? [];
        list.push(Number(r.value));
        windows.set(w, list);
    }
    const agg = (v: number[]): number =>
        q.fn === "mean"
            ? v.reduce((a, b) => a + b, 0) / v.length
            : q.fn === "min"
              ? Math.min(...v)
              : q.fn === "max"
                ? Math.max(...v)
                : q.fn === "count"
                  ? v.length
                  : v.reduce((a, b) => a + b, 0);
    const rows = [...windows.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([w, v]): [number, number] => [Number(w / MS), agg(v)]);
    if (q.descending) rows.reverse();
    return rows.slice(0, q.limit);
}

function close(actual: [number, number][], wanted: [number, number][]): boolean {
    return (
        actual.length === wanted.length &&
        actual.every(
            ([t, v], i) =>
                t === wanted[i][0] && Math.abs(v - wanted[i][1]) <= 1e-9 * Math.max(1, Math.abs(wanted[i][1]))
        )
    );
}

describe("embedded store: aggregates from the 10-second partials (ts_rollup)", function () {
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
                start: T0 + q.startMs,
                stop: T0 + q.startMs + q.spanMs,
                aggregate: { every: q.every, fn: q.fn },
                descending: q.descending,
                ops: q.ops,
                limit: q.limit,
            })
        )) as AggregateRow[];
        return rows.map((r) => [r.time.getTime(), r.value as number]);
    };

    /** The partials as a fresh GROUP BY over the rows would give them, once a query has rolled every row up. */
    const rollupMatchesRows = async (): Promise<void> => {
        await answer({
            startMs: 0,
            spanMs: 1000,
            every: "10s",
            fn: "mean",
            descending: false,
            ops: undefined,
            limit: 1,
        });
        const w = ROLLUP_BUCKET_NS.toString();
        const fresh = await db.all(
            `SELECT thing, kind, name, ts - ts % ${w} AS bucket, op, COUNT(value) AS n, SUM(value) AS total,
                    MIN(value) AS lo, MAX(value) AS hi
             FROM ts_interaction WHERE ok = 1 AND value_type IN ('number', 'boolean') AND value IS NOT NULL
             GROUP BY thing, kind, name, bucket, op ORDER BY thing, kind, name, bucket, op`
        );
        const kept = await db.all(
            "SELECT thing, kind, name, bucket, op, n, total, lo, hi FROM ts_rollup ORDER BY thing, kind, name, bucket, op"
        );
        expect(kept.length).to.equal(fresh.length);
        kept.forEach((k, i) => {
            const f = fresh[i];
            expect({ ...k, total: 0 }).to.deep.equal({ ...f, total: 0 });
            expect(Number(k.total)).to.be.closeTo(Number(f.total), 1e-6);
        });
    };

    it("answers mean, min, max, count and sum as the rows do: any window, range, order, ops and limit", async function () {
        this.timeout(120_000);
        await fc.assert(
            fc.asyncProperty(
                fc.array(recordArb, { maxLength: 80 }),
                fc.array(queryArb, { minLength: 1, maxLength: 6 }),
                async (records, queries) => {
                    // rows rolled up by an earlier query, deleted, then written anew (rowids reused)
                    await db.exec("DELETE FROM ts_interaction");
                    const half = Math.floor(records.length / 2);
                    await store.write(records.slice(0, half));
                    await answer(queries[0]);
                    await store.write(records.slice(half));
                    for (const q of queries) {
                        const got = await answer(q);
                        const want = expected(records, q);
                        if (!close(got, want)) {
                            throw new Error(
                                `${JSON.stringify(q)}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`
                            );
                        }
                    }
                }
            ),
            { numRuns: RUNS }
        );
    });

    it("keeps the partials equal to the rows through deletes and updates made with plain SQL", async function () {
        this.timeout(60_000);
        const records = Array.from({ length: 300 }, (_, i) =>
            propertyRecord("p", i % 7 === 0 ? `s${i}` : i % 5 === 0 ? i % 2 === 0 : (i * 37) % 101, T0 + i * 333, {
                op: OPS[i % 3],
                ok: i % 11 !== 0,
            })
        );
        await store.write(records);
        await rollupMatchesRows();
        await db.run("DELETE FROM ts_interaction WHERE id % 4 = 0");
        await rollupMatchesRows();
        await db.run("UPDATE ts_interaction SET value = value * 2 WHERE value_type = 'number' AND id % 3 = 0");
        await db.run("UPDATE ts_interaction SET ts = ts + 7000000000 WHERE id % 5 = 1");
        await db.run("UPDATE ts_interaction SET ok = 1 - ok WHERE id % 6 = 2");
        await db.run("UPDATE ts_interaction SET op = 'writeproperty' WHERE id % 7 = 3");
        await rollupMatchesRows();
        await db.run("DELETE FROM ts_interaction");
        expect(await db.all("SELECT * FROM ts_rollup")).to.deep.equal([]);
    });

    it("is built from the rows already there when a file is migrated from version 6", async function () {
        const file = path.join(fixture.dir, "old.sqlite");
        const old = await Database.open(file);
        try {
            const { MIGRATIONS } = await import("../../src/sqlite/migrations");
            await migrate(
                old,
                MIGRATIONS.filter((m) => m.version <= 6)
            );
            await new SqliteTimeSeriesStore(old).write(
                Array.from({ length: 50 }, (_, i) => propertyRecord("p", i, T0 + i * 1000))
            );
            await migrate(old);
            const rows = await old.all<{ bucket: string; n: number; total: number }>(
                "SELECT CAST(bucket AS TEXT) AS bucket, n, total FROM ts_rollup ORDER BY bucket"
            );
            expect(rows).to.deep.equal(
                [0, 1, 2, 3, 4].map((b) => ({
                    bucket: ((BigInt(T0) + BigInt(b) * 10_000n) * MS).toString(),
                    n: 10,
                    total: 100 * b + 45,
                }))
            );
        } finally {
            await old.close();
        }
    });
});
