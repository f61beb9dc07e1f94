import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import * as library from "../../src";
import * as cli from "../../src/cli";
import { main } from "../../src/cli/main";
import { InvalidOptionsError, VO_ERROR_KINDS, VoError, VoErrorKind } from "../../src";
import { REFUSAL_STATUS } from "../../src/model/refusal";
import { ConsumedVoError } from "../../src/proxy/consumed-vos";
import { InvalidDeviceUrlError } from "../../src/liveness/device-probe";
import { InvalidMqttOptionsError } from "../../src/protocols/mqtt/mqtt-options";
import { InvalidWebSocketOptionsError } from "../../src/protocols/websocket/ws-options";
import { WsMessageError } from "../../src/protocols/websocket/ws-messages";
import { CommitFailedError } from "../../src/timeseries/write-buffer";
import { InvalidRedirectError } from "../../src/vo-state/redirects";
import { tempDir } from "../helpers/vo-fixture";

/** One instance of each error class of the entry files, and the kind it must have. */
const EXPORTED: Record<string, [VoErrorKind, () => Error]> = {
    InvalidOptionsError: ["invalid-input", () => new library.InvalidOptionsError("m")],
    InfluxDbConfigError: ["invalid-input", () => new library.InfluxDbConfigError("m")],
    InvalidProxyError: ["invalid-input", () => new library.InvalidProxyError("m")],
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
};

/** The option errors: one parent, one kind, their own names kept for those who catch them. */
const OPTION_ERRORS = [
    new library.InfluxDbConfigError("m"),
    new library.InvalidProxyError("m"),
    new InvalidMqttOptionsError("m"),
    new InvalidWebSocketOptionsError("m"),
    new InvalidDeviceUrlError("x", "is not a URL"),
];

function expectKind(e: Error, kind: VoErrorKind, name: string): void {
    expect(e, name).to.be.instanceOf(VoError);
    expect((e as VoError).kind, name).to.equal(kind);
    expect(VO_ERROR_KINDS).to.include((e as VoError).kind);
    expect(e.name).to.equal(name);
}

describe("errors: one base class, a kind each", function () {
    it("every error class exported by the library and the CLI extends VoError with its kind and name", function () {
        const classes = [...Object.entries(library), ...Object.entries(cli)].filter(
            ([, v]) => typeof v === "function" && v.prototype instanceof Error && v !== VoError
        ) as [string, new (...args: never[]) => Error][];
        expect(classes.map(([name]) => name)).to.have.members(Object.keys(EXPORTED));
        for (const [name, Class] of classes) {
            const [kind, make] = EXPORTED[name];
            const e = make();
            expect(e, name).to.be.instanceOf(Class);
            expectKind(e, kind, name);
        }
    });

    it("the option errors are InvalidOptionsError subclasses of kind invalid-input, their names and messages kept", function () {
        for (const e of OPTION_ERRORS) {
            expect(e, e.name).to.be.instanceOf(InvalidOptionsError);
            expectKind(e, "invalid-input", e.constructor.name);
        }
        expect(new InvalidDeviceUrlError("x", "is not a URL").message).to.equal('device URL "x" is not a URL');
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
