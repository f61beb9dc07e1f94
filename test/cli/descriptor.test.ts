import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import {
    DescriptorError,
    DescriptorProblem,
    loadDescriptor,
    parseDescriptor,
    RunConfig,
} from "../../src/cli/descriptor";
import { resolveOptions } from "../../src/options/vo-options";
import { CLI, NodeProcess } from "../helpers/node-process";

const ROOT = path.join(__dirname, "..", "..", "..");
const REFERENCE = path.join(ROOT, "examples", "descriptors", "reference.yaml");
const TOKEN = "tok-3f9a-SECRET-never-print-me";
const ENV = { VO_USER: "alice", VO_PASSWORD: "pw-SECRET-too", INFLUX_TOKEN: TOKEN };

/** The DescriptorError a descriptor text raises. */
function refused(text: string, env: NodeJS.ProcessEnv = ENV, source = "vo.yaml"): DescriptorError {
    try {
        parseDescriptor(text, source, env);
    } catch (err) {
        expect(err).to.be.instanceOf(DescriptorError);
        expect((err as Error).name).to.equal("DescriptorError");
        return err as DescriptorError;
    }
    throw new Error("the descriptor was accepted");
}

const paths = (e: DescriptorError) => e.problems.map((p: DescriptorProblem) => p.path);
const problemAt = (e: DescriptorError, p: string) => e.problems.find((x) => x.path === p);

describe("VO descriptor (YAML)", function () {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "node-wot-vo-descriptor-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads examples/descriptors/reference.yaml into the RunConfig it documents", function () {
        const dirOf = path.dirname(REFERENCE);
        const expected: RunConfig = {
            name: "environment-vo",
            bind: "127.0.0.1",
            address: "127.0.0.1",
            httpPort: 8080,
            security: { scheme: "basic", username: "alice", password: "pw-SECRET-too" },
            persistence: {
                sqlite: { path: path.join(dirOf, "data", "environment-vo.sqlite") },
                influxdb: {
                    url: "http://127.0.0.1:8086",
                    org: "wot",
                    token: TOKEN,
                    buckets: { properties: "env-properties", actions: "env-actions", events: "env-events" },
                    retention: "30d",
                    timeoutMs: 10_000,
                    maxSpoolBytes: 536_870_912,
                    layout: "per-kind",
                },
                vo: {
                    selfCheckIntervalMs: 30_000,
                    selfCheckTimeoutMs: 2000,
                    keepStatusRows: 10_000,
                    device: {
                        url: "coap://127.0.0.1:5684",
                        intervalMs: 5000,
                        timeoutMs: 2000,
                        retries: 1,
                        suspectAfter: 1,
                        lostAfter: 3,
                        recoverAfter: 2,
                    },
                    deviceIp: "127.0.0.1",
                    redirects: ["10.0.0.2:8080"],
                },
                protocols: { maxBodyBytes: 1_048_576, observerTimeoutMs: 10_000, voWot: false },
            },
            periodic: { sample: 5000, report: 60_000 },
            proxy: {
                td: "coap://127.0.0.1:5684/environmentsensor",
                id: "urn:dev:mirror-1",
                title: "EnvironmentMirror",
                timeoutMs: 5000,
                whenLost: "stale",
                properties: { temp: "temperature", humidity: "humidity" },
                actions: { calibrate: "calibrate" },
                events: { overheat: "overheat" },
            },
            push: { thing: "EnvironmentSensor", properties: ["temperature", "humidity"], actions: ["calibrate"] },
            descriptorDir: dirOf,
        };
        const config = loadDescriptor(REFERENCE, ENV);
        expect(config).to.deep.equal(expected);
        // what the runtime will do with it: accepted by VoPersistence.attach's own validation
        const resolved = resolveOptions(config.persistence, {});
        expect(resolved.influxdb?.buckets.property).to.equal("env-properties");
        expect(resolved.vo.device?.url).to.equal("coap://127.0.0.1:5684");
    });

    it("fills defaults: a name is enough", function () {
        const file = path.join(dir, "minimal.yaml");
        fs.writeFileSync(file, "name: minimal\n");
        expect(loadDescriptor(file, {})).to.deep.equal({
            name: "minimal",
            bind: "127.0.0.1",
            address: "127.0.0.1",
            httpPort: 8080,
            coapPort: 5683,
            security: { scheme: "nosec" },
            persistence: {
                sqlite: { path: path.join(dir, "data", "minimal.sqlite") },
                vo: { selfCheckIntervalMs: 30_000, selfCheckTimeoutMs: 2000, keepStatusRows: 10_000 },
            },
            periodic: {},
            descriptorDir: dir,
        });
    });

    it("turns servers off with false, takes port 0, and probes the proxied device when no device is given", function () {
        const c = parseDescriptor(
            [
                "name: mirror",
                "http: false",
                "coap: { port: 0 }",
                "selfCheck: { interval: 0 }",
                "proxy: { td: 'http://10.0.0.7:8080/sensor', whenLost: fail }",
                "liveness: { interval: 1500, lostAfter: 5 }",
                "periodicFunctions: { tick: 1h30m }",
            ].join("\n"),
            path.join(dir, "mirror.yaml"),
            {}
        );
        expect(c).to.not.have.property("httpPort");
        expect(c.coapPort).to.equal(0);
        expect(c.proxy).to.deep.equal({ td: "http://10.0.0.7:8080/sensor", whenLost: "fail" });
        expect(c.persistence.vo.selfCheckIntervalMs).to.equal(0);
        expect(c.persistence.vo.device).to.deep.equal({
            url: "http://10.0.0.7:8080/sensor",
            intervalMs: 1500,
            timeoutMs: 2000,
            retries: 1,
            suspectAfter: 1,
            lostAfter: 5,
            recoverAfter: 2,
        });
        expect(c.periodic).to.deep.equal({ tick: 5_400_000 });
        // a device that only pushes (type B): liveness from its pushes
        const push = parseDescriptor("name: p\ndevice: { url: 'push:' }\npush: { properties: [t] }\n", "p.yaml", {});
        expect(push.persistence.vo.device?.url).to.equal("push:");
        expect(push.push).to.deep.equal({ properties: ["t"] });
    });

    it("resolves a relative sqlite path and tokenFile against the descriptor's directory, not the working directory", function () {
        fs.mkdirSync(path.join(dir, "conf", "secrets"), { recursive: true });
        fs.writeFileSync(path.join(dir, "conf", "secrets", "influx-token"), `${TOKEN}\n`);
        const file = path.join(dir, "conf", "vo.yaml");
        fs.writeFileSync(
            file,
            [
                "name: rel",
                "databaseConfig:",
                "    timeseries:",
                "        influxdb: { enabled: true, url: 'http://127.0.0.1:8086', tokenFile: secrets/influx-token }",
                "    persistent:",
                "        sqlite: { path: ../state/vo.sqlite }",
            ].join("\n")
        );
        const c = loadDescriptor(path.relative(process.cwd(), file), {});
        expect(c.descriptorDir).to.equal(path.join(dir, "conf"));
        expect(c.persistence.sqlite.path).to.equal(path.join(dir, "state", "vo.sqlite"));
        expect(c.persistence.influxdb).to.deep.equal({
            url: "http://127.0.0.1:8086",
            org: "wot",
            tokenFile: path.join(dir, "conf", "secrets", "influx-token"),
        });
        expect(resolveOptions(c.persistence, {}).influxdb?.token).to.equal(TOKEN);
    });

    it("reports a missing name", function () {
        const e = refused("address: 127.0.0.1\n");
        expect(e.problems).to.deep.equal([{ path: "name", message: "is required", line: 1, column: 1 }]);
        expect(e.message).to.include("vo.yaml: name: is required");
    });

    it("reports a port out of range with its path", function () {
        const e = refused("name: a\nhttp:\n    port: 70000\n");
        expect(problemAt(e, "http.port")).to.include({ message: "must be <= 65535", line: 3 });
        expect(e.message).to.include("vo.yaml: http.port: must be <= 65535");
    });

    it("reports protocol limits that are not positive, with their paths", function () {
        const e = refused("name: a\nprotocols:\n    maxBodyBytes: 0\n    observerTimeout: 0\n");
        expect(problemAt(e, "protocols.maxBodyBytes")).to.include({ message: "must be >= 1", line: 3 });
        expect(problemAt(e, "protocols.observerTimeout")?.line).to.equal(4);
        const w = refused("name: a\nprotocols:\n    voWot: yes please\n");
        expect(problemAt(w, "protocols.voWot")?.line).to.equal(3);
    });

    it("reports an unknown key with its path and the key that was probably meant", function () {
        const e = refused(
            "name: a\nselfCheck:\n    intervall: 5s\nproxy:\n    td: coap://127.0.0.1/x\n    colour: red\n"
        );
        expect(problemAt(e, "selfCheck.intervall")?.message).to.equal("unknown key (did you mean interval?)");
        expect(problemAt(e, "proxy.colour")?.message).to.match(/^unknown key \(known: td, id, title/);
        expect(e.message).to.include("vo.yaml: selfCheck.intervall: unknown key (did you mean interval?)");
    });

    it("reports a duration that does not parse", function () {
        const e = refused("name: a\nliveness:\n    interval: 5 parsecs\ndevice: { url: coap://127.0.0.1 }\n");
        expect(paths(e)).to.deep.equal(["liveness.interval"]);
        expect(e.message).to.include('vo.yaml: liveness.interval: "5 parsecs" is not a duration');
    });

    it("refuses a proxy TD URL that is not coap:// or http(s)://", function () {
        const e = refused("name: a\nproxy:\n    td: ftp://10.0.0.7/td.json\n");
        expect(paths(e)).to.deep.equal(["proxy.td"]);
        expect(e.message).to.include("proxy.td: must be a coap://, http:// or https:// URL");
        expect(e.message).to.include("got ftp:");
    });

    it("refuses a literal token and does not repeat it", function () {
        const literal = "literal-SECRET-token-value";
        const e = refused(
            [
                "name: a",
                "databaseConfig:",
                "    timeseries:",
                "        influxdb:",
                "            enabled: true",
                "            url: http://127.0.0.1:8086",
                `            token: ${literal}`,
            ].join("\n")
        );
        const p = problemAt(e, "databaseConfig.timeseries.influxdb.token");
        expect(p?.message).to.match(/literal token is refused.*tokenEnv.*tokenFile/);
        expect(p?.line).to.equal(7);
        expect(e.message).to.not.include(literal);
        expect(JSON.stringify(e.problems)).to.not.include(literal);
    });

    it("names a missing environment variable, never a value", function () {
        const e = refused(
            [
                "name: a",
                "security: { scheme: basic, usernameEnv: VO_USER, passwordEnv: VO_MISSING_PASSWORD }",
                "databaseConfig:",
                "    timeseries:",
                "        influxdb: { enabled: true, url: 'http://127.0.0.1:8086', tokenEnv: INFLUX_TOKEN_UNSET }",
            ].join("\n")
        );
        expect(e.problems.map((p) => [p.path, p.message])).to.deep.equal([
            // absent, `coap` is reported first, with no line
            ["coap", "must be false when security.scheme is basic (CoAP carries no basic authentication)"],
            ["security.passwordEnv", "names the environment variable VO_MISSING_PASSWORD, which is not set"],
            [
                "databaseConfig.timeseries.influxdb.tokenEnv",
                "names the environment variable INFLUX_TOKEN_UNSET, which is not set",
            ],
        ]);
        expect(e.message).to.not.include("alice");
    });

    it("never puts the token into an error, whatever else is wrong", function () {
        fs.writeFileSync(path.join(dir, "token"), TOKEN);
        for (const source of ["tokenEnv: INFLUX_TOKEN", "tokenFile: token"]) {
            const e = refused(
                [
                    "name: a",
                    "http: { port: -1 }",
                    "databaseConfig:",
                    "    timeseries:",
                    `        influxdb: { enabled: true, url: 'http://127.0.0.1:8086', retention: 1m, layout: thing, ${source} }`,
                ].join("\n"),
                ENV,
                path.join(dir, "vo.yaml")
            );
            expect(paths(e)).to.deep.equal([
                "http.port",
                "databaseConfig.timeseries.influxdb.layout",
                "databaseConfig.timeseries.influxdb.retention",
            ]);
            expect(e.message).to.not.include(TOKEN);
            expect(e.stack).to.not.include(TOKEN);
            expect(JSON.stringify(e.problems)).to.not.include(TOKEN);
        }
        // an InfluxDB URL with credentials in it is refused without repeating them
        const e = refused(
            "name: a\ndatabaseConfig: { timeseries: { influxdb: " +
                `{ enabled: true, url: 'http://u:${TOKEN}@127.0.0.1:8086', tokenEnv: INFLUX_TOKEN } } }\n`
        );
        expect(paths(e)).to.deep.equal(["databaseConfig.timeseries.influxdb.url"]);
        expect(e.message).to.not.include(TOKEN);
    });

    it("lists several problems at once, in file order", function () {
        const e = refused(
            [
                "name: my vo",
                "http: { port: 70000 }",
                "coap: true",
                "periodicFunctions: { sample: 5 parsecs, 9lives: 1s }",
                "redirects: ['10.0.0.2:8080', 'not a host']",
                "device: { url: 'gopher://10.0.0.3' }",
                "proxy: { td: coap://127.0.0.1/x, whenLost: later }",
                "pushh: {}",
            ].join("\n")
        );
        expect(paths(e)).to.deep.equal([
            "name",
            "http.port",
            "coap",
            "periodicFunctions.9lives",
            "periodicFunctions.sample",
            "redirects[1]",
            "device.url",
            "proxy.whenLost",
            "pushh",
        ]);
        expect(e.message.split("\n")).to.have.length(10);
        expect(problemAt(e, "pushh")?.message).to.equal("unknown key (did you mean push?)");
        expect(problemAt(e, "proxy.whenLost")?.message).to.equal('must be one of "stale", "fail"');
    });

    it("reports YAML syntax errors with line:column", function () {
        const e = refused("name: a\nhttp:\n    port: [8080\ncoap: { port: 1 }\n");
        expect(e.problems.length).to.be.greaterThan(0);
        expect(e.problems[0].path).to.match(/^\d+:\d+$/);
        expect(e.problems[0].line).to.be.at.least(3);
        expect(e.message).to.match(/vo\.yaml: \d+:\d+: /);
        const dup = refused("name: a\nname: b\n");
        expect(dup.problems).to.deep.include({ path: "2:1", message: "Map keys must be unique", line: 2, column: 1 });
    });

    it("refuses a name with spaces or of more than 64 characters", function () {
        expect(problemAt(refused("name: my vo\n"), "name")?.message).to.match(/no spaces/);
        expect(paths(refused(`name: ${"x".repeat(65)}\n`))).to.deep.equal(["name"]);
        expect(parseDescriptor(`name: ${"x".repeat(64)}\n`, "vo.yaml", {}).name).to.have.length(64);
    });

    it("refuses what is not a mapping, and names a file it cannot read", function () {
        expect(refused("").problems[0]).to.include({ path: "(root)" });
        expect(refused("- name: a\n").problems[0]).to.include({ path: "(root)", message: "must be a mapping" });
        expect(() => loadDescriptor(path.join(dir, "absent.yaml"))).to.throw(DescriptorError, /ENOENT/);
    });

    it("checks basic security, the InfluxDB token source and liveness needing a device", function () {
        const e = refused(
            [
                "name: a",
                "security: { scheme: basic, password: hunter2 }",
                "databaseConfig: { timeseries: { influxdb: { enabled: true } } }",
                "liveness: { suspectAfter: 3, lostAfter: 2 }",
            ].join("\n")
        );
        expect(e.problems.map((p) => [p.path, p.message.slice(0, 40)])).to.deep.equal([
            ["coap", "must be false when security.scheme is ba"],
            ["security.usernameEnv", "is required"],
            ["security.passwordEnv", "is required"],
            ["security.password", "literal credentials are refused (secrets"],
            ["databaseConfig.timeseries.influxdb.url", "is required"],
            ["databaseConfig.timeseries.influxdb", "needs the token's source: tokenEnv (an e"],
            ["liveness", "there is no device to probe: set device."],
            ["liveness.lostAfter", "must be >= suspectAfter (3)"],
        ]);
        expect(e.message).to.not.include("hunter2");
        // a disabled InfluxDB block is only checked for its structure
        const c = parseDescriptor(
            "name: a\ndatabaseConfig: { timeseries: { influxdb: { enabled: false, tokenEnv: UNSET } } }\n",
            "vo.yaml",
            {}
        );
        expect(c.persistence).to.not.have.property("influxdb");
    });

    it("what only attach's own checks refuse is reported at the descriptor key it came from, with its line", function () {
        const e = refused(
            [
                "name: a",
                "databaseConfig:",
                "    timeseries:",
                "        influxdb: { enabled: true, url: 'http://127.0.0.1:8086', tokenEnv: T, buckets: { events: _e } }",
            ].join("\n"),
            { T: "token" }
        );
        expect(e.problems).to.deep.equal([
            {
                path: "databaseConfig.timeseries.influxdb.buckets.events",
                message: 'must not start with "_"',
                line: 4,
                column: 90,
            },
        ]);
    });

    it("reads recording.exclude into the attach options, and reports a bad entry at its path and line", function () {
        const c = parseDescriptor(
            [
                "name: a",
                "recording:",
                "    exclude:",
                "        - { thing: 'urn:dev:noisy' }",
                "        - { name: temperature, ops: [readproperty, observeproperty] }",
            ].join("\n"),
            "vo.yaml",
            {}
        );
        expect(c.persistence.recording).to.deep.equal({
            exclude: [{ thing: "urn:dev:noisy" }, { name: "temperature", ops: ["readproperty", "observeproperty"] }],
        });
        const bad = refused(
            [
                "name: a",
                "recording:",
                "    exclude:",
                "        - { thing: x }",
                "        - { ops: [readproperty, read] }",
            ].join("\n")
        );
        expect(bad.problems.map((p) => [p.path, p.line])).to.deep.equal([["recording.exclude[1].ops[1]", 5]]);
        expect(bad.problems[0].message).to.match(/^must be one of "readproperty", .*, got "read"$/);
        const unknown = refused(["name: a", "recording: { exclude: [{ thing: x, op: [readproperty] }] }"].join("\n"));
        expect(paths(unknown)).to.deep.equal(["recording.exclude[0].op"]);
        expect(problemAt(unknown, "recording.exclude[0].op")?.message).to.match(/^unknown key/);
        expect(paths(refused("name: a\nrecording: { exclude: [{}] }"))).to.deep.equal(["recording.exclude[0]"]);
    });

    it("reads retention into the attach options, in both dialects, and reports a bad value at its path", function () {
        const own = parseDescriptor(
            [
                "name: a",
                "retention:",
                "    raw: 14d",
                "    affordances: [{ name: vibration, raw: 2d }]",
                "    hourly: forever",
            ].join("\n"),
            "vo.yaml",
            {}
        );
        expect(own.persistence.retention).to.deep.equal({
            raw: "14d",
            affordances: [{ name: "vibration", raw: "2d" }],
            hourly: "forever",
        });
        const voWot = parseDescriptor(
            ["name: a", "type: VO", "retention: { event: 7d, minFree: 10% }"].join("\n"),
            "vo.yaml",
            {}
        );
        expect(voWot.persistence.retention).to.deep.equal({ event: "7d", minFree: "10%" });
        const cases: [string, string, RegExp][] = [
            ["retention: { raw: -3d }", "retention.raw", /must be a duration like "30d"/],
            ["retention: { raw: soon }", "retention.raw", /got "soon"/],
            ["retention: { raw: 1m }", "retention.raw", /at least 5m, the window of the finest statistics/],
            ["retention: { affordances: [{ name: v, raw: 2m }] }", "retention.affordances[0].raw", /at least 5m/],
            ["retention: { fiveMinute: 30m }", "retention.fiveMinute", /at least 1h/],
            [
                "retention: { fiveMinute: 2y, hourly: 1y }",
                "retention.hourly",
                /at least as long as retention.fiveMinute/,
            ],
            ["retention: { minFree: 120% }", "retention.minFree", /a share under 100%/],
            ["retention: { rows: 5 }", "retention.rows", /./],
        ];
        for (const [line, at, message] of cases) {
            const bad = refused(`name: a\n${line}`);
            expect(paths(bad), line).to.deep.equal([at]);
            expect(problemAt(bad, at)?.message, line).to.match(message);
        }
    });

    it("node-wot-vo validate refuses a bad recording.exclude naming its path, and exits 2", async function () {
        this.timeout(20_000);
        const file = path.join(dir, "vo.yaml");
        fs.writeFileSync(file, "name: a\nrecording:\n    exclude:\n        - { kind: actions }\n");
        const p = new NodeProcess([CLI, "validate", "--config", file]);
        expect(await p.exited()).to.equal(2);
        expect(p.output).to.include(`${file}: recording.exclude[0].kind: must be one of "property", "action", "event"`);
        expect(p.output).to.include("(line 4)");
    });
});
