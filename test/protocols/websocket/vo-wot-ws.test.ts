import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { HistoryRecord } from "../../../src";
import { parseDescriptor } from "../../../src/cli/descriptor";
import { runVo, RunningVo } from "../../../src/cli/run-vo";
import { freeTcpPort } from "../../helpers/free-port";
import { ROOT } from "../../helpers/node-process";
import { tempDir, waitFor } from "../../helpers/vo-fixture";
import { runPython, voWotPythonFor } from "../../helpers/vo-wot-python";
import { PUMP_SCRIPT, PUMP_TD } from "../../helpers/vo-wot-pump";
import { TestWsClient } from "./ws-clients";

const CONSUMER = path.join(ROOT, "test", "fixtures", "vo-wot", "wotpy-protocol-consumer.py");
const THING = "urn:dev:wot:test:ws-pump";

describe("vo-wot's WebSocket JSON-RPC on a VO run from a vo-wot descriptor", function () {
    this.timeout(60_000);
    let dir: string;
    let running: RunningVo;
    let wsPort: number;
    let catalogue: string;

    before(async function () {
        dir = tempDir("node-wot-vo-vowot-ws-");
        const td = path.join(dir, "pump.td.json");
        fs.writeFileSync(td, JSON.stringify({ ...PUMP_TD, id: THING }));
        const script = path.join(dir, "pump.js");
        fs.writeFileSync(script, PUMP_SCRIPT);
        wsPort = await freeTcpPort();
        const descriptor = [
            "name: pump",
            "type: VO",
            "catalogue: 0",
            "bindingNB:",
            "    bindingModeNB: [WS]",
            "    hostname: 127.0.0.1",
            "    bind: 127.0.0.1",
            `    ports: { websocketPort: ${wsPort} }`,
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
    });
    after(async function () {
        await running?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const records = async (kind: "property" | "action" | "event", name: string, op: string) => {
        await running.vo.flush();
        const rows = await running.vo.history({ thing: THING, kind, name });
        return rows.filter((r) => r.op === op && r.protocol === "ws");
    };
    const last = async (kind: "property" | "action" | "event", name: string, op: string): Promise<HistoryRecord> => {
        const rows = await records(kind, name, op);
        expect(rows.length, `a ws ${op} record of ${name}`).to.be.greaterThan(0);
        const row = rows[rows.length - 1];
        expect(row.origin).to.match(/^127\.0\.0\.1:\d+$/);
        return row;
    };

    it("the catalogue's TD lists the Thing's vo-wot socket for every affordance", async function () {
        const td = (await (await fetch(`${catalogue}/water-pump`)).json()) as Record<string, Record<string, unknown>>;
        const socket = `ws://127.0.0.1:${wsPort}/water-pump`;
        const forms = (a: unknown) => (a as { forms: { href: string; op: string[] }[] }).forms;
        expect(forms(td.properties.threshold)).to.deep.equal([
            { href: socket, contentType: "application/json", op: ["readproperty", "writeproperty"] },
        ]);
        expect(forms(td.properties.counter).map((f) => f.op)).to.deep.equal([["readproperty", "observeproperty"]]);
        expect(forms(td.actions.double).map((f) => f.href)).to.deep.equal([socket]);
        expect(forms(td.events.alarm).map((f) => [f.href, f.op])).to.deep.equal([[socket, ["subscribeevent"]]]);
    });

    it("an unchanged wotpy2 WebSocket client reads, writes, invokes and subscribes, each interaction recorded", async function () {
        const python = voWotPythonFor(this);
        const { code, stdout, stderr } = await runPython(python, CONSUMER, [`${catalogue}/water-pump`, "ws"]);
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
        const invocations = await records("action", "double", "invokeaction");
        expect(invocations.map((r) => [r.ok, r.value])).to.deep.equal([
            [true, 21],
            [false, "twenty"],
        ]);
        expect(invocations[0].output).to.equal(42);
        const failed = await last("action", "failing", "invokeaction");
        expect(failed.ok).to.equal(false);
        expect(failed.error).to.include("the pump is off");
        expect(await last("event", "alarm", "subscribeevent")).to.include({ ok: true });
        expect(await last("property", "counter", "observeproperty")).to.include({ ok: true });
        // the client disposes of its subscriptions by closing their sockets
        await waitFor(async () => (await records("event", "alarm", "unsubscribeevent")).length > 0, 10_000);
        await waitFor(async () => (await records("property", "counter", "unobserveproperty")).length > 0, 10_000);
    });

    it("answers JSON-RPC over a plain socket: results, subscriptions, dispose", async function () {
        const socket = await TestWsClient.open(`ws://127.0.0.1:${wsPort}/water-pump`);
        try {
            const rpc = (method: string, params: object) => socket.request({ jsonrpc: "2.0", method, params });
            expect(await rpc("write_property", { name: "threshold", value: 7 })).to.deep.include({ result: null });
            expect(await rpc("read_property", { name: "threshold" })).to.deep.include({ jsonrpc: "2.0", result: 7 });
            expect(await rpc("invoke_action", { name: "double", parameters: 4 })).to.deep.include({ result: 8 });
            const ended = (await records("property", "counter", "unobserveproperty")).length;
            const sub = (await rpc("on_property_change", { name: "counter" })).result as string;
            const change = await socket.waitFor((m) => m.subscription === sub);
            expect(change).to.deep.include({ name: "propertychange" });
            // nothing is delivered before the subscription's id (wotpy2 takes the first answer for it)
            const answered = socket.messages.findIndex((m) => m.result === sub);
            expect(answered).to.be.within(0, socket.messages.indexOf(change) - 1);
            expect((change.data as { name: string }).name).to.equal("counter");
            expect(await rpc("dispose", { subscription: sub })).to.deep.include({ result: sub });
            expect(await rpc("dispose", { subscription: sub })).to.deep.include({ result: null });
            // dispose ends the observation at once, recorded as such
            await waitFor(async () => (await records("property", "counter", "unobserveproperty")).length > ended, 5000);
        } finally {
            await socket.close();
        }
    });

    it("answers bad input with JSON-RPC errors naming the problem, records refusals, and keeps serving", async function () {
        const socket = await TestWsClient.open(`ws://127.0.0.1:${wsPort}/water-pump`);
        try {
            const raw = async (text: string) => {
                const before = socket.messages.length;
                socket.ws.send(text);
                await waitFor(async () => socket.messages.length > before, 5000);
                return socket.messages[socket.messages.length - 1];
            };
            const error = (m: Record<string, unknown>) => m.error as { code: number; message: string };
            expect(error(await raw("not json"))).to.include({ code: -32700 });
            expect(error(await raw("[1]"))).to.include({ code: -32600 });
            expect(error(await raw('{"jsonrpc": "2.0", "id": "five", "method": "nothing", "params": {}}'))).to.include({
                code: -32601,
            });
            const rpc = (method: string, params: object) => socket.request({ jsonrpc: "2.0", method, params });
            const cases: [string, object, number, RegExp][] = [
                ["read_property", {}, -32602, /"name"/],
                ["read_property", { name: "nothing" }, -32602, /no property "nothing"/],
                ["invoke_action", { name: "nothing" }, -32602, /no action "nothing"/],
                ["on_event", { name: "nothing" }, -32602, /no event "nothing"/],
                ["write_property", { name: "threshold" }, -32602, /"value" is required/],
                ["write_property", { name: "threshold", value: "high" }, -32602, /threshold/],
                ["write_property", { name: "label", value: "x" }, -32602, /label/],
                ["on_property_change", { name: "threshold" }, -32602, /not observable/],
                ["invoke_action", { name: "failing" }, -32603, /the pump is off/],
                ["on_td_change", {}, -32601, /not served/],
                ["dispose", {}, -32602, /"subscription"/],
            ];
            for (const [method, params, code, message] of cases) {
                const answer = await rpc(method, params);
                const what = `${method} ${JSON.stringify(params)}`;
                expect(answer.jsonrpc, what).to.equal("2.0");
                expect(error(answer), what).to.include({ code });
                expect(error(answer).message, what).to.match(message);
            }
            expect(await rpc("read_property", { name: "threshold" })).to.have.property("result");
        } finally {
            await socket.close();
        }
        const writes = await records("property", "threshold", "writeproperty");
        expect(writes.filter((r) => !r.ok).map((r) => r.value)).to.deep.include("high");
        expect(writes.some((r) => !r.ok && /"value" is required/.test(String(r.error)))).to.equal(true);
        const observations = await records("property", "threshold", "observeproperty");
        expect(observations.some((r) => !r.ok && /not observable/.test(String(r.error)))).to.equal(true);
        // node-wot's own socket paths are still served beside
        const own = await TestWsClient.open(`ws://127.0.0.1:${wsPort}/water-pump/properties/threshold`);
        try {
            expect(await own.request({ op: "readproperty" })).to.have.property("value");
        } finally {
            await own.close();
        }
    });
});
