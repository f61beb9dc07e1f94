import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { freeTcpPort } from "../helpers/free-port";
import { NodeProcess, nodeOfVersion } from "../helpers/node-process";

const ROOT = path.join(__dirname, "..", "..", "..");
const MARK = "<!-- library-example:";
/** The Node.js lines the package supports beside the one running the tests (engines: >=20): 22 and 24 LTS. */
const OTHER_NODES = ["22.23.5", "24.11.1"];

/** The README's library example: the first js block after its marker, as a user copies it. */
function readmeExample(): string {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const at = readme.indexOf(MARK);
    expect(at, "the README marks its library example").to.be.greaterThan(0);
    const block = /```js\n([\s\S]*?)```/.exec(readme.slice(at));
    expect(block, "a js block after the marker").to.not.equal(null);
    return block![1];
}

/** Runs npm with its output kept (shown when it fails); bounded by `timeoutMs`. */
function npm(args: string[], cwd: string, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn("npm", args, { cwd, env: { ...process.env, npm_config_fund: "false" } });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("close", (code) => {
            clearTimeout(timer);
            if (code === 0) resolve(output);
            else reject(new Error(`npm ${args.join(" ")} exited ${code}:\n${output}`));
        });
    });
}

/**
 * The package as a user gets it: `npm pack`, then `npm install` of the tarball with node-wot's core and HTTP
 * binding into a new, empty project, with none of this project's `overrides`. node-wot core's own range for
 * wot-thing-description-types picks the 2021 prerelease (it sorts above 1.1.0-12-March-2025), whose schema
 * rejects every TD 1.1 (the VO status Thing's among them) and prints ~130 "unknown format" lines: the package's
 * peer dependency on the 2025 release puts that one at the project's top, where core finds it.
 */
describe("the packed package, installed as a user installs it", function () {
    this.timeout(15 * 60_000);
    let dir: string;

    before(async function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "node-wot-vo-consumer-"));
        const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: ROOT })
            .toString()
            .trim()
            .split("\n")
            .pop()!;
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
            dependencies: Record<string, string>;
        };
        fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true }));
        await npm(["pkg", "set", "allowScripts.sqlite3=true", "--json"], dir, 60_000);
        const node = (name: string) => `${name}@${pkg.dependencies[name]}`;
        await npm(
            [
                "install",
                "--prefer-offline",
                "--no-audit",
                path.join(dir, tarball),
                node("@node-wot/core"),
                node("@node-wot/binding-http"),
            ],
            dir,
            12 * 60_000
        );
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const runs = [process.version.slice(1), ...OTHER_NODES.filter((v) => `v${v}` !== process.version)];
    for (const version of runs) {
        it(`runs the README's library example on Node.js ${version}: reads, writes, vo.history, history over HTTP, the dashboard`, async function () {
            await runExample(dir, await nodeOfVersion(version));
        });
    }
});

/** Runs the README's example in the consuming project with one node executable, and uses what it serves. */
async function runExample(dir: string, node: string): Promise<void> {
    fs.writeFileSync(path.join(dir, "example.js"), readmeExample());
    for (const file of fs.readdirSync(dir)) if (file.startsWith("vo.sqlite")) fs.rmSync(path.join(dir, file)); // a VO of its own
    const port = await freeTcpPort();
    const vo = new NodeProcess([path.join(dir, "example.js")], { PORT: String(port) }, dir, node);
    try {
        await vo.waitForOutput(`Lamp at http://127.0.0.1:${port}/lamp`, 60_000);
        const base = `http://127.0.0.1:${port}/lamp`;
        expect(await (await fetch(`${base}/properties/level`)).json()).to.equal(50);
        const put = await fetch(`${base}/properties/level`, {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: "72",
        });
        expect(put.status).to.equal(204);
        const recent = (await (await fetch(`${base}/actions/recent`, { method: "POST" })).json()) as {
            op: string;
            value: unknown;
        }[];
        expect(recent.map((p) => [p.op, p.value])).to.deep.equal([
            ["writeproperty", 72],
            ["readproperty", 50],
        ]);
        const history = (await (await fetch(`${base}/properties/level/history`)).json()) as {
            items: { op: string }[];
        };
        expect(history.items.map((i) => i.op)).to.deep.equal(["readproperty", "writeproperty"]);
        const page = await fetch(`http://127.0.0.1:${port}/dashboard/`);
        expect(page.status).to.equal(200);
        expect(await page.text()).to.include("<html");
    } finally {
        expect(await vo.stop("SIGINT")).to.equal(0);
    }
    expect(vo.output, "quiet: no schema format warnings, no error").to.not.match(/unknown format|Error/);
}
