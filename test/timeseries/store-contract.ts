import { expect } from "chai";
import type { AggregateRow, HistoryRecord, InteractionRecord, TimeSeriesStore } from "../../src";
import type { Operation } from "../../src/model/interaction-record";
import type { AggregateFn } from "../../src/timeseries/time-series-store";
import { normalizeHistoryQuery } from "../../src/history/history-query";
import { propertyRecord } from "../helpers/records";

export interface StoreUnderTest {
    store: TimeSeriesStore;
    close(): Promise<void>;
}

const T0 = Date.UTC(2026, 0, 1); // a window boundary for every window size used below

/**
 * What every TimeSeriesStore must do, the same for the embedded store and InfluxDB. `open` gives
 * a fresh, empty store for each test.
 */
export function describeStoreContract(title: string, open: (ctx: Mocha.Context) => Promise<StoreUnderTest>): void {
    describe(`TimeSeriesStore contract: ${title}`, function () {
        this.timeout(30_000);
        let sut: StoreUnderTest | undefined;
        let store: TimeSeriesStore;
        const q = (query: Parameters<typeof normalizeHistoryQuery>[0]) => store.history(normalizeHistoryQuery(query));
        /** [ms since T0, value] of each 10 s window of property p's `fn` aggregate */
        const agg = async (fn: AggregateFn) =>
            (
                (await q({
                    thing: "urn:test:thing",
                    kind: "property",
                    name: "p",
                    aggregate: { every: "10s", fn },
                })) as AggregateRow[]
            ).map((r) => [r.time.getTime() - T0, r.value]);
        const write = async (records: InteractionRecord[]) => {
            await store.write(records);
            await store.flush?.();
        };

        beforeEach(async function () {
            sut = await open(this);
            store = sut.store;
        });
        afterEach(async function () {
            await sut?.close();
            sut = undefined;
        });

        it("returns every value exactly as written, typed, with nanosecond timestamps", async function () {
            const values = [
                0,
                -1.5,
                0.1,
                1 / 3,
                2 ** 53 - 1,
                -1e-300,
                1e300,
                true,
                false,
                "",
                'text, with "quotes"\n and = signs',
                "lone \r, crlf \r\n, tab \t",
                { "key with\nnewline, = and \\": "value\r\n", "": [] },
                null,
                { a: { b: [1, null, "x"] } },
                [1, 2],
            ];
            await write(
                values.map((v, i) => propertyRecord("p", v, T0 + i, { ts: BigInt(T0 + i) * 1_000_000n + 123n }))
            );
            const rows = (await q({ thing: "urn:test:thing", kind: "property", name: "p" })) as HistoryRecord[];
            expect(rows.map((r) => r.value)).to.deep.equal(values);
            expect(rows[0].timestampNs).to.equal(`${T0}000123`);
            expect(rows[0].time.getTime()).to.equal(T0);
            expect(rows[0]).to.include({ op: "readproperty", protocol: "http", origin: "127.0.0.1:40000", ok: true });
        });

        it("keeps every double exactly: 16 and 17 significant digits, any magnitude, subnormals, past 2^53", async function () {
            // SQLite's text-to-double conversion (its JSON parser too) is off by one unit in the last
            // place for about 1 in 10 000 random doubles; these were among them.
            const known = [0.4839511932471319, -414844.5536048504, 7.170794719574163e-53, 0.8917533364013009];
            const doubles = [
                ...known,
                ...seededDoubles(0x5eed, 3000),
                5e-324,
                -2.2250738585072014e-308,
                2 ** 53 + 2,
                1e21,
            ];
            await write(
                doubles.map((v, i) =>
                    propertyRecord("exact", v, T0 + i, {
                        kind: "action",
                        op: "invokeaction",
                        output: -v,
                        durationMs: Math.abs(v) % 1e9, // up to 11 days
                    })
                )
            );
            const rows = (await q({
                thing: "urn:test:thing",
                kind: "action",
                name: "exact",
                limit: doubles.length,
            })) as HistoryRecord[];
            const off = (got: unknown[], want: number[]) => want.filter((v, i) => !Object.is(got[i], v)).slice(0, 5);
            expect(rows).to.have.length(doubles.length);
            expect(
                off(
                    rows.map((r) => r.value),
                    doubles
                ),
                "values"
            ).to.deep.equal([]);
            expect(
                off(
                    rows.map((r) => r.output),
                    doubles.map((v) => -v)
                ),
                "outputs"
            ).to.deep.equal([]);
            // durations are kept to the microsecond (the embedded store keeps whole microseconds)
            const durationsOff = doubles.filter(
                (v, i) => !(Math.abs(rows[i].durationMs! - (Math.abs(v) % 1e9)) <= 0.0005 + (Math.abs(v) % 1e9) * 1e-15)
            );
            expect(durationsOff.slice(0, 5), "durations").to.deep.equal([]);
        });

        it("keeps the stale mark of a read a proxy answered from its last recorded value", async function () {
            await write([
                propertyRecord("mirrored", 21.5, T0),
                propertyRecord("mirrored", 21.5, T0 + 1, { stale: true }),
            ]);
            const rows = (await q({ thing: "urn:test:thing", kind: "property", name: "mirrored" })) as HistoryRecord[];
            expect(rows.map((r) => [r.value, r.stale])).to.deep.equal([
                [21.5, false],
                [21.5, true],
            ]);
        });

        it("keeps a value whose type changes from one point to the next", async function () {
            const values = [1, "one", true, { one: 1 }, 2, [1], "two"];
            await write(values.map((v, i) => propertyRecord("shifty", v, T0 + i)));
            const rows = (await q({ thing: "urn:test:thing", kind: "property", name: "shifty" })) as HistoryRecord[];
            expect(rows.map((r) => r.value)).to.deep.equal(values);
        });

        it("keeps actions (input, output, error, duration) and events apart from properties", async function () {
            await write([
                propertyRecord("calibrate", { offset: 1 }, T0, {
                    kind: "action",
                    op: "invokeaction",
                    output: { applied: true },
                    durationMs: 12.5,
                }),
                propertyRecord("calibrate", { offset: 500 }, T0 + 1, {
                    kind: "action",
                    op: "invokeaction",
                    ok: false,
                    error: "offset out of range:\r\n  500 > 100\r",
                    valid: false,
                }),
                propertyRecord("overheat", { temperature: 80 }, T0 + 2, {
                    kind: "event",
                    op: "emitevent",
                    origin: undefined,
                }),
                propertyRecord("overheat", undefined, T0 + 3, { kind: "event", op: "subscribeevent" }),
            ]);
            const actions = (await q({
                thing: "urn:test:thing",
                kind: "action",
                name: "calibrate",
            })) as HistoryRecord[];
            expect(actions).to.have.length(2);
            expect(actions[0]).to.include({ ok: true, durationMs: 12.5, valid: true });
            expect(actions[0].value).to.deep.equal({ offset: 1 });
            expect(actions[0].output).to.deep.equal({ applied: true });
            expect(actions[1]).to.include({ ok: false, error: "offset out of range:\r\n  500 > 100\r", valid: false });
            const events = (await q({ thing: "urn:test:thing", kind: "event", name: "overheat" })) as HistoryRecord[];
            expect(events.map((e) => [e.op, e.value, e.origin])).to.deep.equal([
                ["emitevent", { temperature: 80 }, undefined],
                ["subscribeevent", undefined, "127.0.0.1:40000"],
            ]);
            expect(await q({ thing: "urn:test:thing", kind: "property", name: "calibrate" })).to.have.length(0);
        });

        it("selects by range [start, stop), limit and order", async function () {
            await write(Array.from({ length: 10 }, (_, i) => propertyRecord("p", i, T0 + i * 1000)));
            const base = { thing: "urn:test:thing", kind: "property" as const, name: "p" };
            const mid = (await q({ ...base, start: T0 + 2000, stop: new Date(T0 + 5000) })) as HistoryRecord[];
            expect(mid.map((r) => r.value)).to.deep.equal([2, 3, 4]);
            const iso = (await q({ ...base, start: new Date(T0 + 8000).toISOString() })) as HistoryRecord[];
            expect(iso.map((r) => r.value)).to.deep.equal([8, 9]);
            const newest = (await q({ ...base, order: "newest", limit: 3 })) as HistoryRecord[];
            expect(newest.map((r) => r.value)).to.deep.equal([9, 8, 7]);
            const oldest = (await q({ ...base, limit: 2 })) as HistoryRecord[];
            expect(oldest.map((r) => r.value)).to.deep.equal([0, 1]);
            expect(await q({ ...base, start: "-1h" })).to.have.length(0); // all of it is from 2026-01-01
        });

        it("answers the newest points of sparse old and dense recent data, again as points arrive, for any stop", async function () {
            // a point a day for 30 days, then 600 points a second apart; reads and writes
            const day = 86_400_000;
            const sparse = Array.from({ length: 30 }, (_, i) => T0 + i * day);
            const dense = Array.from({ length: 600 }, (_, i) => T0 + 30 * day + i * 1000);
            const rec = (ms: number, i: number) =>
                propertyRecord("p", i, ms, { op: i % 3 === 0 ? "writeproperty" : "readproperty" });
            let all = [...sparse, ...dense].map(rec);
            await write(all);
            const base = { thing: "urn:test:thing", kind: "property" as const, name: "p", order: "newest" as const };
            const newest = async (limit: number, extra: Partial<Parameters<typeof q>[0]> = {}) =>
                ((await q({ ...base, limit, ...extra })) as HistoryRecord[]).map((r) => r.value);
            const expected = (limit: number, keep: (r: InteractionRecord) => boolean = () => true) =>
                all
                    .filter(keep)
                    .map((r) => r.value)
                    .reverse()
                    .slice(0, limit);
            expect(await newest(100)).to.deep.equal(expected(100));
            expect(await newest(100)).to.deep.equal(expected(100)); // the same question twice
            expect(await newest(620)).to.deep.equal(expected(620)); // into the sparse part
            expect(await newest(1000)).to.deep.equal(expected(1000)); // more than there are
            const writes = (r: InteractionRecord) => r.op === "writeproperty";
            expect(await newest(250, { ops: ["writeproperty"] })).to.deep.equal(expected(250, writes));
            // new points after the last answer: they are the newest now
            const more = Array.from({ length: 50 }, (_, i) => rec(T0 + 31 * day + i * 10, 630 + i));
            await write(more);
            all = [...all, ...more];
            expect(await newest(100)).to.deep.equal(expected(100));
            // a stop before the newest points: the last answer's start no longer holds enough
            const stop = T0 + 30 * day + 100_000;
            const before = all.filter((r) => r.ts < BigInt(stop) * 1_000_000n);
            const answer = (await q({ ...base, limit: 120, stop })) as HistoryRecord[];
            expect(answer.map((r) => r.value)).to.deep.equal(
                before
                    .map((r) => r.value)
                    .reverse()
                    .slice(0, 120)
            );
        });

        it("aggregates numeric values in epoch-aligned windows: mean, min, max, count, last", async function () {
            // 3 windows of 10 s; booleans count as 0/1; strings are left out of numeric aggregates,
            // and so are failed interactions (a write the schema refused carries the refused value)
            const pts = [
                [0, 1],
                [1000, 3],
                [9000, 5],
                [10_000, true],
                [12_000, 7],
                [15_000, "not a number"],
                [25_000, -2],
            ] as const;
            const refused = propertyRecord("p", 1000, T0 + 2000, { op: "writeproperty", ok: false, error: "refused" });
            await write([...pts.map(([dt, v]) => propertyRecord("p", v, T0 + dt)), refused]);
            const base = { thing: "urn:test:thing", kind: "property" as const, name: "p" };
            const windows = (a: number, b: number, c: number) => [
                [0, a],
                [10_000, b],
                [20_000, c],
            ];
            expect(await agg("mean")).to.deep.equal(windows(3, 4, -2));
            expect(await agg("min")).to.deep.equal(windows(1, 1, -2));
            expect(await agg("max")).to.deep.equal(windows(5, 7, -2));
            expect(await agg("count")).to.deep.equal(windows(3, 2, 1));
            expect(await agg("last")).to.deep.equal(windows(5, 7, -2));
            const small = (await q({ ...base, aggregate: { every: 5000, fn: "count" } })) as AggregateRow[];
            expect(small.map((r) => r.time.getTime() - T0)).to.deep.equal([0, 5000, 10_000, 25_000]);
            const desc = (await q({
                ...base,
                order: "newest",
                limit: 1,
                aggregate: { every: "10s", fn: "max" },
            })) as AggregateRow[];
            expect(desc.map((r) => r.value)).to.deep.equal([-2]);
        });

        it("aggregates first and sum like the others: numeric values of successful interactions", async function () {
            await write([
                propertyRecord("p", 4, T0 + 1000, { op: "writeproperty", protocol: "coap" }),
                propertyRecord("p", 9, T0, {
                    op: "readproperty",
                    protocol: "http",
                    ts: BigInt(T0 + 2000) * 1_000_000n,
                }),
                propertyRecord("p", "text", T0 + 500),
                propertyRecord("p", 100, T0 + 700, { op: "writeproperty", ok: false, error: "refused" }),
                propertyRecord("p", 3, T0 + 3000, { op: "propertychange", protocol: "local" }),
                propertyRecord("p", true, T0 + 11_000),
                propertyRecord("p", 2, T0 + 12_000, { op: "writeproperty" }),
            ]);
            expect(await agg("first")).to.deep.equal([
                [0, 4],
                [10_000, 1],
            ]);
            expect(await agg("sum")).to.deep.equal([
                [0, 16],
                [10_000, 3],
            ]);
        });

        it("filters by operation and by success, raw and aggregated", async function () {
            await write([
                propertyRecord("p", 1, T0, { op: "readproperty" }),
                propertyRecord("p", 2, T0 + 1000, { op: "writeproperty", protocol: "coap" }),
                propertyRecord("p", 3, T0 + 2000, { op: "writeproperty", ok: false, error: "refused" }),
                propertyRecord("p", 4, T0 + 3000, { op: "propertychange", protocol: "local" }),
                propertyRecord("p", 5, T0 + 4000, { op: "readallproperties" }),
                propertyRecord("p", undefined, T0 + 5000, { op: "readproperty", ok: false, error: "boom" }),
            ]);
            const base = { thing: "urn:test:thing", kind: "property" as const, name: "p" };
            const values = async (query: Partial<Parameters<typeof normalizeHistoryQuery>[0]>) =>
                ((await q({ ...base, ...query })) as HistoryRecord[]).map((r) => [r.op, r.value ?? null]);
            expect(await values({ ops: ["writeproperty"] })).to.deep.equal([
                ["writeproperty", 2],
                ["writeproperty", 3],
            ]);
            expect(await values({ ops: ["readproperty", "readallproperties"], okOnly: true })).to.deep.equal([
                ["readproperty", 1],
                ["readallproperties", 5],
            ]);
            // descending: true, the deprecated name of order: "newest", still asks for the newest first
            expect(await values({ okOnly: true, descending: true, limit: 2 })).to.deep.equal([
                ["readallproperties", 5],
                ["propertychange", 4],
            ]);
            expect(await values({ ops: [] })).to.deep.equal([]);
            expect(
                await values({ ops: ["propertychange'", 'propertychange" or true'] as unknown as Operation[] })
            ).to.deep.equal([]);
            const sum = (await q({
                ...base,
                ops: ["writeproperty", "propertychange"],
                aggregate: { every: "10s", fn: "sum" },
            })) as AggregateRow[];
            expect(sum.map((r) => r.value)).to.deep.equal([6]); // the refused write is left out
        });

        it("aggregates one window over every series of a property: reads, writes and changes, HTTP and CoAP", async function () {
            // InfluxDB keeps one series per tag set (op, protocol, ...) and combines them per window
            await write([
                propertyRecord("p", 10, T0, { op: "readproperty", protocol: "http" }),
                propertyRecord("p", 20, T0 + 1000, { op: "writeproperty", protocol: "coap" }),
                propertyRecord("p", 60, T0 + 2000, { op: "propertychange", protocol: "local" }),
                propertyRecord("p", 30, T0 + 3000, { op: "readproperty", protocol: "coap", origin: "[::1]:5683" }),
                propertyRecord("p", 5, T0 + 12_000, { op: "writeproperty", protocol: "http" }),
            ]);
            const twoWindows = (a: number, b: number) => [
                [0, a],
                [10_000, b],
            ];
            expect(await agg("mean")).to.deep.equal(twoWindows(30, 5));
            expect(await agg("count")).to.deep.equal(twoWindows(4, 1));
            expect(await agg("min")).to.deep.equal(twoWindows(10, 5));
            expect(await agg("max")).to.deep.equal(twoWindows(60, 5));
            expect(await agg("last")).to.deep.equal(twoWindows(30, 5));
            expect(await agg("first")).to.deep.equal(twoWindows(10, 5));
            expect(await agg("sum")).to.deep.equal(twoWindows(120, 5));
        });

        it("latest() gives the newest successful value of a property", async function () {
            await write([
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

        it("treats names with spaces, commas, equals signs, quotes, backslashes and newlines as plain data", async function () {
            const things = ["urn:x'; DROP TABLE ts_interaction; --", 'urn:a b,c=d"e\\', "urn:line\nbreak\r%41"];
            const names = ['temp "inner", \n\t ü ✓', "a=b,c d\\", '") |> drop() //'];
            const records = things.flatMap((thing, i) =>
                names.map((name, j) => propertyRecord(name, i * 10 + j, T0 + i * 10 + j, { thing }))
            );
            await write(records);
            for (const [i, thing] of things.entries()) {
                for (const [j, name] of names.entries()) {
                    const rows = (await q({ thing, kind: "property", name })) as HistoryRecord[];
                    expect(
                        rows.map((r) => [r.thing, r.name, r.value]),
                        `${thing} / ${name}`
                    ).to.deep.equal([[thing, name, i * 10 + j]]);
                }
                expect((await store.latest(thing, names[0]))?.value).to.equal(i * 10);
            }
        });

        it("finds nothing through injection attempts in names", async function () {
            await write([propertyRecord("p", 1, T0)]);
            const attempts = [
                "urn:test:thing' OR '1'='1",
                'urn:test:thing" or r._measurement != "',
                'urn:test:thing") |> yield(name: "x") //',
            ];
            for (const thing of attempts) {
                expect(await q({ thing, kind: "property", name: "p" }), thing).to.have.length(0);
                expect(
                    await q({ thing: "urn:test:thing", kind: "property", name: `p${thing.slice(14)}` })
                ).to.have.length(0);
            }
            expect(await q({ thing: "urn:test:thing", kind: "property", name: "p" })).to.have.length(1);
        });
    });
}

/** `n` doubles from a fixed seed: half of them uniform in [0, 1) and +-1e6, half of any exponent. */
function seededDoubles(seed: number, n: number): number[] {
    let x = seed >>> 0;
    const next = () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return (x >>> 0) / 2 ** 32;
    };
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
        const u = next() + next() / 2 ** 32; // 53 random bits or so
        const v = i % 4 === 0 ? u : i % 4 === 1 ? (u - 0.5) * 2e6 : i % 4 === 2 ? Math.round(u * 1e6) / 100 : 0;
        out.push(i % 4 === 3 ? (u * 2 - 1) * 10 ** Math.floor(next() * 616 - 308) : v);
    }
    return out;
}
