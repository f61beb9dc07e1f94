import fs from "node:fs";
import path from "node:path";
import { MqttBrokerServer, MqttClientFactory } from "@node-wot/binding-mqtt";
import { Servient } from "@node-wot/core";
import { expect } from "chai";
import { freeTcpPort } from "../../helpers/free-port";
import { Mosquitto } from "../../helpers/mosquitto";
import { startVo, tempDir, VoFixture, waitFor } from "../../helpers/vo-fixture";
import { TestMqttClient } from "./mqtt-clients";

/** Regression tests of what binding-mqtt 0.8.16's MqttBrokerServer gets wrong, fixed in protocols/mqtt. */
describe("binding-mqtt 0.8.16 fixes (real Mosquitto)", function () {
    this.timeout(30_000);

    it("node-wot#360: binding-mqtt's server fails servient.start() when the broker is down; the VO serves HTTP, reports MQTT down and connects once the broker is up", async function () {
        const port = await freeTcpPort();
        // upstream, measured: start() rejects, and with it servient.start()
        const upstream = new MqttBrokerServer({ uri: `mqtt://127.0.0.1:${port}` });
        let upstreamError: Error | undefined;
        await upstream.start(undefined as never).catch((err: Error) => (upstreamError = err));
        await upstream.stop();
        expect(upstreamError?.message).to.match(/ECONNREFUSED/);

        let vo: VoFixture | undefined;
        let broker: Mosquitto | undefined;
        try {
            vo = await startVo({ mqtt: { broker: `mqtt://127.0.0.1:${port}`, connectTimeoutMs: 1000 } });
            const thing = await vo.wot.produce({
                title: "Counter",
                properties: { count: { type: "integer", observable: true } },
            });
            let count = 7;
            thing.setPropertyReadHandler("count", async () => count);
            thing.setPropertyWriteHandler("count", async (io) => void (count = (await io.value()) as number));
            await thing.expose();
            const check = await vo.vo.state.selfCheck();
            expect(check.status).to.equal("degraded");
            expect(check.checks.http.ok).to.equal(true);
            expect(check.checks.mqtt).to.include({ ok: false });
            expect(check.checks.mqtt.detail).to.match(
                new RegExp(`MQTT broker 127\\.0\\.0\\.1:${port} down since .*ECONNREFUSED`)
            );
            // the TD still advertises MQTT: the VO answers there as soon as the broker is up
            const td = thing.getThingDescription();
            expect(
                td.properties!.count.forms.some((f) => f.href === `mqtt://127.0.0.1:${port}/Counter/properties/count`)
            ).to.equal(true);

            broker = await Mosquitto.start({ port });
            await waitFor(async () => (await vo!.vo.state.selfCheck()).checks.mqtt.ok, 15_000, "the VO connected");
            const client = await TestMqttClient.connect(broker.url);
            try {
                expect(JSON.parse((await client.next("Counter/properties/count")).toString())).to.equal(7);
                expect((await client.request("Counter/properties/count/writeproperty", "8")).status).to.equal(200);
                expect(count).to.equal(8);
            } finally {
                await client.end();
            }
        } finally {
            await vo?.close();
            await broker?.stop();
        }
    });

    describe("against a running broker", function () {
        let broker: Mosquitto;
        let vo: VoFixture;
        let client: TestMqttClient;
        before(async function () {
            broker = await Mosquitto.start();
            vo = await startVo({ mqtt: { broker: broker.url } });
            client = await TestMqttClient.connect(broker.url);
        });
        after(async function () {
            await client?.end();
            await vo?.close();
            await broker?.stop();
        });

        it("a Thing and a property named with spaces, quotes, % and / answer (upstream matches topics against undecoded names)", async function () {
            const title = 'Lab "A" 50%/north';
            const thing = await vo.wot.produce({
                title,
                id: "urn:test:odd-names",
                properties: { "set point/°C": { type: "number" } },
            });
            let value = 0;
            thing.setPropertyReadHandler("set point/°C", async () => value);
            thing.setPropertyWriteHandler("set point/°C", async (io) => void (value = (await io.value()) as number));
            await thing.expose();
            const form = thing
                .getThingDescription()
                .properties!["set point/°C"].forms.find(
                    (f) => f.href.startsWith("mqtt:") && [f.op].flat().includes("writeproperty")
                )!;
            const topic = new URL(form.href).pathname.slice(1);
            expect(topic).to.equal(
                `${encodeURIComponent(title)}/properties/${encodeURIComponent("set point/°C")}/writeproperty`
            );
            expect((await client.request(topic, "21.5")).status).to.equal(200);
            expect(value).to.equal(21.5);
            await vo.vo.flush();
            const rows = await vo.vo.history({ thing: "urn:test:odd-names", kind: "property", name: "set point/°C" });
            expect(rows.some((r) => r.op === "writeproperty" && r.ok && r.protocol === "mqtt")).to.equal(true);
        });

        it("with two Things exposed, a write runs once (upstream adds one message listener per Thing)", async function () {
            let writes = 0;
            for (const title of ["First", "Second"]) {
                const thing = await vo.wot.produce({ title, properties: { level: { type: "integer" } } });
                thing.setPropertyReadHandler("level", async () => 0);
                thing.setPropertyWriteHandler("level", async () => void writes++);
                await thing.expose();
            }
            expect((await client.request("Second/properties/level/writeproperty", "3")).status).to.equal(200);
            expect((await client.request("First/properties/level/writeproperty", "4")).status).to.equal(200);
            await new Promise((r) => setTimeout(r, 300)); // a duplicate would have run by now
            expect(writes).to.equal(2);
        });

        it("a destroyed Thing's observers close with the reason and its retained TD is cleared", async function () {
            const thing = await vo.wot.produce({
                title: "Doomed",
                id: "urn:test:doomed",
                properties: { level: { type: "integer", observable: true } },
            });
            thing.setPropertyReadHandler("level", async () => 1);
            await thing.expose();
            expect(JSON.parse((await client.next("Doomed")).toString()).id).to.equal("urn:test:doomed");
            const open = async () =>
                (await vo.vo.state.listObservers()).filter(
                    (o) => o.protocol === "mqtt" && o.thing === "urn:test:doomed"
                );
            await waitFor(async () => (await open()).length === 1, 5000, "the observer row");
            await thing.destroy();
            await waitFor(async () => (await open()).length === 0, 5000, "the observer row closed");
            const rows = (await vo.vo.sqliteDb.executeQuery(
                "SELECT end_reason FROM observer WHERE thing = 'urn:test:doomed'"
            )) as { end_reason: string }[];
            expect(rows.map((r) => r.end_reason)).to.deep.equal(["Thing destroyed"]);
            // the broker keeps nothing for it: a fresh subscriber gets no TD (an empty retained message cleared it)
            await waitFor(
                async () =>
                    (await client.next("Doomed", 300).then(
                        () => "a TD",
                        () => "nothing"
                    )) === "nothing",
                5000,
                "the retained TD cleared"
            );
        });

        it("node-wot#1241: node-wot's own MQTT client reads a property (upstream it waits for a change that may never come)", async function () {
            const thing = await vo.wot.produce({
                title: "Thermostat",
                properties: { target: { type: "number", readOnly: true } },
            });
            thing.setPropertyReadHandler("target", async () => 19.5);
            await thing.expose();
            const servient = new Servient();
            servient.addClientFactory(new MqttClientFactory() as never);
            const wot = await servient.start();
            try {
                const consumed = await wot.consume(thing.getThingDescription());
                const formIndex = thing
                    .getThingDescription()
                    .properties!.target.forms.findIndex((f) => f.href.startsWith("mqtt:"));
                const read = await consumed.readProperty("target", { formIndex });
                expect(await read.value()).to.equal(19.5);
            } finally {
                await servient.shutdown();
            }
        });
    });

    it("credentials from the environment and a file reach the broker (upstream passes user/psw, which mqtt.js never reads)", async function () {
        const broker = await Mosquitto.start({ users: { vo: "s3cret-pass" } });
        const dir = tempDir();
        const file = path.join(dir, "mqtt-password");
        fs.writeFileSync(file, "s3cret-pass\n", { mode: 0o600 });
        process.env.TEST_MQTT_USER = "vo";
        let vo: VoFixture | undefined;
        try {
            vo = await startVo({ mqtt: { broker: broker.url, usernameEnv: "TEST_MQTT_USER", passwordFile: file } });
            const check = await vo.vo.state.selfCheck();
            expect(check.checks.mqtt.ok, check.checks.mqtt.detail).to.equal(true);
            expect(JSON.stringify(check)).to.not.include("s3cret");
            await vo.close();
            // a wrong password: MQTT reported down with the broker's reason, the password nowhere
            fs.writeFileSync(file, "wrong-s3cret\n");
            vo = await startVo({
                mqtt: { broker: broker.url, usernameEnv: "TEST_MQTT_USER", passwordFile: file, connectTimeoutMs: 1000 },
            });
            const refused = await vo.vo.state.selfCheck();
            expect(refused.checks.mqtt.ok).to.equal(false);
            expect(refused.checks.mqtt.detail).to.match(/Not authorized/);
            expect(JSON.stringify(refused)).to.not.include("s3cret");
        } finally {
            delete process.env.TEST_MQTT_USER;
            await vo?.close();
            await broker.stop();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
