import fs from "node:fs";
import { expect } from "chai";
import { Servient } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import { VoPersistence } from "../../src";
import { InvalidOptionsError } from "../../src/model/errors";
import { Database } from "../../src/sqlite/database";
import { resolveOptions } from "../../src/options/vo-options";
import { startVo, tempDir, VoFixture } from "../helpers/vo-fixture";

/** Every recorded row as `thing name op`, oldest first. */
async function recorded(fx: VoFixture): Promise<string[]> {
    await fx.vo.flush();
    const rows = (await fx.vo.sqliteDb.executeQuery("SELECT thing, name, op FROM ts_interaction ORDER BY ts")) as {
        thing: string;
        name: string;
        op: string;
    }[];
    return rows.map((r) => `${r.thing} ${r.name} ${r.op}`);
}

describe("recording.exclude", function () {
    this.timeout(20_000);
    let fx: VoFixture | undefined;
    let base: string;

    before(async () => {
        fx = await startVo({
            protocols: { maxBodyBytes: 1024 },
            recording: {
                exclude: [
                    { thing: "urn:test:quiet" }, // a whole Thing
                    { thing: "urn:test:sensor", kind: "property", name: "humidity" }, // one affordance
                    { ops: ["writeproperty"] }, // one operation, of every Thing
                ],
            },
        });
        base = `http://127.0.0.1:${fx.httpPort}`;
        const sensor = await fx.wot.produce({
            id: "urn:test:sensor",
            title: "Sensor",
            properties: {
                temperature: { type: "number", readOnly: true },
                humidity: { type: "number", readOnly: true },
                setpoint: { type: "number" },
            },
            actions: { reset: {} },
        } as WoT.ExposedThingInit);
        let setpoint = 20;
        sensor.setPropertyReadHandler("temperature", async () => 21.5);
        sensor.setPropertyReadHandler("humidity", async () => 40);
        sensor.setPropertyReadHandler("setpoint", async () => setpoint);
        sensor.setPropertyWriteHandler("setpoint", async (v) => void (setpoint = (await v.value()) as number));
        sensor.setActionHandler("reset", async () => undefined);
        await sensor.expose();
        const quiet = await fx.wot.produce({
            id: "urn:test:quiet",
            title: "Quiet",
            properties: { level: { type: "number", readOnly: true } },
            actions: { ping: {} },
        } as WoT.ExposedThingInit);
        quiet.setPropertyReadHandler("level", async () => 3);
        quiet.setActionHandler("ping", async () => undefined);
        await quiet.expose();
    });
    after(async () => fx?.close());

    const read = async (path: string) => {
        const res = await fetch(`${base}${path}`);
        expect(res.status, path).to.equal(200);
        return res.json() as Promise<unknown>;
    };

    it("leaves out every interaction of an excluded Thing, answered as ever", async function () {
        expect(await read("/quiet/properties/level")).to.equal(3);
        expect((await fetch(`${base}/quiet/actions/ping`, { method: "POST" })).status).to.be.oneOf([200, 204]);
        // refused by the protocol before any handler (a body over the bound): left out too
        const big = await fetch(`${base}/quiet/properties/level`, {
            method: "PUT",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify("x".repeat(2000)),
        });
        expect(big.status).to.equal(413);
        expect(await recorded(fx!)).to.deep.equal([]);
        expect(fx!.vo.stats().recorded, "no record reached the write buffer").to.equal(0);
    });

    it("leaves out an excluded affordance and keeps its Thing's others", async function () {
        expect(await read("/sensor/properties/humidity")).to.equal(40);
        expect(await read("/sensor/properties/temperature")).to.equal(21.5);
        expect(await recorded(fx!)).to.deep.equal(["urn:test:sensor temperature readproperty"]);
    });

    it("leaves out an excluded operation and keeps the affordance's others", async function () {
        const put = await fetch(`${base}/sensor/properties/setpoint`, {
            method: "PUT",
            headers: { "Content-Type": "application/json" },
            body: "23",
        });
        expect(put.status).to.equal(204);
        expect(await read("/sensor/properties/setpoint"), "the write took effect").to.equal(23);
        expect((await fetch(`${base}/sensor/actions/reset`, { method: "POST" })).status).to.be.oneOf([200, 204]);
        expect(await recorded(fx!)).to.deep.equal([
            "urn:test:sensor temperature readproperty",
            "urn:test:sensor setpoint readproperty",
            "urn:test:sensor reset invokeaction",
        ]);
        expect(fx!.vo.stats().recorded, "only recorded interactions cost the write buffer").to.equal(3);
    });
});

describe("recording.exclude of a consumed VO's Thing", function () {
    this.timeout(20_000);

    it("leaves out the excluded affordance of a consumed Thing, recorded under its id", async function () {
        const device = await startVo();
        const cvo = await startVo({ recording: { exclude: [{ thing: "urn:test:remote", name: "humidity" }] } });
        try {
            const thing = await device.wot.produce({
                id: "urn:test:remote",
                title: "Remote",
                properties: { temperature: { type: "number" }, humidity: { type: "number" } },
            } as WoT.ExposedThingInit);
            thing.setPropertyReadHandler("temperature", async () => 19);
            thing.setPropertyReadHandler("humidity", async () => 55);
            await thing.expose();
            const td = await cvo.wot.requestThingDescription(`http://127.0.0.1:${device.httpPort}/remote`);
            const remote = cvo.vo.recordConsumed(await cvo.wot.consume(td));
            expect(await (await remote.readProperty("humidity")).value()).to.equal(55);
            expect(await (await remote.readProperty("temperature")).value()).to.equal(19);
            expect(await recorded(cvo)).to.deep.equal(["urn:test:remote temperature readproperty"]);
        } finally {
            await cvo.close();
            await device.close();
        }
    });
});

describe("recording.exclude with after-commit acknowledgements", function () {
    this.timeout(20_000);

    it("answers a left-out write at once while the store fails, when a recorded one is refused", async function () {
        const fx = await startVo({
            recording: { acknowledge: "after-commit", flushIntervalMs: 60_000, exclude: [{ name: "quiet" }] },
        });
        try {
            const values: Record<string, unknown> = {};
            const thing = await fx.wot.produce({
                id: "urn:test:panel",
                title: "Panel",
                properties: { loud: { type: "number" }, quiet: { type: "number" } },
            } as WoT.ExposedThingInit);
            for (const name of ["loud", "quiet"]) {
                thing.setPropertyReadHandler(name, async () => values[name] ?? 0);
                thing.setPropertyWriteHandler(name, async (v) => void (values[name] = await v.value()));
            }
            await thing.expose();
            const put = (name: string, value: number) =>
                fetch(`http://127.0.0.1:${fx.httpPort}/panel/properties/${name}`, {
                    method: "PUT",
                    headers: { "Content-Type": "application/json" },
                    body: JSON.stringify(value),
                });
            // a real SQLite trigger makes every insert fail, as a failing disk would
            const db = await Database.open(fx.dbPath);
            await db.exec(
                "CREATE TRIGGER test_fault BEFORE INSERT ON ts_point BEGIN SELECT RAISE(ABORT, 'refused'); END"
            );
            await db.close();
            expect((await put("loud", 1)).status, "its record cannot be committed").to.equal(503);
            expect((await put("loud", 2)).status, "refused before its handler").to.equal(503);
            expect(values.loud).to.equal(1);
            expect((await put("quiet", 7)).status, "nothing to wait for").to.equal(204);
            expect(values.quiet).to.equal(7);
            expect(fx.vo.stats().recorded, "both loud writes, the refused one too; no quiet one").to.equal(2);
        } finally {
            await fx.close();
        }
    });
});

describe("recording.exclude refused with the path of the bad value", function () {
    const refusal = (exclude: unknown) => {
        try {
            resolveOptions({ recording: { exclude: exclude as never } });
        } catch (err) {
            expect(err).to.be.instanceOf(InvalidOptionsError);
            return (err as Error).message;
        }
        throw new Error(`accepted ${JSON.stringify(exclude)}`);
    };

    it("names the entry, key or operation at fault", function () {
        expect(refusal("urn:x")).to.equal(
            'node-wot-vo option recording.exclude: must be a list of exclusions, got "urn:x"'
        );
        expect(refusal([{ thing: "urn:x" }, { name: "t", ops: ["readproperty", "readprop"] }])).to.match(
            /^node-wot-vo option recording\.exclude\[1\]\.ops\[1\]: must be one of "readproperty", .*, got "readprop"$/
        );
        expect(refusal([{}])).to.match(/^node-wot-vo option recording\.exclude\[0\]: must name at least one of/);
        expect(refusal([{ thing: "urn:x", op: ["readproperty"] }])).to.match(
            /^node-wot-vo option recording\.exclude\[0\]\.op: unknown key/
        );
        expect(refusal([{ kind: "properties" }])).to.match(/recording\.exclude\[0\]\.kind: must be one of "property"/);
        expect(refusal([{ thing: "" }])).to.match(/recording\.exclude\[0\]\.thing: must be a non-empty string/);
        expect(refusal([{ ops: [] }])).to.match(/recording\.exclude\[0\]\.ops: must name at least one operation/);
        expect(refusal(["urn:x"])).to.match(/recording\.exclude\[0\]: must be a mapping like/);
    });

    it("is refused by attach before anything opens", async function () {
        const dir = tempDir();
        const servient = new Servient();
        let err: unknown;
        try {
            await VoPersistence.attach(servient, {
                sqlite: { path: `${dir}/vo.sqlite` },
                recording: { exclude: [{ name: "t", ops: ["read" as never] }] },
            });
        } catch (e) {
            err = e;
        }
        fs.rmSync(dir, { recursive: true, force: true });
        expect(err).to.be.instanceOf(InvalidOptionsError);
        expect((err as InvalidOptionsError).path).to.equal("recording.exclude[0].ops[0]");
    });
});
