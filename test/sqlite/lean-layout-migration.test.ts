import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { Database, type SqlValue } from "../../src/sqlite/database";
import { migrate, MIGRATIONS } from "../../src/sqlite/migrations";
import { normalizeHistoryQuery } from "../../src/history/history-query";
import { SqliteTimeSeriesStore } from "../../src/timeseries/sqlite/sqlite-time-series-store";
import { encodeValue } from "../../src/timeseries/value-encoding";
import type { HistoryRecord } from "../../src/timeseries/time-series-store";
import type { InteractionRecord } from "../../src";
import { OPERATIONS } from "../../src/model/interaction-record";
import { OP_CODES, PROTOCOL_CODES } from "../../src/sqlite/lean-layout";
import { tempDir } from "../helpers/vo-fixture";

const T0 = BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n;
const ORIGINS = ["127.0.0.1:40000", "[::1]:5683", "::1", "mqtt-client-7", "10.0.0.2:080", "host:123456", "h:0"];
const PROTOCOLS = ["http", "https", "coap", "coaps", "mqtt", "mqtts", "ws", "wss", "local"] as const;
const NAMES = ["temperature", 'a b,c=d"e\\', "line\nbreak", "x'; DROP TABLE ts_point; --"];

const valueArb = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.string({ maxLength: 6 }),
    fc.constant(null),
    fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
    fc.constant(undefined)
);

const recordArb = fc.record({
    step: fc.integer({ min: 0, max: 10_000 }),
    thing: fc.constantFrom("urn:a", "urn:b"),
    kind: fc.constantFrom("property", "action", "event"),
    name: fc.constantFrom(...NAMES),
    op: fc.constantFrom(...OPERATIONS),
    protocol: fc.constantFrom(...PROTOCOLS),
    origin: fc.option(fc.constantFrom(...ORIGINS), { nil: undefined }),
    ok: fc.boolean(),
    value: valueArb,
    output: valueArb,
    error: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
    durationMs: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: undefined }),
    valid: fc.boolean(),
    truncated: fc.boolean(),
    stale: fc.boolean(),
});

/** A row of ts_interaction exactly as the release before the lean layout wrote it. */
function oldRow(r: InteractionRecord): SqlValue[] {
    const put = (v: unknown): [SqlValue, string | null] => {
        const e = encodeValue(v);
        if (e === undefined) return [null, null];
        return [e.type === "boolean" ? (e.value ? 1 : 0) : e.value, e.type];
    };
    const [value, valueType] = put(r.value);
    const [output, outputType] = put(r.output);
    return [
        r.ts.toString(),
        r.thing,
        r.kind,
        r.name,
        r.op,
        r.protocol,
        r.origin ?? null,
        r.ok ? 1 : 0,
        value,
        valueType,
        output,
        outputType,
        r.error ?? null,
        r.durationMs ?? null,
        r.valid ? 1 : 0,
        r.truncated ? 1 : 0,
        r.stale ? 1 : 0,
    ];
}

describe("the lean layout's codes: part of the file format", function () {
    it("has a code for every operation and protocol a record can carry, the released ones where they were", function () {
        // a code never changes meaning: the released list is a prefix of the current one
        const released = ["readproperty", "writeproperty", "readallproperties", "readmultipleproperties"];
        expect(OP_CODES.slice(0, released.length)).to.deep.equal(released);
        expect([...OP_CODES]).to.include.members([...OPERATIONS]);
        expect([...PROTOCOL_CODES]).to.include.members([...PROTOCOLS]);
        expect(PROTOCOL_CODES.indexOf("http")).to.equal(0); // the usual row's code is 512: two bytes
    });
});

describe("migration 9: a file of the release before moves to the lean layout without loss", function () {
    let dir: string;
    beforeEach(() => (dir = tempDir()));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("gives back every record as it was written (durations to the microsecond), through the store and the ts_interaction view", async function () {
        this.timeout(60_000);
        const generated = fc.sample(recordArb, { numRuns: 3000, seed: 0x1ea7 });
        const records: InteractionRecord[] = generated.map((g, i) => ({
            ...g,
            kind: g.kind as InteractionRecord["kind"],
            // a tenth share their time with the record before: two rows at one (series, ts), as a script's insert makes
            ts: T0 + BigInt(g.step) * 1_000_000n + (i % 10 === 0 ? 0n : BigInt(i)),
        }));
        const file = path.join(dir, "old.sqlite");
        const db = await Database.open(file);
        try {
            await migrate(
                db,
                MIGRATIONS.filter((m) => m.version <= 8)
            );
            for (const r of records) {
                await db.run(
                    `INSERT INTO ts_interaction (ts, thing, kind, name, op, protocol, origin, ok, value, value_type, output,
                        output_type, error, duration_ms, valid, truncated, stale) VALUES (${new Array(17).fill("?").join(", ")})`,
                    oldRow(r)
                );
            }
            const before = await db.all<Record<string, unknown>>(
                "SELECT * FROM ts_interaction ORDER BY thing, kind, name, ts, id"
            );
            await migrate(db);
            const after = await db.all<Record<string, unknown>>(
                "SELECT * FROM ts_interaction ORDER BY thing, kind, name, ts"
            );
            expect(after).to.have.length(before.length);
            after.forEach((row, i) => {
                const old = before[i];
                const same = { ...old, id: 0, ts: 0, duration_ms: 0 };
                expect({ ...row, id: 0, ts: 0, duration_ms: 0 }, `row ${i}`).to.deep.equal(same);
                // equal times are kept apart by a nanosecond each, in the order they were written
                expect(Number(row.ts) - Number(old.ts)).to.be.within(0, 10);
                if (old.duration_ms === null) expect(row.duration_ms).to.equal(null);
                else expect(row.duration_ms as number).to.be.closeTo(old.duration_ms as number, 0.0005 + 1e-9);
            });

            const store = new SqliteTimeSeriesStore(db);
            for (const thing of ["urn:a", "urn:b"])
                for (const kind of ["property", "action", "event"] as const)
                    for (const name of NAMES) {
                        const want = records
                            .filter((r) => r.thing === thing && r.kind === kind && r.name === name)
                            .map((r, i) => [r, i] as const)
                            .sort(([a, i], [b, j]) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : i - j))
                            .map(([r]) => r);
                        const got = (await store.history(
                            normalizeHistoryQuery({ thing, kind, name, limit: 100_000, from: 0 })
                        )) as HistoryRecord[];
                        expect(got, `${thing} ${kind} ${name}`).to.have.length(want.length);
                        got.forEach((g, i) => expectSame(g, want[i]));
                    }
        } finally {
            await db.close();
        }
    });
});

function expectSame(got: HistoryRecord, want: InteractionRecord): void {
    const decoded = (v: unknown) => (v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as unknown));
    const what = `${want.thing} ${want.name} at ${want.ts}`;
    expect(Number(BigInt(got.timestampNs) - want.ts), what).to.be.within(0, 10);
    expect(
        { op: got.op, protocol: got.protocol, origin: got.origin, ok: got.ok, error: got.error, valid: got.valid },
        what
    ).to.deep.equal({
        op: want.op,
        protocol: want.protocol,
        origin: want.origin,
        ok: want.ok,
        error: want.error,
        valid: want.valid,
    });
    expect({ truncated: got.truncated, stale: got.stale }, what).to.deep.equal({
        truncated: want.truncated,
        stale: want.stale === true,
    });
    expect(got.value, what).to.deep.equal(decoded(want.value));
    expect(got.output, what).to.deep.equal(decoded(want.output));
    if (want.durationMs === undefined) expect(got.durationMs, what).to.equal(undefined);
    else expect(got.durationMs!, what).to.be.closeTo(want.durationMs, 0.0005 + 1e-9);
}
