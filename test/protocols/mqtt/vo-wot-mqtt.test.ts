import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { HistoryRecord } from "../../../src";
import { parseDescriptor } from "../../../src/cli/descriptor";
import { runVo, RunningVo } from "../../../src/cli/run-vo";
import { freeTcpPort } from "../../helpers/free-port";
import { Mosquitto } from "../../helpers/mosquitto";
import { ROOT } from "../../helpers/node-process";
import { tempDir, waitFor } from "../../helpers/vo-fixture";
import { runPython, voWotPythonFor } from "../../helpers/vo-wot-python";
import { PUMP_SCRIPT, PUMP_TD } from "../../helpers/vo-wot-pump";
import { TestMqttClient } from "./mqtt-clients";

const CONSUMER = path.join(ROOT, "test", "fixtures", "vo-wot", "wotpy-protocol-consumer.py");
const ALL_CLIENTS_CONSUMER = path.join(ROOT, "test", "fixtures", "vo-wot", "wotpy-consumer.py");
const THING = "urn:dev:wot:test:mqtt-pump";
const REQUESTS = "wotpy/property/requests/water-pump";

describe("vo-wot's MQTT topics on a VO run from a vo-wot descriptor (real Mosquitto)", function () {
    this.timeout(60_000);
    let dir: string;
    let broker: Mosquitto;
    let running: RunningVo;
    let catalogue: string;
    let client: TestMqttClient;

    before(async function () {
        dir = tempDir("node-wot-vo-vowot-mqtt-");
        broker = await Mosquitto.start();
        const td = path.join(dir, "pump.td.json");
        fs.writeFileSync(td, JSON.stringify({ ...PUMP_TD, id: THING }));
        const script = path.join(dir, "pump.js");
        fs.writeFileSync(script, PUMP_SCRIPT);
        const descriptor = [
            "name: pump",
            "type: VO",
            "catalogue: 0",
            "bindingNB:",
            "    bindingModeNB: [M]",
            `    brokerIP: ${broker.url}`,
            "    hostname: 127.0.0.1",
            "    bind: 127.0.0.1",
            "    securityNB: { securityScheme: nosec }",
            "databaseConfig:",
            "    persistentDB: { SQLite: enabled, dbFilePath: pump.db }",
            "periodicFunction: { tick: 200 }",
            "",
        ].join("\n");
        const config = parseDescriptor(descriptor, path.join(dir, "pump.yaml"), {});
        expect(config.persistence.protocols).to.deep.equal({ voWot: true });
        running = await runVo({ config, tdFile: td, scriptFile: script, log: () => undefined });
        catalogue = `http://127.0.0.1:${running.vo.catalogue!.port}`;
        client = await TestMqttClient.connect(broker.url);
    });
    after(async function () {
        await client?.end();
        await running?.stop();
        await broker?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const records = async (kind: "property" | "action" | "event", name: string, op: string) => {
        await running.vo.flush();
        const rows = await running.vo.history({ thing: THING, kind, name });
        return rows.filter((r) => r.op === op && r.protocol === "mqtt");
    };
    /** The newest record of `op` over MQTT that came through the broker from a client (not the VO's own). */
    const last = async (kind: "property" | "action" | "event", name: string, op: string): Promise<HistoryRecord> => {
        const rows = (await records(kind, name, op)).filter((r) => r.origin === `via 127.0.0.1:${broker.port}`);
        expect(rows.length, `an mqtt ${op} record of ${name}`).to.be.greaterThan(0);
        return rows[rows.length - 1];
    };

    /** Publishes `body` on `topic` once subscribed to `answers`: the first message there. */
    const answerOn = async (answers: string, topic: string, body: string, timeoutMs = 5000): Promise<Buffer> => {
        const next = client.next(answers, timeoutMs);
        await new Promise((r) => setTimeout(r, 150)); // next() subscribes first
        await client.publish(topic, body);
        return next;
    };

    it("the catalogue's TD lists vo-wot's topics at the broker", async function () {
        const td = (await (await fetch(`${catalogue}/water-pump`)).json()) as Record<string, Record<string, unknown>>;
        const at = (topic: string) => `${broker.url}/wotpy/${topic}/water-pump`;
        const forms = (a: unknown) =>
            (a as { forms: { href: string; op: string[] }[] }).forms.map((f) => [f.href, f.op[0]]);
        expect(forms(td.properties.threshold)).to.deep.equal([
            [`${at("property/requests")}/threshold`, "readproperty"],
            [`${at("property/requests")}/threshold`, "writeproperty"],
            [`${at("property/updates")}/threshold`, "observeproperty"],
        ]);
        expect(forms(td.properties.label).map((f) => f[1])).to.deep.equal(["readproperty", "observeproperty"]);
        expect(forms(td.actions.double)).to.deep.equal([[`${at("action/invocation")}/double`, "invokeaction"]]);
        expect(forms(td.events.alarm)).to.deep.equal([[`${at("event")}/alarm`, "subscribeevent"]]);
    });

    it("an unchanged wotpy2 MQTT client reads, writes, invokes, observes and subscribes, each request recorded", async function () {
        const python = voWotPythonFor(this);
        const { code, stdout, stderr } = await runPython(python, CONSUMER, [`${catalogue}/water-pump`, "mqtt"]);
        expect(code, stderr).to.equal(0);
        const got = JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, unknown>;
        expect(got).to.include({ title: "Water Pump", label: "from node-wot-vo", threshold: 42.5, double: 42 });
        expect(got.failing).to.equal("the pump is off");
        expect(got.badInput).to.match(/double/);
        expect(got.alarm).to.match(/^alarm \d+$/);
        expect(got.counter).to.be.a("number").and.above(0);

        expect(await last("property", "label", "readproperty")).to.include({ ok: true, value: "from node-wot-vo" });
        expect(await last("property", "threshold", "writeproperty")).to.include({ ok: true, value: 42.5 });
        expect(await last("property", "threshold", "readproperty")).to.include({ ok: true, value: 42.5 });
        const invocations = (await records("action", "double", "invokeaction")).map((r) => [r.ok, r.value]);
        expect(invocations).to.deep.equal([
            [true, 21],
            [false, "twenty"],
        ]);
        const failed = await last("action", "failing", "invokeaction");
        expect(failed.ok).to.equal(false);
        expect(failed.error).to.include("the pump is off");
        // changes and emissions go out through the broker, as binding-mqtt's: the VO's own subscription is recorded
        const own = `127.0.0.1:${broker.port}`;
        expect((await records("event", "alarm", "subscribeevent")).map((r) => r.origin)).to.include(own);
        expect((await records("property", "counter", "observeproperty")).map((r) => r.origin)).to.include(own);
    });

    it("answers vo-wot's envelopes to a plain MQTT client: ping, read, write with ack, invocation", async function () {
        expect((await answerOn("wotpy/pong", "wotpy/ping", "hello")).toString()).to.equal("hello");
        const write = JSON.stringify({ action: "write", value: 7, ack: "a1" });
        const ack = await answerOn("wotpy/property/ack/water-pump/threshold", `${REQUESTS}/threshold`, write);
        expect(JSON.parse(ack.toString())).to.deep.equal({ ack: "a1" });
        const read = JSON.stringify({ action: "read" });
        const update = await answerOn("wotpy/property/updates/water-pump/threshold", `${REQUESTS}/threshold`, read);
        expect(JSON.parse(update.toString())).to.include({ value: 7 });
        const invocation = JSON.stringify({ id: "i1", input: 4 });
        const result = await answerOn(
            "wotpy/action/result/water-pump/double",
            "wotpy/action/invocation/water-pump/double",
            invocation
        );
        expect(JSON.parse(result.toString())).to.include({ id: "i1", result: 8 });
        // the client stated its id (an MQTT 5 user property): the record names it
        const r = await records("action", "double", "invokeaction");
        expect(r[r.length - 1].origin).to.equal(`client ${client.id} via 127.0.0.1:${broker.port}`);
    });

    it('answers bad invocations with {"error"} on the result topic, drops bad property requests as vo-wot does, recording each refusal', async function () {
        const invoke = async (topic: string, body: string) => {
            const result = await answerOn(`wotpy/action/result/${topic}`, `wotpy/action/invocation/${topic}`, body);
            return JSON.parse(result.toString()) as { id: unknown; error?: string };
        };
        expect(await invoke("water-pump/double", "not json")).to.include({ id: null });
        expect((await invoke("water-pump/double", "not json")).error).to.match(/malformed JSON/);
        expect((await invoke("water-pump/double", "[1]")).error).to.match(/JSON object/);
        expect((await invoke("water-pump/double", '{"id": "b1", "input": "x"}')).error).to.match(/double/);
        expect((await invoke("water-pump/nothing", '{"id": "b2"}')).error).to.match(/no action "nothing"/);
        // another servient's Thing (vo-wot fleets share `wotpy/` on a broker): left to it, no answer
        const silence = answerOn(
            "wotpy/action/result/nobody/double",
            "wotpy/action/invocation/nobody/double",
            "{}",
            1000
        );
        expect(await silence.then(String, (err: Error) => err.message)).to.match(/no message/);

        const before = (await records("property", "threshold", "writeproperty")).length;
        const requests = REQUESTS;
        for (const body of [
            "not json",
            '{"action": "delete"}',
            '{"action": "write"}',
            '{"action": "write", "value": "high", "ack": "a2"}',
        ]) {
            await client.publish(`${requests}/threshold`, body);
        }
        await client.publish(`${requests}/label`, '{"action": "write", "value": "x", "ack": "a3"}');
        await waitFor(async () => (await records("property", "threshold", "writeproperty")).length >= before + 2, 5000);
        const refused = (await records("property", "threshold", "writeproperty")).filter((x) => !x.ok);
        expect(refused.map((x) => x.value)).to.deep.include("high");
        expect(refused.some((x) => /"value" is missing/.test(String(x.error)))).to.equal(true);
        await waitFor(async () => (await records("property", "threshold", "readproperty")).some((x) => !x.ok), 5000);
        const reads = (await records("property", "threshold", "readproperty")).filter((x) => !x.ok);
        expect(reads.map((x) => String(x.error)).join())
            .to.match(/malformed JSON/)
            .and.match(/"delete"/);
        await waitFor(async () => (await records("property", "label", "writeproperty")).some((x) => !x.ok), 5000);
        // still serving
        const read = JSON.stringify({ action: "read" });
        const update = await answerOn("wotpy/property/updates/water-pump/threshold", `${REQUESTS}/threshold`, read);
        expect(JSON.parse(update.toString())).to.include({ value: 7 });
        const invocations = (await records("action", "double", "invokeaction")).filter((x) => !x.ok);
        expect(invocations.some((x) => /malformed JSON/.test(String(x.error)))).to.equal(true);
    });
});

describe("a VO serving vo-wot's HTTP, MQTT and WebSocket at once, consumed by wotpy2 with all its clients", function () {
    this.timeout(60_000);
    let dir: string;
    let broker: Mosquitto;
    let running: RunningVo;

    before(async function () {
        dir = tempDir("node-wot-vo-vowot-all-");
        broker = await Mosquitto.start();
        const td = path.join(dir, "pump.td.json");
        fs.writeFileSync(td, JSON.stringify({ ...PUMP_TD, id: THING }));
        const script = path.join(dir, "pump.js");
        fs.writeFileSync(script, PUMP_SCRIPT);
        const descriptor = [
            "name: pump",
            "type: VO",
            "catalogue: 0",
            "bindingNB:",
            "    bindingModeNB: [H, M, WS]",
            `    brokerIP: ${broker.url}`,
            "    hostname: 127.0.0.1",
            "    bind: 127.0.0.1",
            `    ports: { httpPort: 0, websocketPort: ${await freeTcpPort()} }`,
            "    securityNB: { securityScheme: nosec }",
            "databaseConfig:",
            "    persistentDB: { SQLite: enabled, dbFilePath: pump.db }",
            "periodicFunction: { tick: 200 }",
            "",
        ].join("\n");
        const config = parseDescriptor(descriptor, path.join(dir, "pump.yaml"), {});
        running = await runVo({ config, tdFile: td, scriptFile: script, log: () => undefined });
    });
    after(async function () {
        await running?.stop();
        await broker?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("wotpy2 picks by its preference: properties over MQTT, actions over HTTP, events over WebSocket", async function () {
        const python = voWotPythonFor(this);
        const catalogue = `http://127.0.0.1:${running.vo.catalogue!.port}`;
        const { code, stdout, stderr } = await runPython(python, ALL_CLIENTS_CONSUMER, [`${catalogue}/water-pump`]);
        expect(code, stderr).to.equal(0);
        const got = JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, unknown>;
        expect(got).to.include({ label: "from node-wot-vo", threshold: 42.5, double: 42, failing: "the pump is off" });
        expect(got.badInput).to.match(/400/); // refused over HTTP
        expect(got.alarm).to.match(/^alarm \d+$/);
        expect(got.counter).to.be.a("number");
        await running.vo.flush();
        const protocols = async (kind: "property" | "action" | "event", name: string, op: string) => {
            const rows = await running.vo.history({ thing: THING, kind, name });
            // the VO's own MQTT observation and subscription (the broker as origin) aside
            const own = `127.0.0.1:${broker.port}`;
            return [...new Set(rows.filter((r) => r.op === op && r.origin !== own).map((r) => r.protocol))];
        };
        expect(await protocols("property", "label", "readproperty")).to.deep.equal(["mqtt"]);
        expect(await protocols("property", "threshold", "writeproperty")).to.deep.equal(["mqtt"]);
        expect(await protocols("action", "double", "invokeaction")).to.deep.equal(["http"]);
        expect(await protocols("event", "alarm", "subscribeevent")).to.deep.equal(["ws"]);
    });
});
