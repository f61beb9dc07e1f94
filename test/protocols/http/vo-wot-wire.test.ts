import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { HistoryRecord, InvalidOptionsError } from "../../../src";
import { resolveOptions } from "../../../src/options/vo-options";
import { parseDescriptor } from "../../../src/cli/descriptor";
import { runVo, RunningVo } from "../../../src/cli/run-vo";
import { ROOT } from "../../helpers/node-process";
import { startVo, tempDir, VoFixture, waitFor } from "../../helpers/vo-fixture";
import { runPython, voWotPythonFor } from "../../helpers/vo-wot-python";
import { httpRequest } from "./http-helpers";

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
    },
    events: { alarm: { data: { type: "string" } } },
};

const SCRIPT = `let n = 0;
module.exports = {
    properties: { label: { read: () => "from node-wot-vo" } },
    actions: { double: (x) => x * 2, failing: () => { throw new Error("the pump is off"); } },
    tick(ctx) { n++; ctx.thing.emitEvent("alarm", "alarm " + n); return ctx.setValue("counter", n); },
};`;

/** A vo-wot descriptor as vo-wot's own documentation writes one: HTTP only, a catalogue, SQLite. */
const DESCRIPTOR = `name: pump
type: VO
catalogue: 0
bindingNB:
    bindingModeNB: [H]
    hostname: 127.0.0.1
    bind: 127.0.0.1
    ports: { httpPort: 0 }
    securityNB: { securityScheme: nosec }
databaseConfig:
    persistentDB: { SQLite: enabled, dbFilePath: pump.db }
periodicFunction: { tick: 200 }
`;

describe("vo-wot's HTTP wire format on a VO run from a vo-wot descriptor", function () {
    this.timeout(60_000);
    let dir: string;
    let running: RunningVo;
    let base: string;
    let catalogue: string;

    before(async function () {
        dir = tempDir("node-wot-vo-vowot-");
        const td = path.join(dir, "pump.td.json");
        fs.writeFileSync(td, JSON.stringify(TD));
        const script = path.join(dir, "pump.js");
        fs.writeFileSync(script, SCRIPT);
        const config = parseDescriptor(DESCRIPTOR, path.join(dir, "pump.yaml"), {});
        expect(config.persistence.protocols).to.deep.equal({ voWot: true });
        running = await runVo({ config, tdFile: td, scriptFile: script, log: () => undefined });
        base = `http://127.0.0.1:${running.httpPort}/pump`;
        catalogue = `http://127.0.0.1:${running.vo.catalogue!.port}`;
    });
    after(async function () {
        await running?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const records = async (kind: "property" | "action" | "event", name: string, op: string) => {
        await running.vo.flush();
        const rows = await running.vo.history({ thing: THING, kind, name });
        return rows.filter((r) => r.op === op);
    };
    /** The newest record of `op` the client at `from` (127.0.0.1) made over HTTP. */
    const lastOverHttp = async (kind: "property" | "action" | "event", name: string, op: string) => {
        const rows = (await records(kind, name, op)).filter((r) => r.protocol === "http");
        expect(rows.length, `an http ${op} record of ${name}`).to.be.greaterThan(0);
        const row = rows[rows.length - 1];
        expect(row.origin).to.match(/^127\.0\.0\.1:\d+$/);
        return row;
    };

    it("an unchanged wotpy2 consumer reads, writes, invokes and subscribes, and each interaction is recorded", async function () {
        const python = voWotPythonFor(this);
        const { code, stdout, stderr } = await runPython(python, CONSUMER, [`${catalogue}/pump`]);
        expect(code, stderr).to.equal(0);
        const got = JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, unknown>;
        expect(got).to.include({ title: "pump", label: "from node-wot-vo", threshold: 42.5, double: 42 });
        // a failed invocation: vo-wot's {"error"}, which its client raises with the message
        expect(got.failing).to.equal("the pump is off");
        // an input breaking the schema: 400, which tornado's client raises
        expect(got.badInput).to.match(/400/);
        expect(got.alarm).to.match(/^alarm \d+$/);
        expect(got.counter).to.be.a("number").and.above(0);

        expect(await lastOverHttp("property", "label", "readproperty")).to.include({
            ok: true,
            value: "from node-wot-vo",
        });
        expect(await lastOverHttp("property", "threshold", "writeproperty")).to.include({ ok: true, value: 42.5 });
        expect(await lastOverHttp("property", "threshold", "readproperty")).to.include({ ok: true, value: 42.5 });
        const invocations = (await records("action", "double", "invokeaction")).filter((r) => r.protocol === "http");
        expect(invocations.map((r) => [r.ok, r.value])).to.deep.equal([
            [true, 21],
            [false, "twenty"],
        ]);
        expect(invocations[0].output).to.equal(42);
        const failed = await lastOverHttp("action", "failing", "invokeaction");
        expect(failed.ok).to.equal(false);
        expect(failed.error).to.include("the pump is off");
        expect(await lastOverHttp("event", "alarm", "subscribeevent")).to.include({ ok: true });
        expect(await lastOverHttp("property", "counter", "observeproperty")).to.include({ ok: true });
        // each long poll ends once answered (wotpy2 polls again for the next one)
        await waitFor(async () => (await records("event", "alarm", "unsubscribeevent")).length > 0, 10_000);
        await waitFor(async () => (await records("property", "counter", "unobserveproperty")).length > 0, 10_000);
    });

    it("the catalogue's TD lists vo-wot's paths; the HTTP server's TD keeps node-wot's forms", async function () {
        const td = (await (await fetch(`${catalogue}/pump`)).json()) as typeof TD & Record<string, unknown>;
        expect(td.base).to.equal(base);
        const forms = (a: unknown) => (a as { forms: { href: string; op: string[] }[] }).forms;
        expect(forms(td.properties.threshold)).to.deep.equal([
            {
                href: `${base}/property/threshold`,
                contentType: "application/json",
                op: ["readproperty", "writeproperty"],
            },
        ]);
        expect(forms(td.properties.label).map((f) => f.op)).to.deep.equal([["readproperty"]]);
        expect(forms(td.properties.counter).map((f) => [f.href, f.op])).to.deep.equal([
            [`${base}/property/counter`, ["readproperty"]],
            [`${base}/property/counter/subscription`, ["observeproperty"]],
        ]);
        expect(forms(td.actions.double).map((f) => f.href)).to.deep.equal([`${base}/action/double`]);
        expect(forms(td.events.alarm).map((f) => [f.href, f.op])).to.deep.equal([
            [`${base}/event/alarm/subscription`, ["subscribeevent"]],
        ]);
        expect(td).to.not.have.property("forms"); // readallproperties & co.: vo-wot's paths answer none
        const own = await (await fetch(base)).text();
        expect(own).to.include(`${base}/properties/threshold`);
        expect(own).to.not.include("/property/");
        const directory = await (await fetch(`${catalogue}/things/${encodeURIComponent(THING)}`)).text();
        expect(directory).to.not.include("/property/");
    });

    it("answers the envelopes over plain HTTP, as vo-wot's server does", async function () {
        const json = { "content-type": "application/json" };
        const put = await httpRequest(`${base}/property/threshold`, {
            method: "PUT",
            headers: json,
            body: JSON.stringify({ value: 7 }),
        });
        expect(put.status).to.equal(200);
        expect(put.body.length).to.equal(0);
        const read = await httpRequest(`${base}/property/threshold`);
        expect([read.status, JSON.parse(read.body.toString())]).to.deep.equal([200, { value: 7 }]);
        const invoked = await httpRequest(`${base}/action/double`, {
            method: "POST",
            headers: json,
            body: JSON.stringify({ input: 4 }),
        });
        expect(JSON.parse(invoked.body.toString())).to.deep.equal({ result: 8 });
        const failed = await httpRequest(`${base}/action/failing`, { method: "POST", headers: json, body: "{}" });
        expect([failed.status, JSON.parse(failed.body.toString())]).to.deep.equal([200, { error: "the pump is off" }]);
        const event = await httpRequest(`${base}/event/alarm/subscription`);
        expect(JSON.parse(event.body.toString()).payload).to.match(/^alarm \d+$/);
        const change = await httpRequest(`${base}/property/counter/subscription`);
        expect(JSON.parse(change.body.toString()).value).to.be.a("number");
    });

    it("refuses bad input with 400, unknown names with 404, naming the problem, never 500", async function () {
        const json = { "content-type": "application/json" };
        const cases: [string, string, Record<string, string>, string | undefined, number, RegExp][] = [
            ["PUT", "/property/threshold", json, '{"val": 1}', 400, /"value".*"val"/],
            ["PUT", "/property/threshold", json, "not json", 400, /malformed JSON/],
            ["PUT", "/property/threshold", json, "[1]", 400, /JSON object/],
            ["PUT", "/property/threshold", json, "", 400, /empty/],
            ["PUT", "/property/threshold", json, '{"value": "high"}', 400, /threshold/],
            ["PUT", "/property/threshold", { "content-type": "text/plain" }, "1", 415, /text\/plain/],
            ["POST", "/action/double", json, "{}", 400, /"input".*no key/],
            ["POST", "/action/double", json, '{"input": 1, "extra": 2}', 400, /"extra"/],
            ["GET", "/property/nothing", {}, undefined, 404, /no property "nothing"/],
            ["GET", "/action/nothing", {}, undefined, 404, /no action "nothing"/],
            ["GET", "/event/nothing/subscription", {}, undefined, 404, /no event "nothing"/],
            ["GET", "/property/threshold/subscription", {}, undefined, 404, /no observable property "threshold"/],
            ["PUT", "/property/label", json, '{"value": "x"}', 405, /PUT is not allowed/],
            ["GET", "/action/double", {}, undefined, 405, /GET is not allowed/],
        ];
        for (const [method, p, headers, body, status, message] of cases) {
            const answer = await httpRequest(`${base}${p}`, { method, headers, body });
            const what = `${method} ${p} ${body ?? ""}`;
            expect(answer.status, what).to.equal(status);
            expect(answer.headers["content-type"], what).to.equal("application/json");
            expect(JSON.parse(answer.body.toString()).error, what).to.match(message);
        }
        const nobody = await httpRequest(`http://127.0.0.1:${running.httpPort}/nobody/property/x`);
        expect([nobody.status, JSON.parse(nobody.body.toString())]).to.deep.equal([
            404,
            { error: 'no Thing "nobody"' },
        ]);
        // the refused write is recorded as refused, with what was sent
        const refused = (await records("property", "threshold", "writeproperty")).filter((r) => !r.ok);
        expect(refused.map((r) => r.value)).to.deep.include({ val: 1 });
        expect(refused.every((r: HistoryRecord) => r.protocol === "http")).to.equal(true);
    });
});

describe("vo-wot's wire format on a VO with basic security", function () {
    this.timeout(30_000);
    let dir: string;
    let running: RunningVo;

    before(async function () {
        dir = tempDir("node-wot-vo-vowot-basic-");
        const td = path.join(dir, "pump.td.json");
        fs.writeFileSync(td, JSON.stringify(TD));
        const script = path.join(dir, "pump.js");
        fs.writeFileSync(script, SCRIPT);
        const text = DESCRIPTOR.replace(
            "securityNB: { securityScheme: nosec }",
            "securityNB: { securityScheme: basic, usernameEnv: VO_USER, passwordEnv: VO_PASSWORD }"
        );
        const config = parseDescriptor(text, path.join(dir, "pump.yaml"), { VO_USER: "op", VO_PASSWORD: "pw" });
        running = await runVo({ config, tdFile: td, scriptFile: script, log: () => undefined });
    });
    after(async function () {
        await running?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("asks for the credentials before answering or recording anything", async function () {
        const base = `http://127.0.0.1:${running.httpPort}/pump`;
        const json = { "content-type": "application/json" };
        const anonymous = await httpRequest(`${base}/property/label`);
        expect(anonymous.status).to.equal(401);
        expect(anonymous.headers["www-authenticate"]).to.match(/^Basic/);
        const refused = await httpRequest(`${base}/property/label`, { method: "PUT", headers: json, body: "{}" });
        expect(refused.status).to.equal(401);
        const auth = { authorization: `Basic ${Buffer.from("op:pw").toString("base64")}` };
        const read = await httpRequest(`${base}/property/label`, { headers: auth });
        expect([read.status, JSON.parse(read.body.toString())]).to.deep.equal([200, { value: "from node-wot-vo" }]);
        await running.vo.flush();
        const rows = await running.vo.history({ thing: THING, kind: "property", name: "label" });
        expect(rows.map((r) => [r.op, r.ok])).to.deep.equal([["readproperty", true]]);
    });
});

describe("vo-wot's wire format is off unless asked for", function () {
    let vo: VoFixture;
    before(async () => (vo = await startVo()));
    after(async () => await vo?.close());

    it("a VO with default options answers vo-wot's paths as binding-http does: 404", async function () {
        await vo.wot.produce({ title: "plain", properties: { x: { type: "number" } } }).then((t) => t.expose());
        const answer = await httpRequest(`http://127.0.0.1:${vo.httpPort}/plain/property/x`);
        expect(answer.status).to.equal(404);
    });

    it("protocols.voWot is true or false, checked at attach", function () {
        expect(resolveOptions({}, {}).protocols.voWot).to.equal(false);
        expect(resolveOptions({ protocols: { voWot: true } }, {}).protocols.voWot).to.equal(true);
        expect(() => resolveOptions({ protocols: { voWot: "yes" as never } }, {}))
            .to.throw(InvalidOptionsError)
            .with.property("message")
            .that.includes("protocols.voWot");
    });
});
