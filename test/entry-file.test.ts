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
});
