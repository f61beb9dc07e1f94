import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { expect } from "chai";
import type { HistoryRecord } from "../../src";
import { parseDescriptor } from "../../src/cli/descriptor";
import { runVo, RunningVo } from "../../src/cli/run-vo";
import { tempDir, waitFor } from "../helpers/vo-fixture";
import { voWotPythonFor } from "../helpers/vo-wot-python";
import { VoWotVo } from "../helpers/vo-wot-vo";

/** The vo-wot VO: a property the cVO proxies, one it observes, two actions and an event. */
const VO1_TD = {
    "@context": ["https://www.w3.org/2022/wot/td/v1.1"],
    title: "vo1",
    id: "urn:dev:wot:vo1",
    securityDefinitions: { no_sc: { scheme: "nosec" } },
    security: "no_sc",
    properties: {
        temperature: { type: "number", observable: true },
        counter: { type: "integer", observable: true },
    },
    actions: {
        double: { input: { type: "integer" }, output: { type: "integer" } },
        failing: { input: { type: "integer" } },
    },
    events: { alarm: { data: { type: "string" } } },
};

/** vo-wot's script conventions: `<p>_init`, `<a>_handler(params)`, a periodic function. */
const VO1_SCRIPT = `
temperature_init = 20.5
counter_init = 0
n = 0

async def double_handler(params):
    return params["input"] * 2

async def failing_handler(params):
    raise Exception("vo1 refuses " + str(params["input"]))

async def tick():
    global n
    n += 1
    await exposed_thing.properties["counter"].write(n)
    exposed_thing.emit_event("alarm", "alarm " + str(n))
`;

const vo1Descriptor = (p: { catalogue: number; http: number; coap: number }) => `name: vo1
type: VO
catalogue: ${p.catalogue}
bindingNB:
    bindingModeNB: [H, U]
    hostname: 127.0.0.1
    ports: { httpPort: ${p.http}, coapPort: ${p.coap} }
    securityNB: { securityScheme: nosec }
databaseConfig:
    persistentDB: { SQLite: enabled, dbFilePath: vo1.db }
periodicFunction: { tick: 300 }
`;

const CVO = "urn:dev:wot:cvo";

/** The cVO's own Thing: what it proxies of vo1 and what its script saw of vo1. */
const CVO_TD = {
    "@context": ["https://www.w3.org/2022/wot/td/v1.1"],
    title: "cvo",
    id: CVO,
    securityDefinitions: { no_sc: { scheme: "nosec" } },
    security: "no_sc",
    properties: {
        temperature: { type: "number" },
        seenCounter: { type: "integer", readOnly: true },
        seenAlarm: { type: "string", readOnly: true },
    },
    actions: {
        double: { input: { type: "integer" }, output: { type: "integer" } },
        failing: { input: { type: "integer" } },
    },
    events: { alarm: { data: { type: "string" } } },
};

/** vo-wot's `counter_vo1_on_next` and `alarm_vo1_on_next`, as node-wot-vo's script names them. */
const CVO_SCRIPT = `module.exports = {
    setup: (ctx) => Promise.all([ctx.setValue("seenCounter", 0), ctx.setValue("seenAlarm", "")]),
    consumed: {
        vo1: {
            events: { alarm: (data, ctx) => ctx.setValue("seenAlarm", data) },
            propertyChanges: { counter: (value, ctx) => ctx.setValue("seenCounter", value) },
        },
    },
};`;

/** A cVO in vo-wot's descriptor dialect: vo1 consumed (an event, a property change) and proxied. */
const cvoDescriptor = (url: string) => `name: cvo
type: cVO
bindingNB:
    bindingModeNB: [H]
    hostname: 127.0.0.1
    bind: 127.0.0.1
    ports: { httpPort: 0 }
    securityNB: { securityScheme: nosec }
databaseConfig:
    persistentDB: { SQLite: enabled, dbFilePath: cvo.db }
consumedVOs:
    vo1:
        url: "${url}"
        events: [alarm]
        propertyChanges: [counter]
proxy:
    propertiesMap: { temperature: vo1 }
    actionsMap: { double: vo1, failing: vo1 }
    eventsMap: { alarm: vo1 }
`;

type Kind = "property" | "action" | "event";

/** The same cVO in node-wot-vo's own descriptor: `serves` for the proxy maps, vo-wot's paths served too. */
const ownCvoDescriptor = (url: string) => `name: cvo
address: 127.0.0.1
bind: 127.0.0.1
http: { port: 0 }
coap: false
protocols: { voWot: true }
databaseConfig: { persistent: { sqlite: { path: cvo.sqlite } } }
consumedVOs:
    vo1:
        url: "${url}"
        events: [alarm]
        propertyChanges: [counter]
        serves: { properties: [temperature], actions: [double, failing], events: [alarm] }
`;

/** A cVO run from its descriptor (vo-wot's dialect or node-wot-vo's own, with `extra` lines), in its own folder. */
async function startCvo(
    dir: string,
    url: string,
    dialect: "vo-wot" | "own" = "vo-wot",
    extra = ""
): Promise<RunningVo> {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "cvo.td.json"), JSON.stringify(CVO_TD));
    fs.writeFileSync(path.join(dir, "cvo.js"), CVO_SCRIPT);
    const yaml = (dialect === "vo-wot" ? cvoDescriptor(url) : ownCvoDescriptor(url)) + extra;
    const config = parseDescriptor(yaml, path.join(dir, "cvo.yaml"), {});
    return runVo({
        config,
        tdFile: path.join(dir, "cvo.td.json"),
        scriptFile: path.join(dir, "cvo.js"),
        log: () => undefined,
    });
}

/** A small HTTP server on 127.0.0.1 answering with `handler`; closed by the caller. */
async function serve(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
    const server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return {
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
    };
}

const getJson = async (url: string, init?: RequestInit) => {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    let body: unknown;
    try {
        body = text === "" ? undefined : (JSON.parse(text) as unknown);
    } catch {
        body = undefined; // an error's message
    }
    return { status: res.status, body, text };
};
const sendJson = (url: string, method: string, value: unknown) =>
    getJson(url, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(value) });

/** Where vo1 listens. */
interface Peer {
    http: number;
    coap?: number;
}

/** What vo1 itself holds, read over vo-wot's HTTP path (not through the cVO). */
const vo1Value = async (peer: Peer, name: string) =>
    ((await getJson(`http://127.0.0.1:${peer.http}/vo1/property/${name}`)).body as { value: unknown }).value;

/** Every check on a cVO consuming vo1, its interactions with vo1 over `protocol`. */
async function checkCvo(cvo: RunningVo, peer: Peer, protocol: "http" | "coap", temperature: number): Promise<void> {
    const base = `http://127.0.0.1:${cvo.httpPort}/cvo`;
    const records = async (thing: string, kind: Kind, name: string, op: string): Promise<HistoryRecord[]> => {
        await cvo.vo.flush();
        return (await cvo.vo.history({ thing, kind, name })).filter((r) => r.op === op);
    };
    // the script's handler sees vo1's property changes and events
    await waitFor(
        async () => ((await getJson(`${base}/properties/seenCounter`)).body as number) > 0,
        15_000,
        "a counter change"
    );
    await waitFor(
        async () => /^alarm \d+$/.test((await getJson(`${base}/properties/seenAlarm`)).body as string),
        15_000,
        "an alarm"
    );

    // a read of the proxied property is vo1's value
    const read = await getJson(`${base}/properties/temperature`);
    expect(read.status, read.text).to.equal(200);
    expect(read.body).to.equal(await vo1Value(peer, "temperature"));
    // a write reaches vo1
    const written = await sendJson(`${base}/properties/temperature`, "PUT", temperature);
    expect(written.status, written.text).to.be.oneOf([200, 204]);
    expect(await vo1Value(peer, "temperature")).to.equal(temperature);
    expect((await getJson(`${base}/properties/temperature`)).body).to.equal(temperature);
    // an invocation: vo1's result; a failure: vo1's message, as a failed invocation
    const doubled = await sendJson(`${base}/actions/double`, "POST", 21);
    expect(doubled.status, doubled.text).to.equal(200);
    expect(doubled.body).to.equal(42);
    const failed = await sendJson(`${base}/actions/failing`, "POST", 7);
    expect(failed.status).to.equal(500);
    expect(failed.text).to.include("vo1 refuses 7");
    // on vo-wot's path of the cVO (it serves vo-wot's wire format): vo-wot's {"error"}
    const failedVoWot = await sendJson(`${base}/action/failing`, "POST", { input: 8 });
    expect(failedVoWot.status).to.equal(200);
    expect(failedVoWot.body).to.deep.equal({ error: "vo1 refuses 8" });
    // the proxied event: vo1's next alarm, re-emitted by the cVO (node-wot's long poll)
    const alarm = await getJson(`${base}/events/alarm`);
    expect(alarm.status, alarm.text).to.equal(200);
    expect(alarm.body).to.match(/^alarm \d+$/);

    // the cVO's own Thing recorded the clients' interactions
    const own = async (kind: Kind, name: string, op: string) => {
        const rows = (await records(CVO, kind, name, op)).filter((r) => r.protocol === "http");
        expect(rows.length, `${op} ${name} of the cVO's Thing`).to.be.greaterThan(0);
        return rows[rows.length - 1];
    };
    expect(await own("property", "temperature", "writeproperty")).to.include({ ok: true, value: temperature });
    expect(await own("property", "temperature", "readproperty")).to.include({ ok: true, value: temperature });
    expect(await own("action", "double", "invokeaction")).to.include({ ok: true, value: 21, output: 42 });
    expect((await own("action", "failing", "invokeaction")).ok).to.equal(false);
    expect((await records(CVO, "event", "alarm", "emitevent")).length).to.be.greaterThan(0);

    // and what went through vo1, under vo1's id, over the protocol of the forms used
    const remote = async (kind: Kind, name: string, op: string) => {
        const rows = await records("urn:dev:wot:vo1", kind, name, op);
        expect(rows.length, `${op} ${name} of vo1`).to.be.greaterThan(0);
        const row = rows[rows.length - 1];
        expect(row.protocol).to.equal(protocol);
        const port = protocol === "http" ? peer.http : peer.coap;
        expect(row.origin).to.equal(`127.0.0.1:${port}`);
        return row;
    };
    expect(await remote("property", "temperature", "writeproperty")).to.include({ ok: true, value: temperature });
    expect(await remote("property", "temperature", "readproperty")).to.include({ ok: true, value: temperature });
    expect(await remote("action", "double", "invokeaction")).to.include({ ok: true, value: 21, output: 42 });
    expect(await remote("action", "failing", "invokeaction")).to.include({ ok: false, value: 8 });
    const failures = await records("urn:dev:wot:vo1", "action", "failing", "invokeaction");
    expect(failures.map((r) => [r.ok, r.value, r.error])).to.deep.equal([
        [false, 7, "vo1 refuses 7"],
        [false, 8, "vo1 refuses 8"],
    ]);
    expect(await remote("property", "counter", "observeproperty")).to.include({ ok: true });
    expect(await remote("event", "alarm", "subscribeevent")).to.include({ ok: true });
    const changes = await records("urn:dev:wot:vo1", "property", "counter", "propertychange");
    expect(changes.length).to.be.greaterThan(0);
    expect(changes.every((r) => r.ok && typeof r.value === "number")).to.equal(true);
    const alarms = await records("urn:dev:wot:vo1", "event", "alarm", "emitevent");
    // one delivery per poll (or notification), then the next: the subscription goes on
    expect(alarms.length).to.be.greaterThan(1);
    expect(alarms.map((r) => r.value).every((v) => /^alarm \d+$/.test(v as string))).to.equal(true);
}

describe("a composite VO consuming a real vo-wot VO", function () {
    this.timeout(90_000);
    let dir: string;
    let vo1: VoWotVo | undefined;
    let python: string;

    before(async function () {
        python = voWotPythonFor(this);
        dir = tempDir("node-wot-vo-vowot-consumed-");
        vo1 = await VoWotVo.start(python, { name: "vo1", td: VO1_TD, descriptor: vo1Descriptor, script: VO1_SCRIPT });
    });
    after(async function () {
        await vo1?.stop();
        if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("over HTTP, from vo1's catalogue URL: reads, writes, invokes, gets its event and its changes, all recorded", async function () {
        const cvo = await startCvo(path.join(dir, "http"), vo1!.catalogueUrl);
        try {
            await checkCvo(cvo, vo1!.ports, "http", 23.5);
        } finally {
            await cvo.stop();
        }
    });

    it("from node-wot-vo's own descriptor (consumedVOs with serves): the same over HTTP", async function () {
        const cvo = await startCvo(path.join(dir, "own"), vo1!.catalogueUrl, "own");
        try {
            await checkCvo(cvo, vo1!.ports, "http", 25.5);
        } finally {
            await cvo.stop();
        }
    });

    it("over CoAP, a vo-wot cVO with bindingModeSB [U] (a CoAP client only): the same", async function () {
        const cvo = await startCvo(
            path.join(dir, "coap"),
            vo1!.catalogueUrl,
            "vo-wot",
            "bindingSB: { bindingModeSB: [U] }"
        );
        try {
            await checkCvo(cvo, vo1!.ports, "coap", 24.5);
        } finally {
            await cvo.stop();
        }
    });

    it("the southbound choice: bindingModeSB [U] without H, or consumedVOs.<vo>.schemes, names the forms consumed", function () {
        const file = path.join(dir, "choice.yaml");
        const url = "http://127.0.0.1:9090/vo1";
        const voWot = parseDescriptor(`${cvoDescriptor(url)}bindingSB: { bindingModeSB: [U] }\n`, file, {});
        expect(voWot.consumedVOs?.vo1.schemes).to.deep.equal(["coap", "coaps"]);
        const both = parseDescriptor(`${cvoDescriptor(url)}bindingSB: { bindingModeSB: [H, U] }\n`, file, {});
        expect(both.consumedVOs?.vo1.schemes).to.equal(undefined);
        const own = ownCvoDescriptor(url).replace(
            "        events: [alarm]",
            "        schemes: [coap]\n        events: [alarm]"
        );
        expect(parseDescriptor(own, file, {}).consumedVOs?.vo1.schemes).to.deep.equal(["coap"]);
        expect(() => parseDescriptor(own.replace("schemes: [coap]", "schemes: [mqtt]"), file, {})).to.throw(
            /consumedVOs\.vo1\.schemes/
        );
    });

    it("as a proxied device (deployment type A): the mirror reads, invokes and relays vo1's event", async function () {
        const sub = path.join(dir, "mirror");
        fs.mkdirSync(sub, { recursive: true });
        const yaml = `name: mirror\naddress: 127.0.0.1\nbind: 127.0.0.1\nhttp: { port: 0 }\ncoap: false
databaseConfig: { persistent: { sqlite: { path: mirror.sqlite } } }
proxy: { td: "${vo1!.catalogueUrl}", title: vo1mirror, timeout: 5s }\n`;
        const config = parseDescriptor(yaml, path.join(sub, "mirror.yaml"), {});
        const proxy = await runVo({ config, log: () => undefined });
        try {
            const base = `http://127.0.0.1:${proxy.httpPort}/vo1mirror`;
            const read = await getJson(`${base}/properties/temperature`);
            expect(read.status, read.text).to.equal(200);
            expect(read.body).to.equal(await vo1Value(vo1!.ports, "temperature"));
            expect((await sendJson(`${base}/actions/double`, "POST", 5)).body).to.equal(10);
            const alarm = await getJson(`${base}/events/alarm`);
            expect(alarm.body).to.match(/^alarm \d+$/);
            await proxy.vo.flush();
            const mirror = proxy.proxy!.mirror.getThingDescription().id!;
            const rows = await proxy.vo.history({ thing: mirror, kind: "action", name: "double" });
            expect(rows.map((r) => [r.op, r.ok, r.value, r.output, r.protocol])).to.deep.equal([
                ["invokeaction", true, 5, 10, "http"],
            ]);
        } finally {
            await proxy.stop();
        }
    });

    /** A peer whose TD has vo-wot's forms (on itself) and whose answers `answer` gives; long polls are held open. */
    async function voWotPeer(td: (base: string) => object, answer: (req: http.IncomingMessage) => unknown) {
        let base = "";
        const server = await serve((req, res) => {
            if (req.url === "/vo1")
                return res.writeHead(200, { "content-type": "application/td+json" }).end(JSON.stringify(td(base)));
            if (req.url?.endsWith("/subscription")) return; // a long poll: nothing changes
            req.resume();
            req.on("end", () =>
                res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer(req)))
            );
        });
        base = server.url;
        return server;
    }
    const peerTd = (base: string, temperatureForms?: object[]) => ({
        ...VO1_TD,
        base: `${base}/vo1`,
        properties: {
            temperature: {
                type: "number",
                observable: true,
                oneOf: [],
                forms: temperatureForms ?? [
                    { href: `${base}/vo1/property/temperature`, op: ["readproperty", "writeproperty"] },
                    { href: `${base}/vo1/property/temperature/subscription`, op: ["observeproperty"] },
                ],
            },
            counter: {
                type: "integer",
                observable: true,
                forms: [{ href: `${base}/vo1/property/counter/subscription`, op: ["observeproperty"] }],
            },
        },
        actions: {
            double: {
                input: { type: "integer" },
                forms: [{ href: `${base}/vo1/action/double`, op: ["invokeaction"] }],
            },
            failing: { forms: [{ href: `${base}/vo1/action/failing`, op: ["invokeaction"] }] },
        },
        events: {
            alarm: {
                data: { type: "string" },
                forms: [{ href: `${base}/vo1/event/alarm/subscription`, op: ["subscribeevent"] }],
            },
        },
    });

    it("a vo-wot TD with a form of another shape stops the start, naming the consumed VO and the form", async function () {
        const peer = await voWotPeer(
            (base) => peerTd(base, [{ href: `${base}/things/vo1/properties/temperature`, op: ["readproperty"] }]),
            () => ({})
        );
        try {
            const started = Date.now();
            const err = await startCvo(path.join(dir, "malformed"), `${peer.url}/vo1`).then(
                (cvo) => (void cvo.stop(), undefined),
                (e: Error) => e
            );
            expect(err?.message).to.equal(
                `consumed VO vo1: its TD has vo-wot's forms, but property temperature's form ${peer.url}/things/vo1/properties/temperature is not one of vo-wot's URLs (${peer.url}/vo1)`
            );
            expect(Date.now() - started, "refused at once, not tried again").to.be.below(10_000);
        } finally {
            await peer.close();
        }
    });

    it("an answer without its envelope's key is a 503 naming the consumed VO and the affordance, recorded", async function () {
        const peer = await voWotPeer(
            (base) => peerTd(base),
            (req) => (req.method === "POST" ? { answer: 2 } : req.method === "PUT" ? {} : { val: 1 })
        );
        try {
            const cvo = await startCvo(path.join(dir, "envelope"), `${peer.url}/vo1`);
            try {
                const base = `http://127.0.0.1:${cvo.httpPort}/cvo`;
                const read = await getJson(`${base}/properties/temperature`);
                expect(read.status).to.equal(503);
                expect(read.text).to.include("consumed VO vo1: read of property temperature failed: ");
                expect(read.text).to.include(
                    `vo-wot answer from ${peer.url}/vo1/property/temperature has no "value": {"val":1}`
                );
                const invoked = await sendJson(`${base}/actions/double`, "POST", 2);
                expect(invoked.status).to.equal(503);
                expect(invoked.text).to.include("consumed VO vo1: invocation of action double failed: ");
                expect(invoked.text).to.include(`has neither "result" nor "error"`);
                // on the cVO's vo-wot path: the same refusal, with vo-wot's {"error"}
                const voWotRead = await getJson(`${base}/property/temperature`);
                expect(voWotRead.status).to.equal(503);
                expect((voWotRead.body as { error: string }).error).to.include(
                    "consumed VO vo1: read of property temperature"
                );
                // a write vo-wot answers (tornado's empty 200) goes through
                expect((await sendJson(`${base}/properties/temperature`, "PUT", 3)).status).to.be.oneOf([200, 204]);

                await cvo.vo.flush();
                const own = await cvo.vo.history({ thing: CVO, kind: "property", name: "temperature" });
                const reads = own.filter((r) => r.op === "readproperty");
                expect(reads.length).to.equal(2);
                expect(reads.every((r) => r.ok === false && String(r.error).includes("consumed VO vo1"))).to.equal(
                    true
                );
                const remote = await cvo.vo.history({
                    thing: "urn:dev:wot:vo1",
                    kind: "property",
                    name: "temperature",
                });
                expect(remote.filter((r) => r.op === "readproperty").map((r) => r.ok)).to.deep.equal([false, false]);
                expect(remote.filter((r) => r.op === "writeproperty").map((r) => [r.ok, r.value])).to.deep.equal([
                    [true, 3],
                ]);
            } finally {
                await cvo.stop();
            }
        } finally {
            await peer.close();
        }
    });
});

/** vo1 as a node-wot-vo VO run from a vo-wot descriptor: vo-wot's paths, its catalogue's TD with vo-wot's forms. */
const NODE_VO1_SCRIPT = `let n = 0;
module.exports = {
    setup: (ctx) => Promise.all([ctx.setValue("temperature", 20.5), ctx.setValue("counter", 0)]),
    actions: { double: (x) => x * 2, failing: (x) => { throw new Error("vo1 refuses " + x); } },
    tick(ctx) { n++; ctx.thing.emitEvent("alarm", "alarm " + n); return ctx.setValue("counter", n); },
};`;

const NODE_VO1_DESCRIPTOR = `name: vo1
type: VO
catalogue: 0
bindingNB:
    bindingModeNB: [H]
    hostname: 127.0.0.1
    bind: 127.0.0.1
    ports: { httpPort: 0 }
    securityNB: { securityScheme: nosec }
databaseConfig:
    persistentDB: { SQLite: enabled, dbFilePath: vo1.db }
periodicFunction: { tick: 300 }
`;

describe("a composite VO consuming a node-wot-vo VO from its catalogue's vo-wot TD", function () {
    this.timeout(60_000);
    let dir: string;
    let vo1: RunningVo | undefined;

    before(async function () {
        dir = tempDir("node-wot-vo-vowot-consumed-");
        fs.writeFileSync(path.join(dir, "vo1.td.json"), JSON.stringify(VO1_TD));
        fs.writeFileSync(path.join(dir, "vo1.js"), NODE_VO1_SCRIPT);
        const config = parseDescriptor(NODE_VO1_DESCRIPTOR, path.join(dir, "vo1.yaml"), {});
        const files = { tdFile: path.join(dir, "vo1.td.json"), scriptFile: path.join(dir, "vo1.js") };
        vo1 = await runVo({ config, ...files, log: () => undefined });
    });
    after(async function () {
        await vo1?.stop();
        if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("speaks vo-wot's wire format to it like to vo-wot: the same, recorded on both sides", async function () {
        const url = `http://127.0.0.1:${vo1!.vo.catalogue!.port}/vo1`;
        const td = (await getJson(url)).body as { properties: { temperature: { forms: { href: string }[] } } };
        expect(td.properties.temperature.forms[0].href).to.equal(
            `http://127.0.0.1:${vo1!.httpPort}/vo1/property/temperature`
        );
        const cvo = await startCvo(path.join(dir, "cvo"), url);
        try {
            await checkCvo(cvo, { http: vo1!.httpPort! }, "http", 26.5);
        } finally {
            await cvo.stop();
        }
        // vo1 recorded the cVO's requests on vo-wot's paths as its own interactions
        await vo1!.vo.flush();
        const rows = await vo1!.vo.history({ thing: "urn:dev:wot:vo1", kind: "property", name: "temperature" });
        const write = rows.filter((r) => r.op === "writeproperty" && r.protocol === "http");
        expect(write.map((r) => [r.ok, r.value])).to.deep.equal([[true, 26.5]]);
        const alarms = await vo1!.vo.history({ thing: "urn:dev:wot:vo1", kind: "event", name: "alarm" });
        expect(alarms.filter((r) => r.op === "subscribeevent" && r.protocol === "http").length).to.be.greaterThan(0);
    });
});
