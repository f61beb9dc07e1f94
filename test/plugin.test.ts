import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Servient } from "@node-wot/core";
import { HttpServer } from "@node-wot/binding-http";
import { InfluxDbNotConfiguredError, InvalidOptionsError, VoPersistence } from "../src";
import { Database } from "../src/sqlite/database";
import { exposeSensor } from "./helpers/sensor-thing";
import { formIndex, startClient, startVo, tempDir, waitFor } from "./helpers/vo-fixture";

const THING = "urn:dev:ops:environment-sensor-1";

async function rejection(p: Promise<unknown>): Promise<Error> {
    try {
        await p;
    } catch (err) {
        return err as Error;
    }
    throw new Error("expected a rejection");
}

describe("VoPersistence.attach and lifecycle", function () {
    let dir: string;
    beforeEach(() => (dir = tempDir()));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("fails at attach on a corrupt database file and leaves the servient untouched", async function () {
        const file = path.join(dir, "corrupt.sqlite");
        fs.writeFileSync(file, "this is not a database".repeat(500));
        const servient = new Servient();
        const addThing = servient.addThing;
        const err = await rejection(VoPersistence.attach(servient, { sqlite: { path: file } }));
        expect(err.message).to.include(file);
        expect(servient.addThing).to.equal(addThing);
        expect((servient as { sqliteDb?: unknown }).sqliteDb).to.equal(undefined);
    });

    it("validates options at attach", async function () {
        const servient = new Servient();
        const err = await rejection(
            VoPersistence.attach(servient, {
                sqlite: { path: path.join(dir, "a.sqlite") },
                recording: { batchSize: -1 },
            })
        );
        expect(err).to.be.instanceOf(InvalidOptionsError);
        expect(err.message).to.include("recording.batchSize: must be a positive integer");
    });

    it("refuses to attach twice to one servient", async function () {
        const servient = new Servient();
        const vo = await VoPersistence.attach(servient, { sqlite: { path: path.join(dir, "a.sqlite") } });
        const err = await rejection(VoPersistence.attach(servient, { sqlite: { path: path.join(dir, "b.sqlite") } }));
        expect(err.message).to.match(/already attached/);
        await vo.close();
    });

    it("names the missing InfluxDB configuration when a script queries it", async function () {
        const servient = new Servient();
        const vo = await VoPersistence.attach(servient, { sqlite: { path: path.join(dir, "a.sqlite") } });
        const err = await rejection(servient.influxdb.executeQuery('from(bucket: "properties")'));
        expect(err).to.be.instanceOf(InfluxDbNotConfiguredError);
        expect(err.message).to.match(/InfluxDB is not configured/);
        const sibling = await rejection(servient.influxdb.executeInfluxQL('SELECT * FROM "m"'));
        expect(sibling).to.be.instanceOf(InfluxDbNotConfiguredError);
        await vo.close();
    });

    it("servient.shutdown() flushes what was recorded and closes the database", async function () {
        const vo = await startVo({ recording: { flushIntervalMs: 60_000 } }); // only shutdown writes
        const { td } = await exposeSensor(vo.wot);
        const client = await startClient();
        const consumed = await client.wot.consume(td);
        for (let i = 0; i < 5; i++) {
            await consumed.readProperty("humidity", { formIndex: formIndex(td.properties!.humidity, "http") });
        }
        await client.close();
        expect(vo.vo.stats().written).to.equal(0);
        const dbPath = vo.dbPath;
        await vo.servient.shutdown();
        expect(vo.vo.stats()).to.include({ written: 5, queued: 0, dropped: 0 });
        const db = await Database.open(dbPath);
        const rows = await db.all("SELECT COUNT(*) AS n FROM ts_interaction WHERE name = 'humidity'");
        await db.close();
        expect(rows).to.deep.equal([{ n: 5 }]);
        await vo.vo.close(); // idempotent after shutdown
        fs.rmSync(path.dirname(dbPath), { recursive: true, force: true });
    });

    it("never fails a client's interaction when the store fails; what was kept is written once it recovers", async function () {
        const vo = await startVo();
        try {
            const { td } = await exposeSensor(vo.wot);
            const client = await startClient();
            const consumed = await client.wot.consume(td);
            const read = async () =>
                (
                    await consumed.readProperty("humidity", { formIndex: formIndex(td.properties!.humidity, "http") })
                ).value();
            // A real fault: the script breaks the time-series table under the recorder.
            await vo.servient.sqliteDb.executeQuery("ALTER TABLE ts_point RENAME TO ts_moved");
            for (let i = 0; i < 10; i++) expect(await read()).to.equal(40);
            await waitFor(() => vo.vo.stats().errors > 0, 5000, "a failed write");
            expect(vo.vo.stats()).to.include({ written: 0, dropped: 0 });
            await vo.servient.sqliteDb.executeQuery("ALTER TABLE ts_moved RENAME TO ts_point");
            await waitFor(() => vo.vo.stats().written === 10, 10_000, "writes after recovery");
            const rows = await vo.vo.history({ thing: THING, kind: "property", name: "humidity" });
            expect(rows.map((r) => r.value)).to.deep.equal(new Array(10).fill(40));
            await client.close();
        } finally {
            await vo.close();
        }
    });

    it("records an oversized value cut to maxValueBytes and flagged truncated", async function () {
        const vo = await startVo({ recording: { maxValueBytes: 1024 } });
        try {
            const { td, state } = await exposeSensor(vo.wot);
            const client = await startClient();
            const consumed = await client.wot.consume(td);
            const big = "ü".repeat(50_000); // 100 kB of UTF-8
            await consumed.writeProperty("label", big, { formIndex: formIndex(td.properties!.label, "http") });
            expect(state.label).to.equal(big); // the Thing got all of it
            await vo.vo.flush();
            const [r] = await vo.vo.history({ thing: THING, kind: "property", name: "label" });
            expect(r).to.include({ truncated: true, ok: true });
            expect(Buffer.byteLength(r.value as string))
                .to.be.at.most(1024)
                .and.at.least(1022);
            expect(big.startsWith(r.value as string)).to.equal(true);
            await client.close();
        } finally {
            await vo.close();
        }
    });

    it("records Things produced after attach on a servient that already had servers", async function () {
        const servient = new Servient();
        servient.addServer(new HttpServer({ port: 0, address: "127.0.0.1" }));
        const vo = await VoPersistence.attach(servient, { sqlite: { path: path.join(dir, "a.sqlite") } });
        const wot = await servient.start();
        const { thing } = await exposeSensor(wot);
        thing.emitEvent("overheat", { temperature: 99 });
        await vo.flush();
        const rows = await vo.history({ thing: THING, kind: "event", name: "overheat" });
        expect(rows.map((r) => r.value)).to.deep.equal([{ temperature: 99 }]);
        await servient.shutdown();
    });
});
