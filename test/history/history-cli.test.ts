import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { HistoryCommandError, parseHistoryCommand, runHistoryCommand } from "../../src/cli/history-command";
import { startExampleVo } from "../helpers/example-vo";
import { freshBuckets, influxForTests, InfluxConnection, InfluxServer } from "../helpers/influxdb-server";
import { Influx1Server, ownInflux1Server } from "../helpers/influxdb1-server";
import { CLI, ROOT } from "../helpers/node-process";
import { exposeSensor } from "../helpers/sensor-thing";
import { startVo, tempDir, VoFixture } from "../helpers/vo-fixture";

const ROOM = "urn:dev:ops:room-log-1";
const SENSOR = "urn:dev:ops:environment-sensor-1";

/** `node-wot-vo history ...` as an operator runs it: exit status, stdout, stderr (bounded in time). */
function history(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [CLI, "history", ...args],
            { cwd: ROOT, env: { ...process.env, ...env }, timeout: 20_000 },
            (error, stdout, stderr) =>
                resolve({ code: error === null ? 0 : Number(error.code ?? 1), out: stdout, err: stderr })
        );
    });
}

/**
 * The same command answered in this process (the CLI's own functions; a child process takes seconds to
 * load on a busy machine): exit status as main() maps it, what it printed.
 */
async function historyHere(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    try {
        await runHistoryCommand(
            parseHistoryCommand(args),
            (t) => out.push(t),
            (line) => err.push(`${line}\n`)
        );
        return { code: 0, out: out.join(""), err: err.join("") };
    } catch (e) {
        return { code: e instanceof HistoryCommandError ? 2 : 1, out: out.join(""), err: (e as Error).message };
    }
}

async function httpText(url: string, accept = "application/json"): Promise<string> {
    const res = await fetch(url, { headers: { accept } });
    expect(res.status, url).to.equal(200);
    return res.text();
}

describe("node-wot-vo history: a VO's history from its store, without the VO (embedded store)", function () {
    this.timeout(60_000);
    const dir = tempDir("vo-history-cli-");
    let config: string;
    let dbPath: string;
    let base: string;
    // what the running VO answered, over HTTP, for ranges that no longer move
    const answered: Record<string, string> = {};
    let range: string;

    before(async function () {
        const started = await startExampleVo(dir, "history-vo", { td: "room-log.td.json" });
        dbPath = started.dbPath;
        config = dbPath.replace(/\.sqlite$/, ".yaml");
        base = `http://127.0.0.1:${started.httpPort}/roomlog`;
        try {
            const from = Date.now() - 60_000;
            for (let i = 0; i < 6; i++) await httpText(`${base}/properties/occupancy`);
            const note = await fetch(`${base}/actions/addNote`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ text: 'a "quoted", note\nover two lines' }),
            });
            expect(note.status).to.equal(200);
            await new Promise((r) => setTimeout(r, 400)); // past the flush interval, and a "to" in the past
            const to = Date.now();
            range = `from=${from}&to=${to}`;
            const at = (kind: string, name: string) => `${base}/${kind}/${name}/history`;
            answered.raw = await httpText(`${at("properties", "occupancy")}?${range}&op=read&limit=4`);
            answered.page2 = await httpText(
                `${at("properties", "occupancy")}?${range}&op=read&limit=4&cursor=${(JSON.parse(answered.raw) as { next: string }).next}`
            );
            answered.mean = await httpText(`${at("properties", "occupancy")}?${range}&every=10s&fn=count`);
            answered.csv = await httpText(`${at("actions", "addNote")}?${range}`, "text/csv");
        } finally {
            expect(await started.vo.stop()).to.equal(0);
        }
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const rangeFlags = () => range.split("&").flatMap((kv) => [`--${kv.split("=")[0]}`, kv.split("=")[1]]);

    it("prints what the VO's history resource answered, JSON and paged, from the file the VO wrote", async function () {
        const raw = await history([
            "--config",
            config,
            "--thing",
            ROOM,
            "--property",
            "occupancy",
            ...rangeFlags(),
            "--op",
            "read",
            "--limit",
            "4",
        ]);
        expect(raw.code, raw.err).to.equal(0);
        expect(raw.out).to.equal(`${answered.raw}\n`);
        const next = (JSON.parse(raw.out) as { next: string; items: unknown[] }).next;
        expect(next).to.be.a("string");
        const page2 = await historyHere([
            "--config",
            config,
            "--thing",
            ROOM,
            "--property",
            "occupancy",
            ...rangeFlags(),
            "--op",
            "read",
            "--limit",
            "4",
            "--cursor",
            next,
        ]);
        expect(page2.out).to.equal(`${answered.page2}\n`);
        const items = (JSON.parse(page2.out) as { items: unknown[] }).items;
        expect(items.length).to.be.greaterThan(0);
    });

    it("aggregates with --every and --fn, and writes CSV with --csv", async function () {
        const count = await historyHere([
            "-f",
            config,
            "--thing",
            ROOM,
            "--property",
            "occupancy",
            ...rangeFlags(),
            "--every",
            "10s",
            "--fn",
            "count",
        ]);
        expect(count.code, count.err).to.equal(0);
        expect(count.out).to.equal(`${answered.mean}\n`);
        const windows = (JSON.parse(count.out) as { windows: { value: number | null }[] }).windows;
        expect(windows.reduce((a, w) => a + (w.value ?? 0), 0)).to.be.at.least(6);
        const csv = await history(["-f", config, "--thing", ROOM, "--action", "addNote", ...rangeFlags(), "--csv"]);
        expect(csv.code, csv.err).to.equal(0);
        expect(csv.out).to.equal(answered.csv);
        expect(csv.out).to.include('"{""text"":""a \\""quoted\\"", note\\nover two lines""}"');
    });

    it("reads through a vo-wot descriptor naming the same file", async function () {
        const voWot = path.join(dir, "vo-wot.yaml");
        fs.writeFileSync(
            voWot,
            [
                "name: history-vo",
                "type: VO",
                "bindingNB:",
                "    bindingModeNB: [H]",
                "    hostname: 127.0.0.1",
                "    ports: { httpPort: 8081 }",
                "databaseConfig:",
                "    persistentDB:",
                "        SQLite: enabled",
                `        dbFilePath: ${path.basename(dbPath)}`,
                "",
            ].join("\n")
        );
        const raw = await historyHere([
            "--config",
            voWot,
            "--thing",
            ROOM,
            "--property",
            "occupancy",
            ...rangeFlags(),
            "--op",
            "read",
            "--limit",
            "4",
        ]);
        expect(raw.code, raw.err).to.equal(0);
        expect(raw.out).to.equal(`${answered.raw}\n`);
    });

    it("refuses a bad command line with status 2, naming the parameter", async function () {
        const cases: [string[], RegExp][] = [
            [["--thing", ROOM, "--property", "occupancy", "--fn", "median", "--every", "1m"], /--fn: must be one of/],
            [["--thing", ROOM, "--property", "occupancy", "--every", "1m"], /--every: needs fn/],
            [["--thing", ROOM, "--property", "occupancy", "--limit", "0"], /--limit: must be an integer/],
            [["--thing", ROOM, "--property", "occupancy", "--from", "tomorrow"], /--from:/],
            [
                ["--thing", ROOM, "--property", "occupancy", "--from", "2026-02-01", "--to", "2026-01-01"],
                /^node-wot-vo history: --from must be before --to/,
            ],
            [["--thing", ROOM, "--property", "occupancy", "--cursor", "garbage"], /--cursor: does not parse/],
            [["--thing", ROOM, "--property", "occupancy", "--op", "delete"], /--op: "delete" is not one of/],
            [["--thing", ROOM], /--property, --action or --event/],
            [["--thing", ROOM, "--property", "occupancy", "--event", "x"], /one affordance at a time/],
            [["--property", "occupancy"], /--thing/],
            [["--thing", ROOM, "--property", "occupancy", "--colour", "red"], /colour/],
            [["--thing", ROOM, "--property", "nope"], /--property: nothing was ever recorded for property "nope"/],
            [["--thing", "urn:x'; DROP TABLE ts_interaction; --", "--event", "e"], /--event: nothing was ever/],
        ];
        // in this process, then one as the child process an operator runs
        for (const [args, message] of cases) {
            const printed: string[] = [];
            const refused = await (async () => parseHistoryCommand(["--config", config, ...args]))()
                .then((command) =>
                    runHistoryCommand(
                        command,
                        (t) => printed.push(t),
                        () => undefined
                    )
                )
                .then(
                    () => undefined,
                    (err: unknown) => err
                );
            expect(refused, args.join(" ")).to.be.instanceOf(HistoryCommandError);
            expect((refused as Error).message, args.join(" ")).to.match(message);
            expect(printed).to.deep.equal([]);
        }
        for (const [args, message] of [cases[cases.length - 2]]) {
            const r = await history(["--config", config, ...args]);
            expect(r.code, args.join(" ")).to.equal(2);
            expect(r.err, args.join(" ")).to.match(message);
            expect(r.out).to.equal("");
        }
        const noDescriptor = await history(["--thing", ROOM, "--property", "occupancy"]);
        expect(noDescriptor.code).to.equal(2);
        expect(noDescriptor.err).to.match(/--config/);
        // the database is intact after the injection attempt
        const printed: string[] = [];
        await runHistoryCommand(
            parseHistoryCommand(["--config", config, "--thing", ROOM, "--property", "occupancy"]),
            (t) => printed.push(t),
            () => undefined
        );
        expect((JSON.parse(printed.join("")) as { items: unknown[] }).items.length).to.be.greaterThan(6);
    });

    it("fails with status 1 when the descriptor's database does not exist", async function () {
        const moved = path.join(dir, "moved.yaml");
        fs.writeFileSync(
            moved,
            fs.readFileSync(config, "utf8").replace(dbPath, path.join(dir, "nowhere", "none.sqlite"))
        );
        const r = await history(["--config", moved, "--thing", ROOM, "--property", "occupancy"]);
        expect(r.code).to.equal(1);
        expect(r.err).to.match(/no database at .*none\.sqlite/);
        expect(fs.existsSync(path.join(dir, "nowhere"))).to.equal(false);
    });
});

for (const engine of ["2.x", "1.8"] as const) {
    describe(`node-wot-vo history on the real InfluxDB ${engine}`, function () {
        this.timeout(90_000);
        let server: InfluxServer | Influx1Server | undefined;
        let vo: VoFixture | undefined;
        const dir = tempDir("vo-history-cli-influx-");

        after(async function () {
            await vo?.close();
            await server?.stop();
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("prints what the VO answered, read from InfluxDB with the token from a file", async function () {
            let connection: InfluxConnection;
            if (engine === "2.x") ({ connection, server } = await influxForTests(this));
            else connection = server = await ownInflux1Server(this);
            const { url, org, token } = connection;
            const tokenFile = path.join(dir, "token");
            fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
            const buckets = freshBuckets();
            vo = await startVo({ influxdb: { url, org, token, buckets } });
            const { td } = await exposeSensor(vo.wot);
            const label = td.properties!.label.forms.find((f) => f.href.startsWith("http:"))!.href;
            const from = Date.now() - 1000;
            for (const v of ["a", 'b, "c"', "d\ne"]) {
                const res = await fetch(label, {
                    method: "PUT",
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify(v),
                });
                expect(res.status).to.equal(204);
            }
            const interval = td.properties!.samplingInterval.forms.find((f) => f.href.startsWith("http:"))!.href;
            for (const v of [5, 6]) {
                const res = await fetch(interval, {
                    method: "PUT",
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify(v),
                });
                expect(res.status).to.equal(204);
            }
            await vo.vo.flush();
            const to = Date.now() + 1;
            const at = `${label}/history?from=${from}&to=${to}`;
            const json = await httpText(at);
            const csv = await httpText(at, "text/csv");
            const counted = await httpText(`${interval}/history?from=${from}&to=${to}&every=1h&fn=count`);
            await vo.close();
            vo = undefined;
            const descriptor = path.join(dir, "vo.yaml");
            fs.writeFileSync(
                descriptor,
                [
                    "name: influx-vo",
                    "databaseConfig:",
                    "    timeseries:",
                    "        influxdb:",
                    "            enabled: true",
                    `            url: ${url}`,
                    `            org: ${org}`,
                    `            tokenFile: ${tokenFile}`,
                    `            buckets: { properties: ${buckets.properties}, actions: ${buckets.actions}, events: ${buckets.events} }`,
                    "",
                ].join("\n")
            );
            const flags = ["--config", descriptor, "--thing", SENSOR, "--property", "label", "--from", `${from}`];
            const r = await history([...flags, "--to", `${to}`]);
            expect(r.code, r.err).to.equal(0);
            expect(r.out).to.equal(`${json}\n`);
            expect((JSON.parse(r.out) as { items: { value: unknown }[] }).items.map((i) => i.value)).to.deep.equal([
                "a",
                'b, "c"',
                "d\ne",
            ]);
            const c = await historyHere([...flags, "--to", `${to}`, "--csv"]);
            expect(c.out).to.equal(csv);
            const count = await historyHere([
                ...flags.slice(0, 4),
                "--property",
                "samplingInterval",
                "--from",
                `${from}`,
                "--to",
                `${to}`,
                "--every",
                "1h",
                "--fn",
                "count",
            ]);
            expect(count.code, count.err).to.equal(0);
            expect(count.out).to.equal(`${counted}\n`);
            const windows = (JSON.parse(count.out) as { windows: { value: number | null }[] }).windows;
            expect(windows.reduce((a, w) => a + (w.value ?? 0), 0)).to.equal(2);
            expect(r.err + c.err).to.not.include(token);
            const wrong = path.join(dir, "wrong-token");
            fs.writeFileSync(wrong, "not-the-token\n", { mode: 0o600 });
            fs.writeFileSync(descriptor, fs.readFileSync(descriptor, "utf8").replace(tokenFile, wrong));
            const refused = await historyHere(flags);
            expect(refused.code).to.equal(1);
            expect(refused.err).to.match(/unauthorized|401/i);
            expect(refused.err).to.not.include("not-the-token");
        });
    });
}
