import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { BucketsAPI } from "@influxdata/influxdb-client-apis";
import { InfluxDB } from "@influxdata/influxdb-client";
import { Database } from "../../src/sqlite/database";
import { migrate } from "../../src/sqlite/migrations";
import { resolveInfluxDbOptions } from "../../src/options/influxdb-options";
import { resolveOptions } from "../../src/options/vo-options";
import { InfluxDbStore } from "../../src/timeseries/influxdb/influxdb-store";
import { InfluxDbNotConfiguredError, notConfiguredInfluxDb } from "../../src/timeseries/influxdb/influxdb-api";
import { InvalidPointError, pointFields } from "../../src/timeseries/influxdb/influxdb-write-point";
import { Spool } from "../../src/timeseries/spool";
import { InfluxConnection, influxForTests, InfluxServer } from "../helpers/influxdb-server";
import { Influx1Server, ownInflux1Server } from "../helpers/influxdb1-server";
import { tempDir } from "../helpers/vo-fixture";

const id = () => crypto.randomBytes(4).toString("hex");

/** An InfluxDB store as a VO opens it (servient.influxdb), on buckets of its own, a week's retention. */
async function openStore(connection: InfluxConnection) {
    const dir = tempDir();
    const db = await Database.open(path.join(dir, "spool.sqlite"));
    await migrate(db);
    const b = id();
    const options = resolveInfluxDbOptions({
        url: connection.url,
        org: connection.org,
        token: connection.token,
        buckets: { properties: `p-${b}`, actions: `a-${b}`, events: `e-${b}` },
        retention: "7d",
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

describe("pointFields: vo-wot's write_point fields of a value", function () {
    it("a scalar is value, an object's leaves their dotted paths, an array JSON text", function () {
        expect(pointFields(21.5)).to.deep.equal([["value", 21.5]]);
        expect(pointFields({ t: 1, gps: { lat: 2, lon: { deg: 3 } }, tags: ["a"] })).to.deep.equal([
            ["t", 1],
            ["gps.lat", 2],
            ["gps.lon.deg", 3],
            ["tags", '["a"]'],
        ]);
        expect(pointFields([1, 2])).to.deep.equal([["value", "[1,2]"]]);
    });

    it("without InfluxDB, writePoint is refused naming what to configure", async function () {
        const err = await notConfiguredInfluxDb.writePoint("k", 1).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(InfluxDbNotConfiguredError);
    });
});

describe("servient.influxdb.writePoint: vo-wot's write_point on a real InfluxDB 2.8", function () {
    this.timeout(120_000);
    let connection: InfluxConnection;
    let server: InfluxServer | undefined;
    let vo: Awaited<ReturnType<typeof openStore>>;

    before(async function () {
        ({ connection, server } = await influxForTests(this));
        vo = await openStore(connection);
    });
    after(async () => {
        await vo?.close();
        await server?.stop();
    });

    const rows = (bucket: string) =>
        vo.store.executeQuery(
            `from(bucket: "${bucket}") |> range(start: -1d) |> sort(columns: ["_time", "_field"]) |> keep(columns: ["_time", "_measurement", "_field", "_value", "room"])`
        );

    it("writes the point in the bucket named key, created with the VO's retention, before it resolves", async function () {
        const key = `temperature-${id()}`;
        await vo.store.writePoint(key, 21);
        await vo.store.writePoint(key, 21.5); // a float after an integral number: one field type, no conflict
        const r = await rows(key);
        expect(r.map((x) => [x._measurement, x._field, x._value])).to.deep.equal([
            [key, "value", 21],
            [key, "value", 21.5],
        ]);
        const api = new BucketsAPI(new InfluxDB({ url: connection.url, token: connection.token }));
        const { buckets } = await api.getBuckets({ name: key });
        expect(buckets?.[0]?.retentionRules?.[0]?.everySeconds).to.equal(7 * 86400);
    });

    it("an object's leaves become fields by dotted path, an array JSON text; tags, time and another bucket", async function () {
        const key = `gps-${id()}`;
        const time = new Date(Math.floor(Date.now() / 1000) * 1000 - 59_880); // .120 s: a trailing zero
        await vo.store.writePoint(
            key,
            { fix: true, pos: { lat: 38.2, lon: 21.7 }, count: 7n, sats: [3, 5] },
            {
                tags: { room: "lab" },
                time,
            }
        );
        const r = await rows(key);
        // Flux writes RFC 3339 without trailing zeros (…:05.12Z): compared as instants
        expect(r.map((x) => [x._field, x._value, x.room, new Date(String(x._time)).getTime()])).to.deep.equal(
            [
                ["count", 7],
                ["fix", true],
                ["pos.lat", 38.2],
                ["pos.lon", 21.7],
                ["sats", "[3,5]"],
            ].map(([f, v]) => [f, v, "lab", time.getTime()])
        );
        const bucket = `shared-${id()}`;
        await vo.store.writePoint("humidity", "dry", { bucket });
        expect((await rows(bucket)).map((x) => [x._measurement, x._value])).to.deep.equal([["humidity", "dry"]]);
    });

    it("refuses a point it cannot write, naming the problem", async function () {
        const refused = async (p: Promise<void>, message: string) => {
            const err = await p.then(
                () => expect.fail("written"),
                (e: unknown) => e as Error
            );
            expect(err).to.be.instanceOf(InvalidPointError);
            expect(err.message).to.equal(message);
        };
        await refused(vo.store.writePoint("", 1), "writePoint: key must be a non-empty string");
        await refused(vo.store.writePoint("k", null as never), "writePoint: value is required");
        await refused(vo.store.writePoint("k", { a: null }), "writePoint: k: the value has no field to write");
        await refused(vo.store.writePoint("k", Number.NaN), "writePoint: field value: NaN is not a finite number");
        await refused(
            vo.store.writePoint("k", 1, { tags: { room: 3 as never } }),
            "writePoint: tags.room: must be a string"
        );
    });
});

describe("servient.influxdb.writePoint on a real InfluxDB 1.8: the database named key", function () {
    this.timeout(120_000);
    let server: Influx1Server | undefined;
    let vo: Awaited<ReturnType<typeof openStore>>;

    before(async function () {
        server = await ownInflux1Server(this);
        vo = await openStore(server);
    });
    after(async () => {
        await vo?.close();
        await server?.stop();
    });

    it("creates the database and writes the point", async function () {
        const key = `temperature_${id()}`;
        await vo.store.writePoint(key, { value: 20.5, ok: true });
        const r = await vo.store.executeInfluxQL(`SELECT * FROM "${key}"`, {}, { database: key });
        expect(r.map((x) => [x._measurement, x.value, x.ok])).to.deep.equal([[key, 20.5, true]]);
    });
});

describe("bucket retention on a real InfluxDB 2.8: each kind's raw retention unless influxdb.retention says one", function () {
    this.timeout(120_000);
    let connection: InfluxConnection;
    let server: InfluxServer | undefined;

    before(async function () {
        ({ connection, server } = await influxForTests(this));
    });
    after(async () => {
        await server?.stop();
    });

    it("creates the buckets with 30 days by default, a kind's own, or none (for ever)", async function () {
        const dir = tempDir();
        const db = await Database.open(path.join(dir, "spool.sqlite"));
        const b = id();
        const buckets = { properties: `p-${b}`, actions: `a-${b}`, events: `e-${b}` };
        try {
            await migrate(db);
            const { influxdb } = resolveOptions({
                influxdb: { url: connection.url, org: connection.org, token: connection.token, buckets },
                retention: { property: "2d", event: "forever" },
            });
            const store = new InfluxDbStore(influxdb!, await Spool.open(db, influxdb!.maxSpoolBytes));
            await store.start();
            await store.close();
            const api = new BucketsAPI(new InfluxDB({ url: connection.url, token: connection.token }));
            const every = async (name: string) =>
                (await api.getBuckets({ name })).buckets?.[0]?.retentionRules?.[0]?.everySeconds ?? 0; // 0: for ever
            expect(await every(buckets.properties)).to.equal(2 * 86400);
            expect(await every(buckets.actions)).to.equal(30 * 86400);
            expect(await every(buckets.events)).to.equal(0);
        } finally {
            await db.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
