import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { parseDescriptor } from "../../src/cli/descriptor";
import { InvalidRunError, runVo, RunningVo } from "../../src/cli/run-vo";
import { InvalidThingDescriptionError } from "../../src/cli/td-validation";
import { VoScriptError } from "../../src/cli/vo-script";
import { freeTcpPort } from "../helpers/free-port";
import { CLI, NodeProcess, ROOT } from "../helpers/node-process";
import { tempDir, waitFor } from "../helpers/vo-fixture";

const ROOM_TD = path.join(ROOT, "thing-descriptions", "room-log.td.json");

describe("node-wot-vo run: a VO from its descriptor, TD and script", function () {
    this.timeout(30_000);
    let dir: string;
    let running: RunningVo | undefined;
    const env = { ...process.env, VO_USER: "operator", VO_PASSWORD: "pw with spaces, 'quotes' and: colons" };

    beforeEach(() => (dir = tempDir("node-wot-vo-run-")));
    afterEach(async () => {
        await running?.stop();
        running = undefined;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** A descriptor in the temp dir, with any free ports. */
    const descriptor = (extra: string[] = [], coap = "coap: { port: 0 }") =>
        parseDescriptor(
            ["name: test-vo", "http: { port: 0 }", coap, "selfCheck: { interval: 0 }", ...extra].join("\n"),
            path.join(dir, "vo.yaml"),
            env
        );

    const script = (name: string, text: string) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, text);
        return file;
    };

    it("serves script handlers and held values, runs periodic functions, and records it all", async function () {
        const file = script(
            "room.js",
            `let samples = 0;
module.exports = {
    async setup(ctx) { await ctx.setValue("occupancy", 3); },
    tick(ctx) { samples++; return ctx.setValue("occupancy", 3 + samples); },
    properties: { recentNotes: { read: () => [{ id: 1, time: "t", text: "from the script" }] } },
    actions: { addNote: (input) => ({ id: input.text.length }) },
};`
        );
        running = await runVo({
            config: descriptor(["periodicFunctions: { tick: 50ms }"]),
            tdFile: ROOM_TD,
            scriptFile: file,
            log: () => undefined,
        });
        const base = `http://127.0.0.1:${running.httpPort}/roomlog`;
        const coap = `coap://127.0.0.1:${running.coapPort}`;
        expect(running.thingUrls()).to.deep.equal([
            { title: "VoStatus", urls: [`http://127.0.0.1:${running.httpPort}/vostatus`, `${coap}/vostatus`] },
            { title: "RoomLog", urls: [base, `${coap}/roomlog`] },
        ]);
        await waitFor(async () => ((await (await fetch(`${base}/properties/occupancy`)).json()) as number) >= 5);
        expect(await (await fetch(`${base}/properties/recentNotes`)).json()).to.deep.equal([
            { id: 1, time: "t", text: "from the script" },
        ]);
        const note = await fetch(`${base}/actions/addNote`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ text: "four" }),
        });
        expect(await note.json()).to.deep.equal({ id: 4 });
        await running.vo.flush();
        const changes = await running.vo.history({
            thing: "urn:dev:ops:room-log-1",
            kind: "property",
            name: "occupancy",
        });
        // setup's value, then one per tick, each a propertychange recorded as the VO's own
        const emitted = changes.filter((r) => r.op === "propertychange");
        expect(emitted.slice(0, 3).map((r) => [r.op, r.protocol, r.value])).to.deep.equal([
            ["propertychange", "local", 3],
            ["propertychange", "local", 4],
            ["propertychange", "local", 5],
        ]);
    });

    it("with basic security every Thing asks for the credentials from the environment", async function () {
        running = await runVo({
            config: descriptor(
                ["security: { scheme: basic, usernameEnv: VO_USER, passwordEnv: VO_PASSWORD }"],
                "coap: false"
            ),
            tdFile: ROOM_TD,
            log: () => undefined,
        });
        const url = `http://127.0.0.1:${running.httpPort}/roomlog/properties/occupancy`;
        const td = running.thing!.getThingDescription();
        expect(td.securityDefinitions).to.deep.equal({ basic_sc: { scheme: "basic", in: "header" } });
        expect((await fetch(url)).status).to.equal(401);
        const wrong = Buffer.from("operator:guess").toString("base64");
        expect((await fetch(url, { headers: { authorization: `Basic ${wrong}` } })).status).to.equal(401);
        const right = Buffer.from(`operator:${env.VO_PASSWORD}`).toString("base64");
        const ok = await fetch(url, { headers: { authorization: `Basic ${right}` } });
        expect(ok.status).to.equal(200);
        // the VO status Thing (observers, redirects, the device's address) is guarded the same way
        const status = `http://127.0.0.1:${running.httpPort}/vostatus/properties/redirects`;
        expect((await fetch(status)).status).to.equal(401);
        expect((await fetch(status, { headers: { authorization: `Basic ${right}` } })).status).to.equal(200);
        // and so is the history of each affordance
        const history = `${url}/history`;
        expect((await fetch(history)).status).to.equal(401);
        expect((await fetch(history, { headers: { authorization: `Basic ${wrong}` } })).status).to.equal(401);
        expect((await fetch(history, { headers: { authorization: `Basic ${right}` } })).status).to.equal(200);
    });

    it("device push: a client's write to a push property is the device's liveness and address", async function () {
        const device = ["device: { url: 'push:' }", "liveness: { interval: 150ms, lostAfter: 2, recoverAfter: 1 }"];
        const push = "push: { properties: [occupancy] }";
        const without = await runVo({ config: descriptor([...device, push]), log: () => undefined }).then(
            () => undefined,
            (e: Error) => e
        );
        expect(without).to.be.instanceOf(InvalidRunError);
        running = await runVo({ config: descriptor([...device, push]), tdFile: ROOM_TD, log: () => undefined });
        const vo = running.vo;
        await waitFor(() => vo.state.deviceLiveness.state === "lost", 5000, "no push yet: lost");
        const put = await fetch(`http://127.0.0.1:${running.httpPort}/roomlog/properties/occupancy`, {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: "9",
        });
        expect(put.status).to.equal(204);
        await waitFor(() => vo.state.deviceLiveness.state === "alive", 5000, "alive after a push");
        await waitFor(async () => (await vo.state.deviceIp()) === "127.0.0.1", 5000, "the device's address learned");
        expect(
            await (await fetch(`http://127.0.0.1:${running.httpPort}/roomlog/properties/occupancy`)).json()
        ).to.equal(9);
    });

    it("refuses a script that does not fit its TD and descriptor, naming every export at fault, before serving", async function () {
        const file = script(
            "bad.js",
            `module.exports = {
    setup: 1,
    properties: { occupancy: { read() {}, wirte() {} }, occupancyStats: { write() {} }, nope: {} },
    actions: { addNote: "not a function", deleteAll() {} },
};`
        );
        const err = await runVo({
            config: descriptor(["periodicFunctions: { sample: 1s }"]),
            tdFile: ROOM_TD,
            scriptFile: file,
            log: () => undefined,
        }).then(
            () => undefined,
            (e: Error) => e
        );
        expect(err).to.be.instanceOf(VoScriptError);
        expect((err as VoScriptError).problems).to.deep.equal([
            "setup: must be a function",
            "properties.occupancy.wirte: unknown key",
            "properties.occupancyStats.write: the property is readOnly in the TD",
            "properties.nope: the TD has no such property (it has: occupancy, occupancyStats, recentNotes)",
            "actions.addNote: must be a function",
            "actions.deleteAll: the TD has no such action (it has: addNote)",
            "sample: periodicFunctions names it, but the script exports no function sample",
        ]);
        const proxyHandlers = await runVo({
            config: descriptor(["proxy: { td: 'coap://127.0.0.1:1/device' }"]),
            scriptFile: script("handlers.js", "module.exports = { properties: { temperature: { read: () => 1 } } };"),
            log: () => undefined,
        }).then(
            () => undefined,
            (e: Error) => e
        );
        expect(proxyHandlers?.message).to.match(/properties: handlers need a Thing of the VO's own \(--td\)/);
        const broken = await runVo({
            config: descriptor(),
            scriptFile: script("syntax.js", "module.exports = {"),
            log: () => undefined,
        }).then(
            () => undefined,
            (e: Error) => e
        );
        expect(broken).to.be.instanceOf(VoScriptError);
        expect(broken!.message).to.match(/syntax\.js: cannot load: Unexpected end of input/);
    });

    it("refuses a TD that breaks the W3C TD 1.1 schema with its paths", async function () {
        const td = path.join(dir, "bad.td.json");
        fs.writeFileSync(td, JSON.stringify({ title: "T", properties: { p: { type: "integer", readOnly: "yes" } } }));
        const err = await runVo({ config: descriptor(), tdFile: td, log: () => undefined }).then(
            () => undefined,
            (e: Error) => e
        );
        expect(err).to.be.instanceOf(InvalidThingDescriptionError);
        expect(err!.message).to.include("/properties/p/readOnly: must be boolean");
    });
});

describe("the node-wot-vo command", function () {
    this.timeout(30_000);
    let dir: string;
    beforeEach(() => (dir = tempDir("node-wot-vo-cmd-")));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const cli = async (...args: string[]) => {
        const p = new NodeProcess([CLI, ...args]);
        const code = await p.exited();
        return { code, output: p.output };
    };

    it("reports descriptor errors with their paths and lines, and exits 2", async function () {
        const file = path.join(dir, "vo.yaml");
        fs.writeFileSync(file, "name: has space\nhttp: { port: 70000 }\nperiodicFunctions: { sample: soon }\n");
        const { code, output } = await cli("run", "--config", file);
        expect(code).to.equal(2);
        expect(output).to.include(`invalid VO descriptor ${file} (3 problems)`);
        expect(output).to.include(`${file}: name: must be 1 to 64 of the characters`);
        expect(output).to.include(`${file}: http.port:`);
        expect(output).to.include(`${file}: periodicFunctions.sample:`);
    });

    it("validates a TD, descriptor and script without running them; usage errors exit 2", async function () {
        const ok = await cli(
            "validate",
            "--td",
            "thing-descriptions/room-log.td.json",
            "--config",
            "examples/history-vo/vo.yaml",
            "examples/history-vo/script.js"
        );
        expect(ok.code).to.equal(0);
        expect(ok.output.split("\n").at(-2)).to.equal(
            "valid: VO history-vo, TD thing-descriptions/room-log.td.json, script examples/history-vo/script.js"
        );
        // without --config the VO is named after its TD's title and takes every default
        const bare = await cli("validate", "--td", "thing-descriptions/room-log.td.json");
        expect(bare).to.deep.equal({
            code: 0,
            output: [
                "listens on 127.0.0.1: HTTP 8080/tcp, CoAP 5683/udp",
                "advertises 127.0.0.1 (the host of the TDs' forms)",
                "valid: VO RoomLog, TD thing-descriptions/room-log.td.json",
                "",
            ].join("\n"),
        });
        const unknown = await cli("start");
        expect(unknown.code).to.equal(2);
        expect(unknown.output).to.match(/^node-wot-vo: unknown command "start"\nusage:/);
        const nothing = await cli("run");
        expect(nothing.code).to.equal(2);
        expect(nothing.output).to.include("give --td <thing description>, --config <descriptor>, or both");
        const help = await cli("--help");
        expect(help.code).to.equal(0);
        expect(help.output).to.match(/^usage:\n {2}node-wot-vo run/);
    });

    it("a script's unhandled rejection is reported and the VO keeps serving", async function () {
        const port = await freeTcpPort();
        const file = path.join(dir, "vo.yaml");
        fs.writeFileSync(file, `name: sturdy\nhttp: { port: ${port} }\ncoap: false\n`);
        const script = path.join(dir, "throws.js");
        fs.writeFileSync(
            script,
            'module.exports = { setup() { setTimeout(() => Promise.reject(new Error("listener failed")), 10); } };'
        );
        const vo = new NodeProcess([CLI, "run", "--td", "thing-descriptions/room-log.td.json", "-f", file, script]);
        try {
            await vo.waitForOutput("node-wot-vo: unhandled error, the VO keeps running: listener failed");
            const res = await fetch(`http://127.0.0.1:${port}/roomlog/properties/occupancy`);
            expect(res.status).to.equal(200);
        } finally {
            expect(await vo.stop()).to.equal(0);
        }
    });

    it("a composite VO that cannot follow a consumed VO exits 1 naming the consumed VO, the affordance and the URL tried", async function () {
        // a real VO the composite VO cannot follow: its Thing asks for basic credentials, which the composite
        // VO has none for (its TD is open to all)
        const env = { ...process.env, VO_USER: "operator", VO_PASSWORD: "secret" };
        const room = await runVo({
            config: parseDescriptor(
                [
                    "name: guarded",
                    "http: { port: 0 }",
                    "coap: false",
                    "selfCheck: { interval: 0 }",
                    "security: { scheme: basic, usernameEnv: VO_USER, passwordEnv: VO_PASSWORD }",
                ].join("\n"),
                path.join(dir, "room.yaml"),
                env
            ),
            tdFile: "thing-descriptions/room-log.td.json",
            log: () => undefined,
        });
        try {
            const url = `http://127.0.0.1:${room.httpPort}/roomlog`;
            const composite = async (follows: string) => {
                const name = `cvo-${follows.split(":")[0].toLowerCase()}`;
                const file = path.join(dir, `${name}.yaml`);
                const port = await freeTcpPort();
                const consumed = `consumedVOs: { room: { url: "${url}", ${follows}, timeout: 2s } }`;
                fs.writeFileSync(file, `name: ${name}\nhttp: { port: ${port} }\ncoap: false\n${consumed}\n`);
                return cli("run", "--config", file);
            };
            const [events, changes] = await Promise.all([
                composite("events: [crowded]"),
                composite("propertyChanges: [occupancy]"),
            ]);
            expect(events.code, events.output).to.equal(1);
            expect(events.output, events.output).to.include(
                `node-wot-vo: consumed VO room: cannot subscribe to event crowded at ${url}/events/crowded: `
            );
            expect(changes.code, changes.output).to.equal(1);
            expect(changes.output).to.include(
                `node-wot-vo: consumed VO room: cannot observe property occupancy at ${url}/properties/occupancy/observable: `
            );
        } finally {
            await room.stop();
        }
    });

    it("a VO that cannot start (its port taken) exits 1 with the reason", async function () {
        const file = path.join(dir, "vo.yaml");
        fs.writeFileSync(file, `name: taken\nhttp: { port: ${await freeTcpPort()} }\ncoap: false\n`);
        const first = new NodeProcess([CLI, "run", "--td", "thing-descriptions/room-log.td.json", "-f", file]);
        try {
            await first.waitForOutput("VO taken is running");
            const second = await cli("run", "--td", "thing-descriptions/room-log.td.json", "-f", file);
            expect(second.code).to.equal(1);
            expect(second.output).to.match(/^node-wot-vo: .*EADDRINUSE/m);
        } finally {
            expect(await first.stop()).to.equal(0);
        }
    });
});
