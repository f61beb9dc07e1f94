import { execFileSync } from "node:child_process";
import path from "node:path";
import { expect } from "chai";

const ROOT = path.join(__dirname, "..", "..");

/** Every module a fresh process loads for `require(entry)`, with who asked for it. */
function loads(entry: string): { request: string; parent: string }[] {
    const probe = `
        const Module = require("module");
        const load = Module._load;
        const seen = [];
        Module._load = function (request, parent, ...rest) {
            seen.push({ request, parent: parent ? parent.filename : "" });
            return load.call(this, request, parent, ...rest);
        };
        require(${JSON.stringify(entry)});
        process.stdout.write(JSON.stringify(seen));`;
    return JSON.parse(execFileSync(process.execPath, ["-e", probe], { cwd: ROOT }).toString()) as {
        request: string;
        parent: string;
    }[];
}

describe("the library's entry file", function () {
    this.timeout(20_000);

    it('require("node-wot-vo") loads none of the CLI: no src/cli, no yaml, no ajv-formats of ours', function () {
        const seen = loads(path.join(ROOT, "dist", "src", "index.js"));
        const ours = (p: string) => p.startsWith(path.join(ROOT, "dist"));
        expect(seen.filter((s) => s.parent.includes(`${path.sep}cli${path.sep}`) && ours(s.parent))).to.deep.equal([]);
        expect(seen.filter((s) => s.request === "yaml")).to.deep.equal([]);
        // node-wot's core validates TDs with ajv-formats itself; the library must not add a use of its own
        expect(seen.filter((s) => s.request === "ajv-formats" && ours(s.parent))).to.deep.equal([]);
        expect(seen.some((s) => /[/\\]cli[/\\]/.test(s.request))).to.equal(false);
    });

    it('require("node-wot-vo/cli") gives runVo and the descriptor reader', function () {
        const seen = loads(path.join(ROOT, "dist", "src", "cli", "index.js"));
        expect(seen.some((s) => s.request === "yaml")).to.equal(true);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const cli = require(path.join(ROOT, "dist", "src", "cli", "index.js")) as Record<string, unknown>;
        expect(cli.runVo).to.be.a("function");
        expect(cli.parseDescriptor).to.be.a("function");
    });

    /** DEBUG and whether a warning namespace is on, in a fresh process after `code`, started with `env`. */
    function debugAfter(code: string, debug: string | undefined): { debug: string | null; warns: boolean } {
        const env = { ...process.env };
        if (debug === undefined) delete env.DEBUG;
        else env.DEBUG = debug;
        const probe = `${code};
            process.stdout.write(JSON.stringify({
                debug: process.env.DEBUG ?? null,
                warns: require("debug").enabled("node-wot-vo:timeseries:warn"),
            }));`;
        return JSON.parse(execFileSync(process.execPath, ["-e", probe], { cwd: ROOT, env }).toString()) as {
            debug: string | null;
            warns: boolean;
        };
    }

    it("importing the library leaves the host's DEBUG as it was and turns no logger on", function () {
        const entry = `require(${JSON.stringify(path.join(ROOT, "dist", "src", "index.js"))})`;
        expect(debugAfter(entry, undefined)).to.deep.equal({ debug: null, warns: false });
        expect(debugAfter(entry, "express:*")).to.deep.equal({ debug: "express:*", warns: false });
        expect(debugAfter(entry, "node-wot-vo:*:warn")).to.deep.equal({ debug: "node-wot-vo:*:warn", warns: true });
    });

    it("the CLI's process turns its warnings on beside what DEBUG names", function () {
        const cli = `require(${JSON.stringify(path.join(ROOT, "dist", "src", "log.js"))}).enableWarnings()`;
        expect(debugAfter(cli, undefined)).to.deep.equal({ debug: "node-wot-vo:*:warn", warns: true });
        expect(debugAfter(cli, "express:*")).to.deep.equal({ debug: "express:*,node-wot-vo:*:warn", warns: true });
        // a host that names node-wot-vo itself decides: here, everything but the warnings
        expect(debugAfter(cli, "node-wot-vo:*,-node-wot-vo:*:warn").warns).to.equal(false);
    });
});
