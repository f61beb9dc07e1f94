import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import * as library from "../../src";
import * as cli from "../../src/cli";
import { main } from "../../src/cli/main";
import { InvalidOptionsError, VO_ERROR_KINDS, VoError, VoErrorKind } from "../../src";
import { REFUSAL_STATUS } from "../../src/model/refusal";
import { ConsumedVoError } from "../../src/proxy/consumed-vos";
import { probeFor } from "../../src/liveness/device-probe";
import { resolveOptions } from "../../src/options/vo-options";
import { WsMessageError } from "../../src/protocols/websocket/ws-messages";
import { CommitFailedError } from "../../src/timeseries/write-buffer";
import { InvalidRedirectError } from "../../src/vo-state/redirects";
import { tempDir } from "../helpers/vo-fixture";

/** One instance of each error class of the entry files, and the kind it must have. */
const EXPORTED: Record<string, [VoErrorKind, () => Error]> = {
    InvalidOptionsError: ["invalid-input", () => new library.InvalidOptionsError("m")],
    InvalidInsertError: ["invalid-input", () => new library.InvalidInsertError("m")],
    InvalidHistoryQueryError: ["invalid-input", () => new library.InvalidHistoryQueryError("m")],
    InfluxDbNotConfiguredError: ["invalid-input", () => new library.InfluxDbNotConfiguredError()],
    RequestRefusedError: ["refused", () => new library.RequestRefusedError("not-found", "m")],
    DeviceLostError: ["refused", () => new library.DeviceLostError("m", 5)],
    SqliteError: ["unavailable", () => new library.SqliteError("m")],
    DeviceProxyError: ["unavailable", () => new library.DeviceProxyError("m")],
    CoapResponseError: ["failed", () => new library.CoapResponseError("4.04", "coap://127.0.0.1/x", "")],
    InvalidRunError: ["invalid-input", () => new cli.InvalidRunError("m")],
    DescriptorError: ["invalid-input", () => new cli.DescriptorError("vo.yaml", [])],
    HistoryCommandError: ["invalid-input", () => new cli.HistoryCommandError("m")],
    InvalidThingDescriptionError: ["invalid-input", () => new cli.InvalidThingDescriptionError("td.json", [])],
    VoScriptError: ["invalid-input", () => new cli.VoScriptError("script.js", [])],
    NotEnoughPointsError: ["invalid-input", () => new library.NotEnoughPointsError(20, 3, "ARIMA(1,1,1)")],
    ForecastUnavailableError: ["failed", () => new library.ForecastUnavailableError("m")],
    RemoteActionError: ["failed", () => new library.RemoteActionError("m")],
    VoWotTdError: ["invalid-input", () => new library.VoWotTdError("m")],
    VoWotEnvelopeError: ["unavailable", () => new library.VoWotEnvelopeError("m")],
};

/** Names the library once gave option errors of some sections: kept, deprecated, as InvalidOptionsError itself. */
const DEPRECATED_ALIASES = ["InfluxDbConfigError", "InvalidProxyError"];

/** What each section refuses: one class, the option's path on it. */
function optionError(make: () => unknown): InvalidOptionsError {
    try {
        make();
    } catch (err) {
        return err as InvalidOptionsError;
    }
    throw new Error("accepted");
}

function expectKind(e: Error, kind: VoErrorKind, name: string): void {
    expect(e, name).to.be.instanceOf(VoError);
    expect((e as VoError).kind, name).to.equal(kind);
    expect(VO_ERROR_KINDS).to.include((e as VoError).kind);
    expect(e.name).to.equal(name);
}

describe("errors: one base class, a kind each", function () {
    it("every error class exported by the library and the CLI extends VoError with its kind and name", function () {
        const classes = [...Object.entries(library), ...Object.entries(cli)].filter(
            ([name, v]) =>
                typeof v === "function" &&
                v.prototype instanceof Error &&
                v !== VoError &&
                !DEPRECATED_ALIASES.includes(name)
        ) as [string, new (...args: never[]) => Error][];
        expect(classes.map(([name]) => name)).to.have.members(Object.keys(EXPORTED));
        for (const [name, Class] of classes) {
            const [kind, make] = EXPORTED[name];
            const e = make();
            expect(e, name).to.be.instanceOf(Class);
            expectKind(e, kind, name);
        }
    });

    it("a bad option of any section is an InvalidOptionsError naming its path; the old class names are aliases of it", function () {
        const errors: [InvalidOptionsError, string][] = [
            [optionError(() => resolveOptions({ influxdb: { url: "ftp://x", token: "t" } }, {})), "influxdb.url"],
            [optionError(() => resolveOptions({ mqtt: { broker: "http://x" } }, {})), "mqtt.broker"],
            [optionError(() => resolveOptions({ websocket: { port: -1 } }, {})), "websocket.port"],
            [optionError(() => resolveOptions({ vo: { redirects: ["a b"] } }, {})), "vo.redirects[0]"],
            [optionError(() => resolveOptions({ dashboard: { path: "/" } }, {})), "dashboard.path"],
            [optionError(() => probeFor("x")), "vo.device.url"],
        ];
        for (const [e, path] of errors) {
            expect(e, path).to.be.instanceOf(InvalidOptionsError);
            expectKind(e, "invalid-input", "InvalidOptionsError");
            expect(e.path).to.equal(path);
            expect(e.message).to.equal(`node-wot-vo option ${path}: ${e.problem}`);
        }
        expect(errors[5][0].problem).to.match(/^"x" is not a URL/);
        for (const alias of DEPRECATED_ALIASES) {
            expect((library as Record<string, unknown>)[alias], alias).to.equal(InvalidOptionsError);
        }
        expect(new cli.HistoryCommandError("--to").message).to.equal("node-wot-vo history: --to");
    });

    it("the classes the entry files do not export have their kinds too", function () {
        expectKind(new InvalidRedirectError("m"), "refused", "InvalidRedirectError");
        expectKind(new library.DeviceLostError("m", 5), "refused", "DeviceLostError");
        expectKind(new WsMessageError(400, "m"), "refused", "WsMessageError");
        expectKind(new CommitFailedError("m", 100), "unavailable", "CommitFailedError");
        expectKind(new ConsumedVoError("m"), "unavailable", "ConsumedVoError");
        // a refusal keeps its reason and so its status
        expect(REFUSAL_STATUS[new InvalidRedirectError("m").reason]).to.equal(400);
        const lost = new library.DeviceLostError("m", 5);
        expect([REFUSAL_STATUS[lost.reason], lost.retryAfterSeconds]).to.deep.equal([503, 5]);
    });
});

describe("the CLI's exit status follows the error's kind", function () {
    this.timeout(20_000);
    let dir: string;
    beforeEach(() => (dir = tempDir("node-wot-vo-errors-")));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** main() in this process, with what it wrote to stderr. */
    async function run(...argv: string[]): Promise<{ code: number; err: string }> {
        const written: string[] = [];
        const write = process.stderr.write;
        process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof write;
        try {
            return { code: await main(argv), err: written.join("") };
        } finally {
            process.stderr.write = write;
        }
    }

    /** A descriptor of ours whose SQLite file holds `bytes`. */
    function descriptor(bytes: Buffer): string {
        const db = path.join(dir, "vo.sqlite");
        fs.writeFileSync(db, bytes);
        const file = path.join(dir, "vo.yaml");
        fs.writeFileSync(
            file,
            `name: errors\ndatabaseConfig:\n    persistent:\n        sqlite:\n            path: ${db}\n`
        );
        return file;
    }

    it("invalid input exits 2 with the message alone: command line, descriptor, TD, history command", async function () {
        const file = descriptor(Buffer.alloc(0));
        expect(await run("migrate", file)).to.deep.equal({
            code: 2,
            err: `${file} is already a node-wot-vo descriptor (no vo-wot key in it)\n`,
        });
        const bad = path.join(dir, "bad.yaml");
        fs.writeFileSync(bad, "name: has space\n");
        const descriptorError = await run("validate", "--config", bad);
        expect(descriptorError.code).to.equal(2);
        expect(descriptorError.err).to.match(/^invalid VO descriptor .*bad\.yaml \(1 problem\):\n/);
        const td = path.join(dir, "td.json");
        fs.writeFileSync(td, JSON.stringify({ title: "t", properties: { p: { readOnly: "yes" } } }));
        const tdError = await run("validate", "--td", td);
        expect(tdError.code).to.equal(2);
        expect(tdError.err).to.match(/^invalid Thing Description /);
        const history = await run("history", "--config", file, "--thing", "t");
        expect(history.code).to.equal(2);
        expect(history.err).to.match(/^node-wot-vo history: /);
    });

    it("a store that cannot be read (unavailable) exits 1, its message after node-wot-vo:", async function () {
        const file = descriptor(
            Buffer.from("this is not an SQLite database, only text long enough to be read\n".repeat(80))
        );
        const r = await run("history", "--config", file, "--thing", "t", "--property", "p");
        expect(r.code).to.equal(1);
        expect(r.err).to.match(/^node-wot-vo: SQLite database .*vo\.sqlite is not usable: SQLITE_NOTADB/);
    });
});
