import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { parseDescriptor } from "../../../src/cli/descriptor";
import { runVo, RunningVo } from "../../../src/cli/run-vo";
import { ROOT } from "../../helpers/node-process";
import { startVo, tempDir, VoFixture, waitFor } from "../../helpers/vo-fixture";
import { runPython, voWotPythonFor } from "../../helpers/vo-wot-python";
import { libcoap, libcoapPayload } from "./coap-clients";

const CONSUMER = path.join(ROOT, "test", "fixtures", "vo-wot", "wotpy-consumer.py");
const THING = "urn:dev:wot:test:pump";

const TD = {
    "@context": ["https://www.w3.org/2022/wot/td/v1.1"],
    title: "pump",
    id: THING,
    securityDefinitions: { no_sc: { scheme: "nosec" } },
    security: "no_sc",
    properties: {
        label: { type: "string", readOnly: true },
        threshold: { type: "number" },
        counter: { type: "integer", observable: true, readOnly: true },
    },
    actions: {
        double: { input: { type: "integer" }, output: { type: "integer" } },
        failing: {},
        slow: { output: { type: "string" } },
    },
    events: { alarm: { data: { type: "string" } } },
};

const SCRIPT = `let n = 0;
module.exports = {
    properties: { label: { read: () => "from node-wot-vo" } },
    actions: {
        double: (x) => x * 2,
        failing: () => { throw new Error("the pump is off"); },
        slow: () => new Promise((resolve) => setTimeout(() => resolve("done slowly"), 1500)),
    },
    tick(ctx) { n++; ctx.thing.emitEvent("alarm", "alarm " + n); return ctx.setValue("counter", n); },
};`;

/** vo-wot's descriptor of a VO served over HTTP and CoAP (U), both on ports of the system's choosing. */
const DESCRIPTOR = `name: pump
type: VO
catalogue: 0
bindingNB:
    bindingModeNB: [H, U]
    hostname: 127.0.0.1
    bind: 127.0.0.1
    ports: { httpPort: 0, coapPort: 0 }
    securityNB: { securityScheme: nosec }
databaseConfig:
    persistentDB: { SQLite: enabled, dbFilePath: pump.db }
periodicFunction: { tick: 200 }
`;

type Kind = "property" | "action" | "event";
type Got = Record<string, unknown>;

describe("vo-wot's CoAP wire format on a VO run from a vo-wot descriptor", function () {
    this.timeout(90_000);
    let dir: string;
    let running: RunningVo;
    let coap: string;
    let catalogue: string;

    before(async function () {
        dir = tempDir("node-wot-vo-vowot-coap-");
        const td = path.join(dir, "pump.td.json");
        fs.writeFileSync(td, JSON.stringify(TD));
        const script = path.join(dir, "pump.js");
        fs.writeFileSync(script, SCRIPT);
        const config = parseDescriptor(DESCRIPTOR, path.join(dir, "pump.yaml"), {});
        expect(config.persistence.protocols).to.deep.equal({ voWot: true });
        running = await runVo({ config, tdFile: td, scriptFile: script, log: () => undefined });
        coap = `coap://127.0.0.1:${running.coapPort}`;
        catalogue = `http://127.0.0.1:${running.vo.catalogue!.port}`;
    });
    after(async function () {
        await running?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const records = async (kind: Kind, name: string, op: string, protocol = "coap") => {
        await running.vo.flush();
        const rows = await running.vo.history({ thing: THING, kind, name });
        return rows.filter((r) => r.op === op && r.protocol === protocol);
    };
    /** The newest record of `op` the client at 127.0.0.1 made over `protocol`. */
    const last = async (kind: Kind, name: string, op: string, protocol = "coap") => {
        const rows = await records(kind, name, op, protocol);
        expect(rows.length, `a ${protocol} ${op} record of ${name}`).to.be.greaterThan(0);
        const row = rows[rows.length - 1];
        expect(row.origin).to.match(/^127\.0\.0\.1:\d+$/);
        return row;
    };
    /** wotpy2's consumer of the catalogue's TD with the clients named; what it got. */
    const consume = async (ctx: Mocha.Context, clients: string): Promise<Got> => {
        const python = voWotPythonFor(ctx);
        const { code, stdout, stderr } = await runPython(python, CONSUMER, [`${catalogue}/pump`, clients]);
        expect(code, stderr).to.equal(0);
        return JSON.parse(stdout.trim().split("\n").pop()!) as Got;
    };

    it("a wotpy2 consumer with only a CoAP client reads, writes, invokes, observes and subscribes over CoAP", async function () {
        const got = await consume(this, "coap");
        expect(got).to.include({ title: "pump", label: "from node-wot-vo", threshold: 42.5, double: 42 });
        // a failed invocation: {"done": true, "error"}, which wotpy2's client raises with the message
        expect(got.failing).to.equal("the pump is off");
        // an input breaking the schema: refused 4.00 before any invocation is made
        expect(got.badInput).to.match(/4\.00|Bad Request/i);
        expect(got.alarm).to.match(/^alarm \d+$/);
        expect(got.counter).to.be.a("number").and.above(0);

        expect(await last("property", "label", "readproperty")).to.include({ ok: true, value: "from node-wot-vo" });
        expect(await last("property", "threshold", "writeproperty")).to.include({ ok: true, value: 42.5 });
        expect(await last("property", "threshold", "readproperty")).to.include({ ok: true, value: 42.5 });
        const invocations = await records("action", "double", "invokeaction");
        expect(invocations.map((r) => [r.ok, r.value])).to.deep.equal([
            [true, 21],
            [false, "twenty"],
        ]);
        expect(invocations[0].output).to.equal(42);
        expect(invocations[1].error).to.match(/input of action "double"/);
        const failed = await last("action", "failing", "invokeaction");
        expect(failed.ok).to.equal(false);
        expect(failed.error).to.include("the pump is off");
        expect(await last("event", "alarm", "subscribeevent")).to.include({ ok: true });
        expect(await last("property", "counter", "observeproperty")).to.include({ ok: true });
        // the consumer gone, its observation and subscription end (its Reset, or its silence)
        await waitFor(async () => (await records("event", "alarm", "unsubscribeevent")).length > 0, 30_000);
        await waitFor(async () => (await records("property", "counter", "unobserveproperty")).length > 0, 30_000);
        // nothing of it went over HTTP
        expect(await records("property", "threshold", "writeproperty", "http")).to.deep.equal([]);
    });

    it("the catalogue's TD lists vo-wot's HTTP and CoAP forms; wotpy2 with both clients takes CoAP for events", async function () {
        const td = (await (await fetch(`${catalogue}/pump`)).json()) as typeof TD & Record<string, unknown>;
        const forms = (a: unknown) => (a as { forms: { href: string; op: string[] }[] }).forms;
        const http = `http://127.0.0.1:${running.httpPort}/pump`;
        expect(td.base).to.equal(http);
        expect(forms(td.properties.threshold)).to.deep.equal([
            {
                href: `${http}/property/threshold`,
                contentType: "application/json",
                op: ["readproperty", "writeproperty"],
            },
            {
                href: `${coap}/property?thing=pump&name=threshold`,
                contentType: "application/json",
                op: ["readproperty", "writeproperty"],
            },
        ]);
        expect(forms(td.properties.counter).map((f) => [f.href, f.op])).to.deep.equal([
            [`${http}/property/counter`, ["readproperty"]],
            [`${http}/property/counter/subscription`, ["observeproperty"]],
            [`${coap}/property?thing=pump&name=counter`, ["readproperty", "observeproperty"]],
        ]);
        expect(forms(td.actions.double).map((f) => [f.href, f.op])).to.deep.equal([
            [`${http}/action/double`, ["invokeaction"]],
            [`${coap}/action?thing=pump&name=double`, ["invokeaction"]],
        ]);
        expect(forms(td.events.alarm).map((f) => [f.href, f.op])).to.deep.equal([
            [`${http}/event/alarm/subscription`, ["subscribeevent"]],
            [`${coap}/event?thing=pump&name=alarm`, ["subscribeevent"]],
        ]);
        const before = (await records("event", "alarm", "subscribeevent")).length;
        const got = await consume(this, "http,coap");
        expect(got).to.include({ label: "from node-wot-vo", threshold: 42.5, double: 42, failing: "the pump is off" });
        expect(got.alarm).to.match(/^alarm \d+$/);
        // properties and actions over HTTP, events over CoAP (wotpy2's preference)
        expect(await last("property", "threshold", "writeproperty", "http")).to.include({ ok: true, value: 42.5 });
        const invocations = await records("action", "double", "invokeaction", "http");
        expect(invocations.map((r) => [r.ok, r.value])).to.deep.equal([
            [true, 21],
            [false, "twenty"],
        ]);
        expect(await last("property", "counter", "observeproperty", "http")).to.include({ ok: true });
        expect((await records("event", "alarm", "subscribeevent")).length).to.equal(before + 1);
        expect(await records("event", "alarm", "subscribeevent", "http")).to.deep.equal([]);
    });

    it("answers the envelopes to libcoap's client, as vo-wot's server does", async function () {
        const put = await libcoap(["-m", "put", "-e", '{"value": 7}', `${coap}/property?thing=pump&name=threshold`]);
        expect(put.code).to.equal("2.04");
        const read = await libcoap(["-m", "get", `${coap}/property?thing=pump&name=threshold`]);
        expect([read.code, JSON.parse(read.stdout)]).to.deep.equal(["2.05", { value: 7 }]);
        expect(read.pdus.at(-1)).to.match(/Content-Format:application\/json/);
        const invoked = await libcoap(["-m", "post", "-e", '{"input": 4}', `${coap}/action?thing=pump&name=double`]);
        expect(invoked.code).to.equal("2.01");
        const { id } = JSON.parse(invoked.stdout) as { id: string };
        expect(id).to.match(/^[0-9a-f]{32}$/);
        const query = JSON.stringify({ id });
        await waitFor(async () => {
            const status = await libcoap(["-m", "get", "-e", query, `${coap}/action?thing=pump&name=double`]);
            return JSON.stringify(JSON.parse(status.stdout)) === JSON.stringify({ id, done: true, result: 8 });
        }, 5000);
        // a status query needs no query arguments (wotpy2 looks the id up alone)
        const bare = await libcoap(["-m", "get", "-e", query, `${coap}/action`]);
        expect(JSON.parse(bare.stdout)).to.deep.equal({ id, done: true, result: 8 });
        // an invocation under way, observed: done:false at once, then its outcome
        const slow = await libcoap(["-m", "post", "-e", '{"input": null}', `${coap}/action?thing=pump&name=slow`]);
        const slowId = (JSON.parse(slow.stdout) as { id: string }).id;
        const watched = await libcoap(["-m", "get", "-s", "5", "-e", JSON.stringify({ id: slowId }), `${coap}/action`]);
        expect(watched.stdout).to.include(`{"id":"${slowId}","done":false}`);
        expect(watched.stdout).to.include(`{"id":"${slowId}","done":true,"result":"done slowly"}`);
        const failed = await libcoap(["-m", "post", "-e", '{"input": null}', `${coap}/action?thing=pump&name=failing`]);
        const failedId = (JSON.parse(failed.stdout) as { id: string }).id;
        await waitFor(async () => {
            const status = await libcoap(["-m", "get", "-e", JSON.stringify({ id: failedId }), `${coap}/action`]);
            return (JSON.parse(status.stdout) as { error?: string }).error === "the pump is off";
        }, 5000);
        // events: the last emission sent to an observer here, once one observed
        const observed = await libcoap(["-m", "get", "-s", "2", `${coap}/event?thing=pump&name=alarm`]);
        expect(observed.stdout).to.match(/\{"name":"alarm","data":"alarm \d+","time":\d+\}/);
        const lastEmission = await libcoap(["-m", "get", `${coap}/event?thing=pump&name=alarm`]);
        expect(JSON.parse(lastEmission.stdout)).to.include({ name: "alarm" });
        const changes = await libcoap(["-m", "get", "-s", "2", `${coap}/property?thing=pump&name=counter`]);
        expect(changes.stdout.match(/\{"value":\d+\}/g)?.length).to.be.above(2);
    });

    it("is on for a vo-wot descriptor serving CoAP only (U)", function () {
        const only = parseDescriptor(DESCRIPTOR.replace("[H, U]", "[U]"), path.join(dir, "coap.yaml"), {});
        expect(only.persistence.protocols).to.deep.equal({ voWot: true });
        expect(only.httpPort).to.equal(undefined);
    });

    it('refuses bad requests 4.00, 4.04 and 4.05 with {"error"} naming the problem, never 5.00, recorded', async function () {
        const q = (route: string, name: string) => `${coap}/${route}?thing=pump&name=${name}`;
        const cases: [string[], string, RegExp][] = [
            [["-m", "put", "-e", '{"val":1}', q("property", "threshold")], "4.00", /"value".*"val"/],
            [["-m", "put", "-e", "not json", q("property", "threshold")], "4.00", /malformed JSON/],
            [["-m", "put", "-e", "[1]", q("property", "threshold")], "4.00", /JSON object/],
            [["-m", "put", q("property", "threshold")], "4.00", /empty/],
            [["-m", "put", "-e", '{"value":"high"}', q("property", "threshold")], "4.00", /threshold/],
            [["-m", "put", "-t", "0", "-e", '{"value":1}', q("property", "threshold")], "4.15", /text\/plain/],
            [["-m", "put", "-e", '{"value":"x"}', q("property", "label")], "4.05", /label/],
            [["-m", "post", "-e", "{}", q("action", "double")], "4.00", /"input".*no key/],
            [["-m", "post", "-e", '{"input":"two"}', q("action", "double")], "4.00", /input of action "double"/],
            [["-m", "get", `${coap}/property?thing=pump`], "4.00", /query arguments.*"name" missing/],
            [["-m", "get", `${coap}/event`], "4.00", /"thing" and "name" missing/],
            [["-m", "get", q("property", "nothing")], "4.04", /no property "nothing"/],
            [["-m", "get", `${coap}/property?thing=nobody&name=x`], "4.04", /no Thing "nobody"/],
            [["-m", "post", "-e", '{"input":1}', q("action", "nothing")], "4.04", /no action "nothing"/],
            [["-m", "get", q("event", "nothing")], "4.04", /no event "nothing"/],
            [["-m", "get", "-e", '{"id":"0123"}', q("action", "double")], "4.04", /no invocation "0123"/],
            [["-m", "get", q("action", "double")], "4.00", /"id".*empty/],
            [["-m", "get", `${coap}/action`], "4.00", /"id".*empty/],
            [["-m", "delete", q("property", "threshold")], "4.05", /DELETE is not allowed/],
            [["-m", "post", "-e", '{"value":1}', q("property", "threshold")], "4.05", /POST is not allowed/],
        ];
        for (const [args, code, message] of cases) {
            const answer = await libcoap(args);
            const what = args.join(" ");
            expect(answer.code, what).to.equal(code);
            expect(answer.pdus.at(-1), what).to.match(/Content-Format:application\/json/);
            expect(answer.errorPayload, what).to.match(/^\{"error":/);
            expect((JSON.parse(answer.errorPayload!) as { error: string }).error, what).to.match(message);
        }
        const refused = async (kind: Kind, name: string, op: string) =>
            (await records(kind, name, op)).filter((r) => !r.ok).map((r) => [r.value, r.error]);
        const writes = await refused("property", "threshold", "writeproperty");
        expect(writes.map(([v]) => v)).to.deep.include.members([{ val: 1 }, "not json", [1], "high"]);
        expect(writes.some(([, e]) => /text\/plain/.test(String(e)))).to.equal(true);
        expect((await refused("property", "label", "writeproperty")).length).to.be.above(0);
        const doubles = await refused("action", "double", "invokeaction");
        expect(doubles.map(([v]) => v)).to.deep.include.members([{}, "two", { id: "0123" }]);
        expect(doubles.some(([, e]) => /no invocation "0123"/.test(String(e)))).to.equal(true);
    });
});

describe("vo-wot's CoAP resources beside binding-coap's", function () {
    let off: VoFixture;
    let on: VoFixture;
    before(async () => {
        off = await startVo();
        on = await startVo({ protocols: { voWot: true } });
        for (const vo of [off, on]) {
            const thing = await vo.wot.produce({ title: "plain", properties: { x: { type: "number" } } });
            let x = 0;
            thing.setPropertyReadHandler("x", async () => x);
            thing.setPropertyWriteHandler("x", async (value) => void (x = (await value.value()) as number));
            await thing.expose();
        }
        // a Thing whose key is one of vo-wot's resources keeps its TD there
        await on.wot.produce({ title: "property", properties: { y: { type: "number" } } }).then((t) => t.expose());
    });
    after(async () => {
        await off?.close();
        await on?.close();
    });

    it("are off unless asked for: answered as binding-coap does, 4.04", async function () {
        const answer = await libcoap(["-m", "get", `coap://127.0.0.1:${off.coapPort}/property?thing=plain&name=x`]);
        expect(answer.code).to.equal("4.04");
    });

    it("leave a Thing keyed property its TD at /property, unless the query names a vo-wot resource", async function () {
        const td = await libcoapPayload(["-m", "get", `coap://127.0.0.1:${on.coapPort}/property`]);
        expect([td.code, (JSON.parse(td.payload.toString()) as { title: string }).title]).to.deep.equal([
            "2.05",
            "property",
        ]);
        const x = `coap://127.0.0.1:${on.coapPort}/property?thing=plain&name=x`;
        expect((await libcoap(["-m", "put", "-e", '{"value": 3}', x])).code).to.equal("2.04");
        const answer = await libcoap(["-m", "get", x]);
        expect([answer.code, JSON.parse(answer.stdout)]).to.deep.equal(["2.05", { value: 3 }]);
    });
});
