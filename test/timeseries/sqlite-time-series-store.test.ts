import { expect } from "chai";
import { Database } from "../../src/sqlite/database";
import { InvalidHistoryQueryError, normalizeHistoryQuery } from "../../src/history/history-query";
import { parseDuration } from "../../src/model/duration";
import { SqliteTimeSeriesStore } from "../../src/timeseries/sqlite/sqlite-time-series-store";
import { propertyRecord } from "../helpers/records";
import { describeStoreContract } from "./store-contract";
import { openEmbeddedStore, type EmbeddedStore } from "../helpers/embedded-store";

const T0 = Date.UTC(2026, 0, 1); // a window boundary for every window size used below

describeStoreContract("embedded SQLite", openEmbeddedStore);

describe("embedded time-series store (SQLite)", function () {
    let fixture: EmbeddedStore;
    let db: Database;
    let store: SqliteTimeSeriesStore;
    const q = (query: Parameters<typeof normalizeHistoryQuery>[0]) => store.history(normalizeHistoryQuery(query));

    beforeEach(async function () {
        fixture = await openEmbeddedStore();
        ({ db, store } = fixture);
    });
    afterEach(() => fixture.close());

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

    it("stores a batch in its order: row ids follow the records, also at equal timestamps", async function () {
        // values in an order unrelated to their size; all at one instant, so only the row id orders them
        const values = Array.from({ length: 3000 }, (_, i) => (i * 7919) % 3001);
        await store.write(values.map((v) => propertyRecord("ordered", v, T0)));
        const rows = await db.all<{ value: number }>(
            "SELECT value FROM ts_interaction WHERE name = 'ordered' ORDER BY id"
        );
        expect(rows.map((r) => r.value)).to.deep.equal(values);
    });

    it("refuses malformed queries with errors that name the field", function () {
        const base = { thing: "t", kind: "property" as const, name: "n" };
        const bad: [unknown, RegExp][] = [
            [{ ...base, kind: "metric" }, /^kind: must be/],
            [{ ...base, thing: "" }, /^thing: must be a non-empty string/],
            [{ ...base, limit: 0 }, /^limit: must be an integer/],
            [{ ...base, limit: 1e9 }, /^limit: must be an integer/],
            [{ ...base, from: "yesterday" }, /^from: "yesterday" is neither/],
            [{ ...base, start: "yesterday" }, /^from: "yesterday" is neither/],
            [{ ...base, from: 10, to: 5 }, /^from must be before to/],
            [{ ...base, start: 10, stop: 5 }, /^from must be before to/],
            [{ ...base, from: 1, start: 1 }, /^from, start: give one/],
            [{ ...base, order: "sideways" }, /^order: must be "oldest" or "newest"/],
            [{ ...base, order: "oldest", descending: true }, /^order: "oldest" contradicts descending/],
            [{ ...base, aggregate: { every: "1 hour", fn: "mean" } }, /^every: invalid duration "1 hour"/],
            [{ ...base, aggregate: { every: "1h", fn: "median" } }, /^fn: must be one of/],
            [{ ...base, aggregate: { every: -5, fn: "mean" } }, /^every: must be a positive duration/],
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
