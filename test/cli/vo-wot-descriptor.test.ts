import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { parseDocument } from "yaml";
import { DescriptorError, loadDescriptorReport, parseDescriptor, readDescriptor } from "../../src/cli/descriptor";
import { migrateDescriptor } from "../../src/cli/migrate";
import { mappingLine } from "../../src/cli/vo-wot-descriptor";
import { wsProbe } from "../../src/protocols/websocket/ws-probe";
import { coapRequest } from "../protocols/coap/coap-clients";
import { freeTcpPort, freeUdpPort } from "../helpers/free-port";
import { influxForTests, InfluxServer } from "../helpers/influxdb-server";
import { CLI, NodeProcess, ROOT } from "../helpers/node-process";
import { tempDir } from "../helpers/vo-fixture";

const FIXTURES = path.join(ROOT, "test", "fixtures", "vo-wot");
const fixture = (name: string) => path.join(FIXTURES, name);
const TOKEN = "vo1-SECRET-influx-token";
const ENV = { VO1_INFLUX_TOKEN: TOKEN };

function refused(text: string, env: NodeJS.ProcessEnv = ENV): DescriptorError {
    try {
        parseDescriptor(text, path.join(FIXTURES, "bad.yaml"), env);
    } catch (err) {
        expect(err).to.be.instanceOf(DescriptorError);
        return err as DescriptorError;
    }
    throw new Error("the descriptor was accepted");
}
const problemAt = (e: DescriptorError, p: string) => e.problems.find((x) => x.path === p);
/** 1-based line of the first line of a fixture holding `text` */
const lineOf = (name: string, text: string) =>
    fs
        .readFileSync(fixture(name), "utf8")
        .split("\n")
        .findIndex((l) => l.includes(text)) + 1;

describe("vo-wot descriptors, read as they are", function () {
    it("a plain VO (HTTP, CoAP, SQLite, a catalogue): every key mapped or noted, none warned", function () {
        const r = loadDescriptorReport(fixture("plain-vo.yaml"), {});
        expect(r.dialect).to.equal("vo-wot");
        expect(r.config).to.deep.equal({
            name: "vo2",
            // vo-wot listens on every interface; hostname is what its TDs advertise
            bind: "0.0.0.0",
            address: "127.0.0.1",
            httpPort: 8080,
            coapPort: 5683,
            security: { scheme: "nosec" },
            persistence: {
                sqlite: { path: path.join(FIXTURES, "vo2.db") },
                vo: { selfCheckIntervalMs: 30_000, selfCheckTimeoutMs: 2000, keepStatusRows: 10_000 },
                catalogue: { port: 9090, host: "0.0.0.0" },
                // H: vo-wot's clients speak its own paths and envelopes (protocols/http/vo-wot-http-routes.ts)
                protocols: { voWot: true },
            },
            periodic: {},
            descriptorDir: FIXTURES,
        });
        const l = r.mappings.map(mappingLine);
        expect(l).to.include.members([
            "bindingNB.ports.httpPort: 8080 -> http.port 8080",
            "bindingNB.ports.coapPort: 5683 -> coap.port 5683",
            "bindingNB.bindingModeNB[0]: H -> http on",
            "bindingNB.bindingModeNB[0]: H -> protocols.voWot true (vo-wot's HTTP paths and envelopes, beside node-wot's forms)",
            "bindingNB.bindingModeNB[1]: U -> coap on",
            "bindingNB.securityNB.securityScheme: nosec -> security.scheme nosec",
            "bindingNB.bind: (absent: vo-wot listens on every interface) -> bind 0.0.0.0",
            "bindingNB.hostname: 127.0.0.1 -> address 127.0.0.1 (what the TDs advertise)",
            "catalogue: 9090 -> catalogue 9090 (/, /<thing> and /.well-known/wot)",
        ]);
        // every key of the file has its line: the `None` ones as unset, as vo-wot reads them
        expect(r.mappings.map((m) => m.from)).to.include.members(["type", "resourceType", "deploymentType"]);
        expect(r.mappings.filter((m) => m.kind === "warning").map((m) => m.from)).to.deep.equal([]);
    });

    it("a VO with InfluxDB: the token from dbTokenEnv; the MQTT client and vo-wot's status functions warned", function () {
        const r = loadDescriptorReport(fixture("influx-vo.yaml"), ENV);
        expect(r.config.persistence.influxdb).to.deep.equal({ url: "http://127.0.0.1:8086", org: "wot", token: TOKEN });
        expect(r.config.periodic).to.deep.equal({ check: 1000, read_property_from_device_1: 5000 });
        expect(r.config.persistence.sqlite.path).to.equal(path.join(FIXTURES, "data", "vo1.sqlite"));
        const l = r.mappings.map(mappingLine);
        expect(l).to.include.members([
            "databaseConfig.timeseriesDB.address: http://127.0.0.1:8086 -> databaseConfig.timeseries.influxdb.url http://127.0.0.1:8086",
            "databaseConfig.timeseriesDB.dbTokenEnv: VO1_INFLUX_TOKEN -> databaseConfig.timeseries.influxdb.tokenEnv VO1_INFLUX_TOKEN",
            "periodicFunction.check: 1000 -> periodicFunctions.check 1000 ms",
            'genericFunction[0]: mean_value -> a script calls ctx.vo.mean({ thing, name, from: "-10m", last: horizon }) (the mean of the newest horizon values of the last 10 minutes)',
        ]);
        expect(r.mappings.filter((m) => m.kind === "warning").map((m) => m.from)).to.deep.equal([
            "catalogue", // vo-wot's clients find TDs with vo-wot's forms on the catalogue only
            "bindingSB.bindingModeSB[1]",
            "bindingSB.brokerIP",
            "genericFunction[1]",
            "genericFunction[2]",
        ]);
        expect(JSON.stringify(r.mappings)).to.not.include(TOKEN);
        // the variable must be set, and is named, never read out
        const e = refused(fs.readFileSync(fixture("influx-vo.yaml"), "utf8"), {});
        expect(e.problems.map((p) => [p.path, p.message])).to.deep.equal([
            [
                "databaseConfig.timeseriesDB.dbTokenEnv",
                "names the environment variable VO1_INFLUX_TOKEN, which is not set",
            ],
        ]);
        expect(e.problems[0].line).to.equal(lineOf("influx-vo.yaml", "dbTokenEnv: VO1_INFLUX_TOKEN")).and.above(1);
    });

    it("a cVO: consumedVOs and the proxy maps become consumedVOs with what each serves; WebSocket mapped", function () {
        const r = loadDescriptorReport(fixture("cvo.yaml"), {});
        expect(r.config).to.include({ name: "cvo", httpPort: 8080, coapPort: 5683 });
        expect(r.config.periodic).to.deep.equal({ sample: 2000 });
        expect(r.config.persistence).to.not.have.property("influxdb");
        expect(r.config.persistence.websocket).to.deep.equal({ port: 8081, address: "0.0.0.0" });
        expect(r.config.consumedVOs).to.deep.equal({
            vo1: {
                url: "http://127.0.0.1:9090/vo1",
                propertyChanges: ["temperature"],
                serves: { properties: ["temperature", "humidity"], actions: ["currentValues"] },
            },
            vo2: { url: "http://127.0.0.1:9091/vo2", events: ["smokeDetected"], serves: { events: ["smokeDetected"] } },
        });
        expect(r.mappings.map(mappingLine)).to.include.members([
            "bindingNB.bindingModeNB[2]: WS -> websocket on",
            "bindingNB.ports.websocketPort: 8081 -> websocket.port 8081",
            "consumedVOs.vo1: http://127.0.0.1:9090/vo1 -> consumedVOs.vo1 http://127.0.0.1:9090/vo1 (consumed at start)",
            "proxy.propertiesMap.humidity: vo1 -> consumedVOs.vo1.serves.properties humidity",
            "proxy.eventsMap.smokeDetected: vo2 -> consumedVOs.vo2.serves.events smokeDetected",
            'genericFunction[0]: forecasting -> a script calls ctx.vo.forecast({ thing, name, from: "-10m", horizon: 1 }) (ARIMA(1,1,1) over the last 10 minutes, the next step)',
        ]);
        // forecasting is ctx.vo.forecast(): nothing left unhonoured
        expect(r.mappings.filter((m) => m.kind === "warning").map((m) => m.from)).to.deep.equal([]);
    });

    for (const name of ["plain-vo.yaml", "influx-vo.yaml", "cvo.yaml"]) {
        it(`migrate round-trips ${name}: the descriptor it writes reads to the same RunConfig`, function () {
            const source = fixture(name);
            const report = loadDescriptorReport(source, ENV);
            const text = migrateDescriptor(report, source);
            const again = readDescriptor(text, source, ENV);
            expect(again.dialect).to.equal("node-wot-vo");
            expect(again.config).to.deep.equal(report.config);
            expect(text).to.include(`# vo-wot bindingNB.ports.httpPort: 8080\n    port: 8080`);
            for (const m of report.mappings.filter((x) => x.kind === "warning")) {
                expect(text).to.include(`#   ${m.from}: `);
            }
            // written elsewhere, relative paths follow: the same files
            const dir = tempDir("node-wot-vo-migrate-");
            try {
                const out = path.join(dir, "nested", "vo.yaml");
                const moved = readDescriptor(migrateDescriptor(report, source, out), out, ENV);
                expect({ ...moved.config, descriptorDir: FIXTURES }).to.deep.equal(report.config);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }

    it("migrate keeps node-wot-vo's own keys a vo-wot descriptor may carry: metrics and retention", function () {
        const source = path.join(FIXTURES, "own-keys.yaml");
        const text =
            "name: a\ntype: VO\nbindingNB:\n    bindingModeNB: [H]\nmetrics: false\nretention: { raw: 14d, event: 90d }\n";
        const report = readDescriptor(text, source, ENV);
        const again = readDescriptor(migrateDescriptor(report, source), source, ENV);
        expect(again.dialect).to.equal("node-wot-vo");
        expect(again.config.persistence.retention).to.deep.equal({ raw: "14d", event: "90d" });
        expect(again.config.persistence.metrics).to.equal(false);
        expect(again.config).to.deep.equal(report.config);
    });

    it("names a misspelled key with the key probably meant", function () {
        const e = refused(
            "name: a\ntype: VO\nbindingNB:\n    bindingModeNB: [H]\n    ports:\n        httpPrt: 8080\nconsumedVO: {}\n"
        );
        expect(problemAt(e, "bindingNB.ports.httpPrt")).to.include({
            message: "unknown key (did you mean httpPort?)",
            line: 6,
        });
        expect(problemAt(e, "consumedVO")?.message).to.equal("unknown key (did you mean consumedVOs?)");
    });

    it("refuses binding modes it cannot serve or does not know", function () {
        const rtsp = refused('name: a\nbindingNB:\n    bindingModeNB: ["RTSP"]\n');
        expect(rtsp.problems.map((p) => p.path)).to.deep.equal(["bindingNB.bindingModeNB[0]"]);
        expect(rtsp.problems[0].message).to.match(/^RTSP \(RTSP\) is not supported by node-wot-vo/);
        expect(rtsp.problems[0].line).to.equal(3);
        const c = refused("name: a\nbindingNB:\n    bindingModeNB: [H, C]\n");
        expect(problemAt(c, "bindingNB.bindingModeNB[1]")?.message).to.match(
            /^unknown binding mode \(vo-wot spells CoAP U\): vo-wot knows H \(HTTP\), U \(CoAP\), M \(MQTT\), WS/
        );
        // MQTT needs its broker
        const m = refused("name: a\nbindingNB:\n    bindingModeNB: [M]\n");
        expect(m.problems.map((p) => [p.path, p.message])).to.deep.equal([
            [
                "bindingNB.brokerIP",
                "is required with M (MQTT) in bindingModeNB: the broker the VO exposes its Things through",
            ],
        ]);
        // and with it, MQTT alone is served
        const alone = readDescriptor(
            "name: a\nbindingNB:\n    bindingModeNB: [M]\n    brokerIP: 127.0.0.1:1883\n",
            "a.yaml",
            {}
        );
        expect(alone.config.persistence.mqtt).to.deep.equal({ broker: "mqtt://127.0.0.1:1883" });
        expect(alone.config).to.not.have.property("httpPort");
        // basic security over a WebSocket server that checks nothing is refused
        const open = refused(
            "name: a\nbindingNB:\n    bindingModeNB: [H, WS]\n    securityNB:\n        securityScheme: basic\n        usernameEnv: U\n        passwordEnv: P\n",
            { U: "u", P: "p" }
        );
        expect(problemAt(open, "bindingNB.bindingModeNB")?.message).to.match(
            /^WS \(WebSocket\) with securityScheme basic/
        );
    });

    it("refuses a literal dbToken, and other literal secrets, without echoing them", function () {
        const text = fs
            .readFileSync(fixture("influx-vo.yaml"), "utf8")
            .replace("dbTokenEnv: VO1_INFLUX_TOKEN", "dbToken: my-SECRET-literal-token\n        dbPass: pw-SECRET");
        const e = refused(text);
        const p = problemAt(e, "databaseConfig.timeseriesDB.dbToken");
        expect(p?.message).to.match(/literal token is refused.*dbTokenEnv.*dbTokenFile/);
        expect(p?.line).to.equal(lineOf("influx-vo.yaml", "dbTokenEnv: VO1_INFLUX_TOKEN"));
        expect(problemAt(e, "databaseConfig.timeseriesDB.dbPass")?.message).to.match(/literal password is refused/);
        // without a token source the InfluxDB block is reported too
        expect(problemAt(e, "databaseConfig.timeseriesDB")?.message).to.match(/tokenEnv|tokenFile/);
        expect(e.message).to.not.include("SECRET");
        expect(e.stack).to.not.include("SECRET");
        expect(JSON.stringify(e.problems)).to.not.include("SECRET");
        const basic = refused(
            "name: a\nbindingNB:\n    bindingModeNB: [H]\n    securityNB: { securityScheme: basic, username: u, password: hunter2-SECRET }\n"
        );
        // each literal refused, and the environment variables that replace them asked for
        expect(basic.problems.map((x) => x.path)).to.have.members([
            "bindingNB.securityNB.username",
            "bindingNB.securityNB.password",
            "bindingNB.securityNB.usernameEnv",
            "bindingNB.securityNB.passwordEnv",
        ]);
        expect(basic.message).to.not.include("SECRET");
    });

    it("refuses what would run the VO open or wrong: bearer with nothing to accept or over CoAP, half HTTPS, basic over CoAP, a proxy to no consumed VO", function () {
        const e = refused(
            [
                "name: a",
                "bindingNB:",
                "    bindingModeNB: [H, U]",
                "    serverCert: /etc/vo/cert.pem",
                "    securityNB: { securityScheme: bearer }",
                "periodicFunction: { example_function: 0 }",
                "proxy: { propertiesMap: { temperature: vo9 } }",
            ].join("\n")
        );
        expect(e.problems.map((p) => p.path)).to.deep.equal([
            "bindingNB.bindingModeNB",
            "bindingNB.serverCert",
            "bindingNB.securityNB.securityScheme",
            "periodicFunction.example_function",
            "proxy.propertiesMap.temperature",
        ]);
        // HTTPS and bearer as node-wot-vo reads them: files named, read and checked, errors at vo-wot's keys
        const https = refused(
            [
                "name: a",
                "bindingNB:",
                "    bindingModeNB: [H]",
                "    serverCert: /etc/vo/no-cert.pem",
                "    serverKey: /etc/vo/no-key.pem",
                "    securityNB: { securityScheme: bearer, tokensEnv: VO_TOKENS }",
            ].join("\n"),
            { VO_TOKENS: "t1,t2" }
        );
        expect(https.problems.map((p) => `${p.path}: ${p.message}`)).to.deep.equal([
            "bindingNB.serverCert: cannot read /etc/vo/no-cert.pem: ENOENT",
            "bindingNB.serverKey: cannot read /etc/vo/no-key.pem: ENOENT",
        ]);
        const bearer = parseDescriptor(
            "name: a\nbindingNB:\n    bindingModeNB: [H]\n    securityNB: { securityScheme: bearer, tokensEnv: VO_TOKENS }\n",
            "a.yaml",
            { VO_TOKENS: "t1, t2" }
        );
        expect(bearer.security).to.deep.equal({ scheme: "bearer", tokens: ["t1", "t2"] });
        const b = refused(
            "name: a\nbindingNB:\n    securityNB: { securityScheme: basic, usernameEnv: U, passwordEnv: P }\n",
            { U: "u", P: "p" }
        );
        expect(b.problems.map((p) => p.path)).to.deep.equal(["bindingNB.bindingModeNB"]);
        expect(b.problems[0].message).to.match(/open over CoAP/);
        const ok = parseDescriptor(
            "name: a\nbindingNB:\n    bindingModeNB: [H]\n    securityNB: { securityScheme: basic, usernameEnv: U, passwordEnv: P }\n",
            "a.yaml",
            { U: "u", P: "p" }
        );
        expect(ok.security).to.deep.equal({ scheme: "basic", username: "u", password: "p" });
        expect(ok).to.not.have.property("coapPort");
    });

    it("refuses a document mixing both dialects, naming the keys", function () {
        const e = refused("name: a\nbindingNB: { bindingModeNB: [H] }\nhttp: { port: 1 }\nperiodicFunctions: {}\n");
        expect(e.problems.map((p) => [p.path, p.line])).to.deep.equal([
            ["http", 3],
            ["periodicFunctions", 4],
        ]);
        expect(e.problems[0].message).to.match(
            /^is a node-wot-vo key in a vo-wot descriptor \(vo-wot keys here: bindingNB\)/
        );
    });

    it("reports malformed YAML with line:column", function () {
        const e = refused("name: a\nbindingNB:\n    bindingModeNB: [H, U\n    hostname: x\n");
        expect(e.problems[0].path).to.match(/^\d+:\d+$/);
        expect(e.problems[0].line).to.be.at.least(3);
    });
});

describe("node-wot-vo validate, migrate and run with vo-wot descriptors", function () {
    this.timeout(60_000);
    let dir: string;
    beforeEach(() => (dir = tempDir("node-wot-vo-vowot-")));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const cli = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
        const p = new NodeProcess([CLI, ...args], env);
        return { code: await p.exited(), output: p.output };
    };

    it("validate prints one line per key and the warnings; migrate -o writes a descriptor that validates", async function () {
        const v = await cli(["validate", "-t", fixture("cvo.td.json"), "-f", fixture("cvo.yaml"), fixture("cvo.js")]);
        expect(v.code).to.equal(0);
        const out = v.output.split("\n");
        expect(out[0]).to.equal(`vo-wot descriptor ${fixture("cvo.yaml")}: what each key became`);
        expect(out).to.include("  bindingNB.ports.httpPort: 8080 -> http.port 8080");
        expect(out).to.include("  periodicFunction.sample: 2000 -> periodicFunctions.sample 2000 ms");
        expect(out).to.include("  catalogue: 9090 -> catalogue 9090 (/, /<thing> and /.well-known/wot)");
        // genericFunction: [forecasting] is ctx.vo.forecast(), told, not warned
        expect(out.filter((l) => l.startsWith("  warning: "))).to.deep.equal([]);
        expect(out).to.include(
            '  genericFunction[0]: forecasting -> a script calls ctx.vo.forecast({ thing, name, from: "-10m", horizon: 1 }) (ARIMA(1,1,1) over the last 10 minutes, the next step)'
        );
        expect(out).to.include(`valid: VO cvo, TD ${fixture("cvo.td.json")}, script ${fixture("cvo.js")}`);

        const target = path.join(dir, "cvo.yaml");
        const m = await cli(["migrate", fixture("cvo.yaml"), "-o", target]);
        expect(m).to.deep.equal({ code: 0, output: `node-wot-vo: wrote ${target}\n` });
        const again = await cli(["validate", "-t", fixture("cvo.td.json"), "-f", target, fixture("cvo.js")]);
        expect(again).to.deep.equal({
            code: 0,
            output: [
                "listens on 0.0.0.0 (every IPv4 interface): HTTP 8080/tcp, CoAP 5683/udp, WebSocket 8081/tcp, catalogue 9090/tcp",
                "advertises 127.0.0.1 (the host of the TDs' forms)",
                `valid: VO cvo, TD ${fixture("cvo.td.json")}, script ${fixture("cvo.js")}`,
                "",
            ].join("\n"),
        });
        const refusedAgain = await cli(["migrate", target]);
        expect(refusedAgain.code).to.equal(2);
        expect(refusedAgain.output).to.include("is already a node-wot-vo descriptor");
        const secret = path.join(dir, "secret.yaml");
        fs.writeFileSync(
            secret,
            fs
                .readFileSync(fixture("influx-vo.yaml"), "utf8")
                .replace("dbTokenEnv: VO1_INFLUX_TOKEN", "dbToken: my-SECRET")
        );
        const s = await cli(["migrate", secret]);
        expect(s.code).to.equal(2);
        expect(s.output).to.include(`${secret}: databaseConfig.timeseriesDB.dbToken: a literal token is refused`);
        expect(s.output).to.not.include("my-SECRET");
    });

    const fixtures: [string, string, string | undefined][] = [
        ["plain-vo.yaml", "vo2.td.json", undefined],
        ["influx-vo.yaml", "vo1.td.json", "vo1.js"],
        ["cvo.yaml", "cvo.td.json", "cvo.js"],
    ];
    for (const [name, td, script] of fixtures) {
        it(`run serves ${name}'s TD over HTTP and CoAP`, async function () {
            const env: NodeJS.ProcessEnv = {};
            let influx: InfluxServer | undefined;
            const http = await freeTcpPort();
            const coap = await freeUdpPort();
            const doc = parseDocument(fs.readFileSync(fixture(name), "utf8"));
            doc.setIn(["bindingNB", "ports", "httpPort"], http);
            doc.setIn(["bindingNB", "ports", "coapPort"], coap);
            doc.setIn(["bindingNB", "bind"], "127.0.0.1"); // node-wot-vo's own key: loopback only in tests
            const websocket = await freeTcpPort();
            if (name === "cvo.yaml") doc.setIn(["bindingNB", "ports", "websocketPort"], websocket);
            doc.setIn(["databaseConfig", "persistentDB", "dbFilePath"], "vo.db");
            const catalogue = doc.has("catalogue") ? await freeTcpPort() : undefined;
            if (catalogue !== undefined) doc.set("catalogue", catalogue);
            if (name === "influx-vo.yaml") {
                const { connection, server } = await influxForTests(this);
                influx = server;
                doc.setIn(["databaseConfig", "timeseriesDB", "address"], connection.url);
                env.VO1_INFLUX_TOKEN = connection.token;
            }
            const file = path.join(dir, name);
            // a cVO consumes vo1 and vo2: run them first (node-wot-vo descriptors, free ports, no CoAP)
            const consumed: NodeProcess[] = [];
            if (name === "cvo.yaml") {
                for (const [vo, periodic] of [
                    ["vo1", "periodicFunctions: { check: 1s, read_property_from_device_1: 100ms }"],
                    ["vo2", ""],
                ]) {
                    const port = await freeTcpPort();
                    const own = path.join(dir, `${vo}-own.yaml`);
                    const sqlite = path.join(dir, `${vo}.db`);
                    const lines = [`name: ${vo}`, `http: { port: ${port} }`, "coap: false", periodic];
                    lines.push(`databaseConfig: { persistent: { sqlite: { path: ${sqlite} } } }`);
                    fs.writeFileSync(own, lines.join("\n"));
                    const js = vo === "vo1" ? [fixture("vo1.js")] : [];
                    const p = new NodeProcess([CLI, "run", "-t", fixture(`${vo}.td.json`), "-f", own, ...js]);
                    consumed.push(p);
                    await p.waitForOutput(/VO \S+ is running\./);
                    doc.setIn(["consumedVOs", vo, "url"], `http://127.0.0.1:${port}/${vo}`);
                }
            }
            fs.writeFileSync(file, doc.toString());
            const args = [CLI, "run", "-t", fixture(td), "-f", file, ...(script ? [fixture(script)] : [])];
            const vo = new NodeProcess(args, env);
            try {
                await vo.waitForOutput(/VO \S+ is running\./);
                const title = JSON.parse(fs.readFileSync(fixture(td), "utf8")).title as string;
                const overHttp = (await (await fetch(`http://127.0.0.1:${http}/${title}`)).json()) as { title: string };
                expect(overHttp.title).to.equal(title);
                const overCoap = await coapRequest(`coap://127.0.0.1:${coap}/${title}`);
                expect(overCoap.code).to.equal("2.05");
                expect(JSON.parse(overCoap.text).title).to.equal(title);
                expect(fs.existsSync(path.join(dir, "vo.db"))).to.equal(true);
                if (catalogue !== undefined) {
                    const listing = (await (await fetch(`http://127.0.0.1:${catalogue}/`)).json()) as object;
                    expect(listing).to.have.property(title);
                }
                if (name === "cvo.yaml") {
                    // temperature is vo1's (proxy.propertiesMap), read through the cVO
                    const t = await fetch(`http://127.0.0.1:${http}/cvo/properties/temperature`);
                    expect(t.status).to.equal(200);
                    expect(await t.json()).to.be.within(30, 34);
                    // vo1's temperature changes reach the script (consumed.vo1.propertyChanges): fire follows them
                    const fires = new Set<unknown>();
                    const deadline = Date.now() + 15_000;
                    while (fires.size < 2 && Date.now() < deadline) {
                        const f = await fetch(`http://127.0.0.1:${http}/cvo/properties/fire`);
                        fires.add(await f.json());
                        await new Promise((r) => setTimeout(r, 100));
                    }
                    expect([...fires].sort()).to.deep.equal([false, true]);
                    // WS in bindingModeNB: served on websocketPort
                    expect(await wsProbe(new URL(`ws://127.0.0.1:${websocket}/`), 5000)).to.equal(
                        `WebSocket handshake from 127.0.0.1:${websocket}`
                    );
                }
            } finally {
                const code = await vo.stop();
                for (const p of consumed) await p.stop();
                await influx?.stop();
                expect(code, vo.output).to.equal(0);
            }
            if (env.VO1_INFLUX_TOKEN !== undefined) expect(vo.output).to.not.include(env.VO1_INFLUX_TOKEN);
        });
    }
});
