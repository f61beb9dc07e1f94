import { expect } from "chai";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Database } from "../../src/sqlite/database";
import { migrate } from "../../src/sqlite/migrations";
import { type InfluxLayout, resolveInfluxDbOptions } from "../../src/options/influxdb-options";
import { InfluxDbStore } from "../../src/timeseries/influxdb/influxdb-store";
import { Spool } from "../../src/timeseries/spool";
import { InfluxConnection, influxForTests, InfluxServer } from "../helpers/influxdb-server";
import { Influx1Server, ownInflux1Server } from "../helpers/influxdb1-server";
import { tempDir } from "../helpers/vo-fixture";
import { openEmbeddedStore } from "../helpers/embedded-store";
import { propertyRecord } from "../helpers/records";
import { normalizeHistoryQuery, AGGREGATE_FNS } from "../../src/history/history-query";
import type { Operation } from "../../src/model/interaction-record";
import type { TimeSeriesStore } from "../../src/timeseries/time-series-store";
import { describeStoreContract } from "./store-contract";
import { escape } from "@influxdata/influxdb-client";
import { quoteIdent } from "../../src/timeseries/influxdb/influxql";
import { encodeName } from "../../src/timeseries/influxdb/line-protocol";

type Engine = "2.x" | "1.8";
let connection: InfluxConnection | undefined;
let server: InfluxServer | Influx1Server | undefined;

/** A fresh store on its own buckets (random names), with its spool in a temporary SQLite file. */
async function openInfluxStore(
    ctx: Mocha.Context,
    engine: Engine,
    layout?: InfluxLayout
): Promise<{ store: InfluxDbStore; close(): Promise<void> }> {
    if (connection === undefined) {
        if (engine === "2.x") ({ connection, server } = await influxForTests(ctx));
        // 1.8 with Flux off, as it ships: the store reads with InfluxQL alone, and the contract proves it
        else connection = server = await ownInflux1Server(ctx, { flux: false });
    }
    const dir = tempDir();
    const db = await Database.open(path.join(dir, "spool.sqlite"));
    await migrate(db);
    const id = crypto.randomBytes(4).toString("hex");
    const options = resolveInfluxDbOptions({
        url: connection.url,
        org: connection.org,
        token: connection.token,
        buckets: { properties: `p-${id}`, actions: `a-${id}`, events: `e-${id}` },
        layout,
    });
    const store = new InfluxDbStore(options, await Spool.open(db, options.maxSpoolBytes));
    await store.start();
    return {
        store,
        async close() {
            await store.close();
            await db.close();
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

for (const engine of ["2.x", "1.8"] as const) {
    describe(`InfluxDB store (real influxd ${engine} on 127.0.0.1)`, function () {
        this.timeout(120_000);
        after(async () => {
            await server?.stop();
            server = connection = undefined;
        });
        if (engine === "1.8") {
            it("runs on a server with Flux off: a Flux query is refused there", async function () {
                const { store, close } = await openInfluxStore(this, engine);
                try {
                    let refused: unknown;
                    await store.executeQuery("buckets() |> limit(n: 1)").catch((err: unknown) => (refused = err));
                    expect(String(refused)).to.match(/flux/i);
                } finally {
                    await close();
                }
            });
        }
        describeStoreContract(`InfluxDB ${engine}`, (ctx) => openInfluxStore(ctx, engine));
        // what earlier releases wrote, which a VO upgraded without migrating keeps reading and writing
        describeStoreContract(`InfluxDB ${engine}, per-thing layout`, (ctx) =>
            openInfluxStore(ctx, engine, "per-thing")
        );

        it("aggregates as the embedded store does: numbers and booleans mixed in a window, every fn, both orders", async function () {
            // seeded: a point about every 700 ms over 10 minutes, numbers, booleans, strings and refused writes mixed
            let x = 0x5eed;
            const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
            const T0 = Date.UTC(2026, 0, 1);
            const ops: Operation[] = ["readproperty", "writeproperty", "propertychange"];
            const records = Array.from({ length: 800 }, (_, i) => {
                const r = next();
                const value = r < 0.45 ? Math.round(next() * 2000 - 1000) / 8 : r < 0.85 ? next() < 0.5 : "text";
                return propertyRecord("p", value, T0 + i * 700 + Math.floor(next() * 300), {
                    op: ops[i % 3],
                    protocol: i % 2 === 0 ? "http" : "coap",
                    ok: next() > 0.1,
                });
            });
            const influx = await openInfluxStore(this, engine);
            const embedded = await openEmbeddedStore();
            try {
                for (const s of [influx.store, embedded.store] as TimeSeriesStore[]) {
                    await s.write(records);
                    await s.flush?.();
                }
                for (const fn of AGGREGATE_FNS) {
                    for (const [every, from, order] of [
                        ["10s", T0, "oldest"],
                        ["7s", T0 + 3_500, "newest"],
                        [60_000, T0 - 120_000, "oldest"],
                    ] as const) {
                        const q = normalizeHistoryQuery({
                            thing: "urn:test:thing",
                            kind: "property",
                            name: "p",
                            from,
                            to: T0 + 560_000,
                            order,
                            limit: 50,
                            aggregate: { every, fn },
                        });
                        const [got, want] = await Promise.all([influx.store.history(q), embedded.store.history(q)]);
                        const round = (rows: typeof got) =>
                            (rows as { time: Date; value: number | null }[]).map((r) => [
                                r.time.getTime(),
                                r.value === null ? null : Number(r.value.toPrecision(12)),
                            ]);
                        expect(round(got), `${fn} every ${every} from ${from} ${order}`).to.deep.equal(round(want));
                    }
                }
            } finally {
                await influx.close();
                await embedded.close();
            }
        });

        it("runs a script's InfluxQL with $parameters, rows as objects; names that are keywords or hold quotes stay data", async function () {
            const sut = await openInfluxStore(this, engine);
            const store = sut.store;
            try {
                const T0 = Date.UTC(2026, 0, 1);
                await store.write([
                    propertyRecord("p", 1.5, T0, { ts: BigInt(T0) * 1_000_000n + 7n }),
                    propertyRecord("p", 2.5, T0 + 1000, { op: "writeproperty" }),
                    propertyRecord("calibrate", 3, T0, { kind: "action", op: "invokeaction" }),
                ]);
                await store.flush();
                const rows = await store.executeInfluxQL(
                    `SELECT "value_num", "op" FROM "vo_property" WHERE "thing" = $thing AND "name" = $name AND time >= $from ORDER BY time DESC`,
                    { thing: "urn:test:thing", name: "p", from: new Date(T0) }
                );
                expect(rows).to.deep.equal([
                    {
                        _measurement: "vo_property",
                        time: "2026-01-01T00:00:01Z",
                        value_num: 2.5,
                        op: "writeproperty",
                    },
                    {
                        _measurement: "vo_property",
                        time: "2026-01-01T00:00:00.000000007Z",
                        value_num: 1.5,
                        op: "readproperty",
                    },
                ]);
                const grouped = await store.executeInfluxQL(
                    `SELECT count("valid") FROM "vo_property" WHERE "thing" = 'urn:test:thing' GROUP BY "op"`
                );
                expect(grouped.map((r) => [r.op, r.count])).to.have.deep.members([
                    ["readproperty", 1],
                    ["writeproperty", 1],
                ]);
                const actions = await store.executeInfluxQL(`SELECT "value_num" FROM "vo_action"`, undefined, {
                    database: store.options.buckets.action,
                });
                expect(actions.map((r) => r.value_num)).to.deep.equal([3]);
                let refused: Error | undefined;
                await store.executeInfluxQL("SELECT FROM WHERE").catch((err: Error) => (refused = err));
                expect(refused?.message).to.match(
                    /^InfluxDB \/query answered 400: (failed to parse query|error parsing query): found FROM/
                );
                await store.executeInfluxQL(`SELECT * FROM "m" WHERE "a" = $a`).catch((err: Error) => (refused = err));
                expect(refused?.message).to.equal("no value for $a");
                await store
                    .executeInfluxQL('SELECT * FROM "m"', undefined, { database: "nonexistent" })
                    .catch((err: Error) => (refused = err));
                expect(refused?.message).to.match(/^InfluxQL: database not found: nonexistent \(no such bucket/);

                // seeded names of quotes, backslashes, keywords, parameters, comments and any Unicode, as measurement,
                // tag and string field, written as raw line protocol and found again by quoting and binding (no backslash
                // in measurements and tags: line protocol, not InfluxQL, reads those its own way)
                const pieces = [
                    ...["'", '"', " ", ",", "=", "$x", "--", "/*", "ü", "✓", "😀", "OR", "SELECT", "time", "a"],
                    ...["/", ".*", "^$", "|", "(?:", "[a-z]", "{2}", "+?"],
                ];
                let x = 7;
                const pick = () => pieces[(x = (x * 48271) % 2147483647) % pieces.length];
                const names = Array.from(
                    { length: 150 },
                    (_, i) => `${Array.from({ length: 1 + (i % 7) }, pick).join("")}_`
                );
                const points = names.map((m, i) => ({
                    m,
                    tag: names[(i + 1) % names.length],
                    s: `${names[(i + 2) % 150]}\\${i}`,
                }));
                const lines = points.map(
                    ({ m, tag, s }, i) =>
                        `${escape.measurement(m)},tag=${escape.tag(tag)} s=${escape.quoted(s)},i=${i} ${BigInt(T0) * 1_000_000n + BigInt(i)}`
                );
                const bucket = store.options.buckets.event;
                const res = await fetch(
                    `${store.options.url}/api/v2/write?org=${store.options.org}&bucket=${bucket}&precision=ns`,
                    {
                        method: "POST",
                        headers: { authorization: `Token ${store.options.token}` },
                        body: lines.join("\n"),
                    }
                );
                expect(res.status).to.equal(204);
                for (const [i, { m, tag, s }] of points.entries()) {
                    const found = await store.executeInfluxQL(
                        `SELECT "i", "tag", "s" FROM ${quoteIdent(m)} WHERE "tag" = $tag AND "s" = $s`,
                        { tag, s },
                        { database: bucket }
                    );
                    expect(
                        found.map((r) => [r._measurement, r.tag, r.s, r.i]),
                        JSON.stringify(m)
                    ).to.deep.equal([[m, tag, s, i]]);
                }
            } finally {
                await sut.close();
            }
        });

        it("keeps seeded Thing and affordance names of quotes, backslashes, newlines, /, regex characters and keywords as data", async function () {
            const sut = await openInfluxStore(this, engine);
            const store = sut.store;
            try {
                const T0 = Date.UTC(2026, 0, 1);
                const pieces = [
                    ...["'", '"', "\\", "\n", "\r\n", "\t", "%", "/", "/.*/", "^$", "|", "(?:", "[a-z]", "{2}", "+?"],
                    ...[" ", ",", "=", "$x", "--", "/*", "ü", "😀", "OR", "SELECT", "DROP", "time", "thing", "a"],
                ];
                let x = 11;
                const pick = () => pieces[(x = (x * 48271) % 2147483647) % pieces.length];
                const seeded = (i: number) => Array.from({ length: 1 + (i % 5) }, pick).join("");
                const pairs = Array.from({ length: 60 }, (_, i) => ({
                    thing: `urn:${seeded(i)}`,
                    name: seeded(i + 2),
                }));
                await store.write(pairs.map(({ thing, name }, i) => propertyRecord(name, i, T0 + i, { thing })));
                await store.flush();
                for (const [i, { thing, name }] of pairs.entries()) {
                    const q = normalizeHistoryQuery({ thing, kind: "property", name });
                    const rows = (await store.history(q)) as { thing: string; name: string; value: unknown }[];
                    const want = pairs.flatMap((p, j) =>
                        p.thing === thing && p.name === name ? [[thing, name, j]] : []
                    );
                    expect(
                        rows.map((r) => [r.thing, r.name, r.value]),
                        JSON.stringify([thing, name])
                    ).to.deep.equal(want);
                    expect((await store.latest(thing, name))?.value, JSON.stringify([thing, name])).to.equal(
                        want[want.length - 1][2]
                    );
                    // a script finds them with the tags as written (%-encoded where line protocol cannot carry them)
                    const found = await store.executeInfluxQL(
                        `SELECT "value_num" FROM "vo_property" WHERE "thing" = $thing AND "name" = $name AND time = $t`,
                        { thing: encodeName(thing), name: encodeName(name), t: new Date(T0 + i) }
                    );
                    expect(found.map((r) => r.value_num)).to.deep.equal([i]);
                }
            } finally {
                await sut.close();
            }
        });

        // tokens with permissions are 2.x's; 1.8's users and grants are tested in influxdb1-store.test.ts
        if (engine === "2.x")
            it("names a token that may write but not read, and never shows it", async function () {
                const sut = await openInfluxStore(this, engine);
                const { url, org, token } = sut.store.options;
                const headers = { authorization: `Token ${token}`, "content-type": "application/json" };
                try {
                    const orgs = (await (await fetch(`${url}/api/v2/orgs?org=${org}`, { headers })).json()) as {
                        orgs: { id: string }[];
                    };
                    const orgID = orgs.orgs[0].id;
                    const created = await fetch(`${url}/api/v2/authorizations`, {
                        method: "POST",
                        headers,
                        body: JSON.stringify({
                            orgID,
                            permissions: [{ action: "write", resource: { type: "buckets", orgID } }],
                        }),
                    });
                    expect(created.status).to.equal(201);
                    const writeOnly = ((await created.json()) as { token: string }).token;
                    const store = new InfluxDbStore({ ...sut.store.options, token: writeOnly }, undefined as never);
                    const failure = (p: Promise<unknown>) =>
                        p.then(
                            () => undefined,
                            (err: Error) => err
                        );
                    const q = normalizeHistoryQuery({ thing: "urn:test:thing", kind: "property", name: "p" });
                    const refused = await failure(store.history(q));
                    // 2.8 answers as if the bucket were missing
                    expect(refused?.message).to.match(
                        /^InfluxQL: database not found: p-\w+ \(no such bucket, or the token may not read it\)$/
                    );
                    expect(refused?.message).to.not.include(writeOnly);
                    expect((await failure(store.latest("urn:test:thing", "p")))?.message).to.match(
                        /the token may not read it/
                    );
                } finally {
                    await sut.close();
                }
            });
    });
}
