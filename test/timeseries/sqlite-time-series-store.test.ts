import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { AggregateRow, HistoryRecord } from "../../src";
import { Database } from "../../src/sqlite/database";
import { migrate } from "../../src/sqlite/migrations";
import { InvalidHistoryQueryError, normalizeHistoryQuery, parseDuration } from "../../src/timeseries/history-query";
import { SqliteTimeSeriesStore } from "../../src/timeseries/sqlite/sqlite-time-series-store";
import { propertyRecord } from "../helpers/records";
import { tempDir } from "../helpers/vo-fixture";

const T0 = Date.UTC(2026, 0, 1); // a window boundary for every window size used below

describe("embedded time-series store (SQLite)", function () {
    let dir: string;
    let db: Database;
    let store: SqliteTimeSeriesStore;
    const q = (query: Parameters<typeof normalizeHistoryQuery>[0]) => store.history(normalizeHistoryQuery(query));

    beforeEach(async function () {
        dir = tempDir();
        db = await Database.open(path.join(dir, "ts.sqlite"));
        await migrate(db);
        store = new SqliteTimeSeriesStore(db);
    });
    afterEach(async function () {
        await db.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("returns every value exactly as written, typed, with nanosecond timestamps", async function () {
        const values = [
            0,
            -1.5,
            1e300,
            true,
            false,
            "",
            'text, with "quotes"\n',
            null,
            { a: { b: [1, null, "x"] } },
            [1, 2],
        ];
        await store.write(
            values.map((v, i) => propertyRecord("p", v, T0 + i, { ts: BigInt(T0 + i) * 1_000_000n + 123n }))
        );
        const rows = (await q({ thing: "urn:test:thing", kind: "property", name: "p" })) as HistoryRecord[];
        expect(rows.map((r) => r.value)).to.deep.equal(values);
        expect(rows[0].timestampNs).to.equal(`${T0}000123`);
        expect(rows[0].time.getTime()).to.equal(T0);
    });

    it("keeps writes that are all-or-nothing per batch (one transaction)", async function () {
        const good = propertyRecord("p", 1, T0);
        const bad = { ...propertyRecord("p", 2, T0 + 1), kind: "bogus" } as never;
        let failed = false;
        try {
            await store.write([good, bad]);
        } catch {
            failed = true;
        }
        expect(failed).to.equal(true);
        expect(await q({ thing: "urn:test:thing", kind: "property", name: "p" })).to.have.length(0);
    });

    it("writes batches larger than one statement's variable limit", async function () {
        const n = 5000;
        await store.write(Array.from({ length: n }, (_, i) => propertyRecord("big", i, T0 + i)));
        const rows = await db.get<{ n: number; s: number }>(
            "SELECT COUNT(*) AS n, SUM(value) AS s FROM ts_interaction WHERE name = 'big'"
        );
        expect(rows).to.deep.equal({ n, s: (n * (n - 1)) / 2 });
    });

    it("selects by range [start, stop), limit and order", async function () {
        await store.write(Array.from({ length: 10 }, (_, i) => propertyRecord("p", i, T0 + i * 1000)));
        const base = { thing: "urn:test:thing", kind: "property" as const, name: "p" };
        const mid = (await q({ ...base, start: T0 + 2000, stop: new Date(T0 + 5000) })) as HistoryRecord[];
        expect(mid.map((r) => r.value)).to.deep.equal([2, 3, 4]);
        const iso = (await q({ ...base, start: new Date(T0 + 8000).toISOString() })) as HistoryRecord[];
        expect(iso.map((r) => r.value)).to.deep.equal([8, 9]);
        const newest = (await q({ ...base, descending: true, limit: 3 })) as HistoryRecord[];
        expect(newest.map((r) => r.value)).to.deep.equal([9, 8, 7]);
        expect(await q({ ...base, start: "-1h" })).to.have.length(0); // all of it is from 2026-01-01
    });

    it("aggregates numeric values in epoch-aligned windows: mean, min, max, count, last", async function () {
        // 3 windows of 10 s; booleans count as 0/1; strings are left out of numeric aggregates
        const pts = [
            [0, 1],
            [1000, 3],
            [9000, 5],
            [10_000, true],
            [12_000, 7],
            [15_000, "not a number"],
            [25_000, -2],
        ] as const;
        await store.write(pts.map(([dt, v]) => propertyRecord("p", v, T0 + dt)));
        const base = { thing: "urn:test:thing", kind: "property" as const, name: "p" };
        const agg = async (fn: "mean" | "min" | "max" | "count" | "last") =>
            ((await q({ ...base, aggregate: { every: "10s", fn } })) as AggregateRow[]).map((r) => [
                r.time.getTime() - T0,
                r.value,
            ]);
        expect(await agg("mean")).to.deep.equal([
            [0, 3],
            [10_000, 4],
            [20_000, -2],
        ]);
        expect(await agg("min")).to.deep.equal([
            [0, 1],
            [10_000, 1],
            [20_000, -2],
        ]);
        expect(await agg("max")).to.deep.equal([
            [0, 5],
            [10_000, 7],
            [20_000, -2],
        ]);
        expect(await agg("count")).to.deep.equal([
            [0, 3],
            [10_000, 2],
            [20_000, 1],
        ]);
        expect(await agg("last")).to.deep.equal([
            [0, 5],
            [10_000, 7],
            [20_000, -2],
        ]);
        const windowsMs = ((await q({ ...base, aggregate: { every: 5000, fn: "count" } })) as AggregateRow[]).map(
            (r) => r.time.getTime() - T0
        );
        expect(windowsMs).to.deep.equal([0, 5000, 10_000, 25_000]);
    });

    it("latest() gives the newest successful value of a property", async function () {
        await store.write([
            propertyRecord("p", 1, T0),
            propertyRecord("p", 2, T0 + 1, { op: "writeproperty" }),
            propertyRecord("p", undefined, T0 + 2, { ok: false, error: "boom" }),
            propertyRecord("p", undefined, T0 + 3, { op: "observeproperty" }),
            propertyRecord("q", 9, T0 + 4),
        ]);
        const latest = await store.latest("urn:test:thing", "p");
        expect(latest).to.include({ value: 2, op: "writeproperty" });
        expect(await store.latest("urn:test:thing", "nothing")).to.equal(undefined);
    });

    it("treats names with quotes, newlines and SQL as plain data", async function () {
        const thing = "urn:x'; DROP TABLE ts_interaction; --";
        const name = 'temp "inner", \n\t ü ✓';
        await store.write([propertyRecord(name, 42, T0, { thing })]);
        const rows = (await q({ thing, kind: "property", name })) as HistoryRecord[];
        expect(rows.map((r) => [r.thing, r.name, r.value])).to.deep.equal([[thing, name, 42]]);
        expect(await q({ thing: "urn:test:thing' OR '1'='1", kind: "property", name })).to.have.length(0);
    });

    it("refuses malformed queries with errors that name the field", function () {
        const base = { thing: "t", kind: "property" as const, name: "n" };
        const bad: [unknown, RegExp][] = [
            [{ ...base, kind: "metric" }, /kind must be/],
            [{ ...base, thing: "" }, /thing must be a non-empty string/],
            [{ ...base, limit: 0 }, /limit must be an integer/],
            [{ ...base, limit: 1e9 }, /limit must be an integer/],
            [{ ...base, start: "yesterday" }, /start "yesterday" is neither/],
            [{ ...base, start: 10, stop: 5 }, /stop must be after start/],
            [{ ...base, aggregate: { every: "1 hour", fn: "mean" } }, /invalid duration "1 hour"/],
            [{ ...base, aggregate: { every: "1h", fn: "median" } }, /aggregate.fn must be one of/],
            [{ ...base, aggregate: { every: -5, fn: "mean" } }, /positive duration/],
        ];
        for (const [query, message] of bad) {
            expect(() => normalizeHistoryQuery(query as never), JSON.stringify(query)).to.throw(
                InvalidHistoryQueryError,
                message
            );
        }
        expect(parseDuration("1h30m")).to.equal(5_400_000_000_000n);
    });
});
