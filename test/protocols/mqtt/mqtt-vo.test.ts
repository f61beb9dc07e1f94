import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import type { HistoryRecord } from "../../../src";
import { Mosquitto } from "../../helpers/mosquitto";
import { exposeSensor, SensorState } from "../../helpers/sensor-thing";
import { startVo, VoFixture, waitFor } from "../../helpers/vo-fixture";
import { TestMqttClient, topicOf } from "./mqtt-clients";

const THING = "urn:dev:ops:environment-sensor-1";

type Forms = { forms: { href: string; op?: string | string[] }[] };
function mqttHref(affordance: unknown, op: string): string {
    const form = (affordance as Forms).forms.find((f) => f.href.startsWith("mqtt:") && [f.op].flat().includes(op));
    if (form === undefined) throw new Error(`no mqtt form for ${op}`);
    return form.href;
}

describe("a VO over MQTT (real Mosquitto, the mqtt package as client)", function () {
    this.timeout(30_000);
    let broker: Mosquitto;
    let vo: VoFixture;
    let client: TestMqttClient;
    let thing: WoT.ExposedThing;
    let state: SensorState;
    let td: WoT.ThingDescription;
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => void rejections.push(reason);

    before(async function () {
        process.on("unhandledRejection", onRejection);
        broker = await Mosquitto.start();
        vo = await startVo({ mqtt: { broker: broker.url } });
        ({ thing, state, td } = await exposeSensor(vo.wot));
        client = await TestMqttClient.connect(broker.url);
    });
    after(async function () {
        process.off("unhandledRejection", onRejection);
        await client?.end();
        await vo?.close();
        await broker?.stop();
    });

    async function records(kind: "property" | "action" | "event", name: string): Promise<HistoryRecord[]> {
        await vo.vo.flush();
        return vo.vo.history({ thing: THING, kind, name });
    }
    async function lastRecord(
        kind: "property" | "action" | "event",
        name: string,
        op?: string
    ): Promise<HistoryRecord> {
        const rows = (await records(kind, name)).filter((r) => op === undefined || r.op === op);
        expect(rows.length, `a ${op ?? kind} record of ${name}`).to.be.greaterThan(0);
        return rows[rows.length - 1];
    }

    it("advertises MQTT forms at the broker and publishes the TD retained at the Thing's topic", async function () {
        const href = mqttHref(td.properties!.temperature, "readproperty");
        expect(href).to.equal(`${broker.url}/EnvironmentSensor/properties/temperature`);
        expect([td.properties!.temperature.forms.find((f) => f.href === href)!.op].flat()).to.include(
            "observeproperty"
        );
        // humidity is not observable: no observeproperty is advertised for it
        const humidity = td.properties!.humidity.forms.filter((f) => f.href.startsWith("mqtt:"));
        expect(humidity.flatMap((f) => [f.op].flat())).to.deep.equal(["readproperty"]);
        const published = JSON.parse((await client.next("EnvironmentSensor")).toString());
        expect(published.id).to.equal(THING);
    });

    it("reads a property from its retained value, recorded as an MQTT read with the broker as origin", async function () {
        const topic = topicOf(mqttHref(td.properties!.humidity, "readproperty"));
        expect(JSON.parse((await client.next(topic)).toString())).to.equal(40);
        const r = await lastRecord("property", "humidity", "readproperty");
        expect(r).to.include({ protocol: "mqtt", ok: true, value: 40, origin: `127.0.0.1:${broker.port}` });
    });

    it("answers an MQTT 5 read request on .../readproperty with the fresh value, recorded with the client's id", async function () {
        state.humidity = 55;
        const topic = `${topicOf(mqttHref(td.properties!.humidity, "readproperty"))}/readproperty`;
        const answer = await client.request(topic, "");
        expect(answer.status).to.equal(200);
        expect(JSON.parse(answer.body.toString())).to.equal(55);
        const r = await lastRecord("property", "humidity", "readproperty");
        expect(r).to.include({
            protocol: "mqtt",
            ok: true,
            value: 55,
            origin: `client ${client.id} via 127.0.0.1:${broker.port}`,
        });
    });

    it("writes a property, recorded with protocol mqtt and the client id, and republishes the value retained", async function () {
        const href = mqttHref(td.properties!.samplingInterval, "writeproperty");
        const answer = await client.request(topicOf(href), "30");
        expect(answer.status).to.equal(200);
        expect(state.samplingInterval).to.equal(30);
        const r = await lastRecord("property", "samplingInterval", "writeproperty");
        expect(r).to.include({
            protocol: "mqtt",
            ok: true,
            value: 30,
            origin: `client ${client.id} via 127.0.0.1:${broker.port}`,
        });
        const valueTopic = topicOf(mqttHref(td.properties!.samplingInterval, "readproperty"));
        const retained = await client.next(valueTopic, 5000, (b) => b.toString() === "30");
        expect(JSON.parse(retained.toString())).to.equal(30);
    });

    it("a write without an MQTT 5 Response Topic is served all the same (plain publish, no stated id)", async function () {
        await client.publish(
            topicOf(mqttHref(td.properties!.label, "writeproperty")),
            JSON.stringify('a, "b"\n%/'),
            false
        );
        await waitFor(() => state.label === 'a, "b"\n%/', 5000, "the write over MQTT");
        const r = await lastRecord("property", "label", "writeproperty");
        expect(r).to.include({ protocol: "mqtt", ok: true, origin: `via 127.0.0.1:${broker.port}` });
    });

    it("refuses a payload invalid for the property (400), records it refused, and does not crash", async function () {
        const topic = topicOf(mqttHref(td.properties!.samplingInterval, "writeproperty"));
        const breaking = await client.request(topic, "99999"); // maximum 3600
        expect(breaking.status).to.equal(400);
        expect(JSON.parse(breaking.body.toString()).error).to.match(/samplingInterval/);
        const malformed = await client.request(topic, "{not json");
        expect(malformed.status).to.equal(400);
        expect(JSON.parse(malformed.body.toString()).error).to.match(/malformed JSON/);
        expect(state.samplingInterval).to.equal(30);
        const refused = (await records("property", "samplingInterval")).filter(
            (r) => r.op === "writeproperty" && !r.ok
        );
        expect(refused.map((r) => r.valid)).to.deep.equal([false, false]);
        expect(refused.map((r) => r.protocol)).to.deep.equal(["mqtt", "mqtt"]);
        expect(rejections, "unhandled rejections").to.deep.equal([]);
        // and the server still serves
        expect((await client.request(topic, "31")).status).to.equal(200);
    });

    it("refuses a write to a read-only property (405) and a name the Thing lacks (404), both recorded", async function () {
        const ro = await client.request("EnvironmentSensor/properties/temperature/writeproperty", "1");
        expect(ro.status).to.equal(405);
        const missing = await client.request("EnvironmentSensor/actions/self%20destruct", "{}");
        expect(missing.status).to.equal(404);
        expect((await lastRecord("property", "temperature", "writeproperty")).ok).to.equal(false);
        const r = await lastRecord("action", "self destruct");
        expect(r).to.include({ op: "invokeaction", protocol: "mqtt", ok: false });
    });

    it("refuses a payload over protocols.maxBodyBytes (413), recorded as refused", async function () {
        const topic = topicOf(mqttHref(td.properties!.label, "writeproperty"));
        const big = JSON.stringify("x".repeat(1024 * 1024));
        const answer = await client.request(topic, big);
        expect(answer.status).to.equal(413);
        expect(JSON.parse(answer.body.toString()).error).to.match(/over the limit of 1048576 bytes/);
        const r = await lastRecord("property", "label", "writeproperty");
        expect(r).to.include({ protocol: "mqtt", ok: false });
        expect(r.error).to.match(/over the limit/);
    });

    it("invokes an action and answers its output on the Response Topic, recorded with protocol mqtt", async function () {
        const href = mqttHref(td.actions!.calibrate, "invokeaction");
        const answer = await client.request(topicOf(href), JSON.stringify({ offset: 1.5 }));
        expect(answer.status).to.equal(200);
        expect(JSON.parse(answer.body.toString())).to.deep.equal({ offset: 1.5, applied: true });
        const r = await lastRecord("action", "calibrate");
        expect(r).to.include({ op: "invokeaction", protocol: "mqtt", ok: true });
        expect(r.value).to.deep.equal({ offset: 1.5 });
        expect(r.output).to.deep.equal({ offset: 1.5, applied: true });
        const failed = await client.request(topicOf(href), JSON.stringify({ offset: 500 }));
        expect(failed.status).to.equal(500);
        expect(JSON.parse(failed.body.toString()).error).to.match(/offset out of range/);
    });

    it("observes a property and subscribes an event through the broker, kept in observer with protocol mqtt", async function () {
        const observers = await vo.vo.state.listObservers();
        const mqttRows = observers.filter((o) => o.protocol === "mqtt");
        expect(mqttRows.map((o) => `${o.op} ${o.affordance}`).sort()).to.deep.equal([
            "observeproperty temperature",
            "subscribeevent overheat",
        ]);
        expect(mqttRows[0]).to.include({ ip: "127.0.0.1", port: broker.port });
        expect((await lastRecord("property", "temperature", "observeproperty")).protocol).to.equal("mqtt");
        expect((await lastRecord("event", "overheat", "subscribeevent")).protocol).to.equal("mqtt");

        const propertyTopic = topicOf(mqttHref(td.properties!.temperature, "observeproperty"));
        state.temperature = 30;
        const change = client.next(propertyTopic, 5000, (b) => b.toString() === "31.5");
        setTimeout(() => void thing.emitPropertyChange("temperature"), 200);
        expect(JSON.parse((await change).toString())).to.equal(31.5);

        const eventTopic = topicOf(mqttHref(td.events!.overheat, "subscribeevent"));
        const event = client.next(eventTopic);
        setTimeout(() => thing.emitEvent("overheat", { temperature: 31.5 }), 200);
        expect(JSON.parse((await event).toString())).to.deep.equal({ temperature: 31.5 });
    });

    it("the self-check reports the broker connection", async function () {
        const check = await vo.vo.state.selfCheck();
        expect(check.checks.mqtt.ok).to.equal(true);
        expect(check.checks.mqtt.detail).to.match(/MQTT connected to 127\.0\.0\.1:\d+ since/);
    });

    it("the broker stopped under the VO: MQTT reported down with the reason, HTTP still served; back: reconnected and served", async function () {
        await client.end();
        await broker.kill();
        await waitFor(
            async () => !(await vo.vo.state.selfCheck()).checks.mqtt.ok,
            10_000,
            "MQTT down in the self-check"
        );
        const down = await vo.vo.state.selfCheck();
        expect(down.status).to.equal("degraded");
        expect(down.checks.mqtt.detail).to.match(/MQTT broker 127\.0\.0\.1:\d+ down since .*: connection closed/);
        expect(down.checks.http.ok).to.equal(true);
        const res = await fetch(`http://127.0.0.1:${vo.httpPort}/environmentsensor/properties/humidity`);
        expect(res.status).to.equal(200);

        await broker.launch();
        await waitFor(
            async () => (await vo.vo.state.selfCheck()).checks.mqtt.ok,
            15_000,
            "MQTT back in the self-check"
        );
        client = await TestMqttClient.connect(broker.url);
        // re-announced: the TD and values are retained again, and writes are served again
        expect(JSON.parse((await client.next("EnvironmentSensor")).toString()).id).to.equal(THING);
        const answer = await client.request("EnvironmentSensor/properties/enabled/writeproperty", "false");
        expect(answer.status).to.equal(200);
        expect(state.enabled).to.equal(false);
    });

    it("closes its MQTT observers when the VO shuts down", async function () {
        const before = (await vo.vo.state.listObservers()).filter((o) => o.protocol === "mqtt");
        expect(before).to.have.length(2);
        await vo.servient
            .getServers()
            .find((s) => s.scheme === "mqtt")!
            .stop();
        await waitFor(
            async () => (await vo.vo.state.listObservers()).every((o) => o.protocol !== "mqtt"),
            5000,
            "MQTT observers closed"
        );
    });
});
