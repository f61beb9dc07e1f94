import { expect } from "chai";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { HistoryRecord, InteractionRecord } from "../../src";
import type { AffordanceKind, Operation } from "../../src/model/interaction-record";
import { normalizeHistoryQuery } from "../../src/history/history-query";
import { Database } from "../../src/sqlite/database";
import { migrate, MIGRATIONS } from "../../src/sqlite/migrations";
import { resolveInfluxDbOptions } from "../../src/options/influxdb-options";
import { InfluxDbStore } from "../../src/timeseries/influxdb/influxdb-store";
import { Spool } from "../../src/timeseries/spool";
import { SqliteTimeSeriesStore } from "../../src/timeseries/sqlite/sqlite-time-series-store";
import { copyToInflux } from "../../src/timeseries/copy-to-influx";
import { parseCopyToInfluxCommand, runCopyToInfluxCommand } from "../../src/cli/copy-to-influx-command";
import { main } from "../../src/cli/main";
import { freshBuckets, InfluxConnection, influxForTests, InfluxServer } from "../helpers/influxdb-server";
import { Influx1Server, ownInflux1Server } from "../helpers/influxdb1-server";
import { CLI } from "../helpers/node-process";
import { propertyRecord } from "../helpers/records";
import { tempDir } from "../helpers/vo-fixture";

/** Recent enough for the buckets' default retention (30 days), which the copy creates them with. */
const T0 = Date.now() - 6 * 3600_000;
const THINGS = ["urn:test:thing", 'urn:a "b" \\c\nd', "SELECT"];
const NAMES = ["p", "a'b,c=d e", "line\r\nbreak\\"];
const OPS: Record<AffordanceKind, Operation[]> = {
    property: ["readproperty", "writeproperty", "propertychange"],
    action: ["invokeaction"],
    event: ["emitevent", "subscribeevent"],
};
const KINDS = ["property", "action", "event"] as const;

/** Records of every kind and value type, nanoseconds that a millisecond cannot hold, errors, origins, durations. */
function seededRecords(): InteractionRecord[] {
    const values = [1.5, -0, 1e21, 0.1 + 0.2, true, false, "", "crlf\r\n", { a: { b: [1, "x"] } }, [1, 2], null];
    return Array.from({ length: 270 }, (_, i) => {
        const kind = KINDS[i % 3];
        return propertyRecord(NAMES[Math.floor(i / 3) % NAMES.length], values[i % values.length], T0, {
            ts: BigInt(T0 + i * 1000) * 1_000_000n + BigInt(i % 997),
            thing: THINGS[Math.floor(i / 9) % THINGS.length],
            kind,
            op: OPS[kind][i % OPS[kind].length],
            protocol: i % 2 === 0 ? "http" : "coap",
            ok: i % 5 !== 0,
            output: kind === "action" ? { done: i } : undefined,
            error: i % 7 === 0 ? 'failed: "x"\r\n' : undefined,
            durationMs: kind === "action" ? i / 4 : undefined,
            stale: i % 11 === 0,
            valid: i % 13 !== 0,
            truncated: i % 17 === 0,
            origin: i % 4 === 0 ? undefined : "127.0.0.1:40000",
        });
    });
}

/** A SQLite file of the current schema with the records written through the embedded store. */
async function storeFile(file: string, records: readonly InteractionRecord[], batch = 1000): Promise<void> {
    const db = await Database.open(file);
    await migrate(db);
    const store = new SqliteTimeSeriesStore(db);
    for (let i = 0; i < records.length; i += batch) await store.write(records.slice(i, i + batch));
    await store.close();
    await db.close();
}

for (const engine of ["2.x", "1.8"] as const) {
    describe(`copy-to-influx: the embedded store's history into InfluxDB (real influxd ${engine}, real SQLite)`, function () {
        this.timeout(120_000);
        let connection: InfluxConnection | undefined;
        let server: InfluxServer | Influx1Server | undefined;
        let dir: string;
        const closers: (() => Promise<void>)[] = [];

        before(async function () {
            if (engine === "2.x") ({ connection, server } = await influxForTests(this));
            else connection = server = await ownInflux1Server(this);
        });
        beforeEach(() => (dir = tempDir()));
        afterEach(async () => {
            for (const close of closers.splice(0).reverse()) await close();
            fs.rmSync(dir, { recursive: true, force: true });
        });
        after(async () => await server?.stop());

        /** The environment a user gives the command: the token in a file, never on the command line. */
        function env(): NodeJS.ProcessEnv {
            const tokenFile = path.join(dir, "token");
            fs.writeFileSync(tokenFile, `${connection!.token}\n`);
            return { INFLUX_URL: connection!.url, INFLUX_ORG: connection!.org, INFLUX_TOKEN_FILE: tokenFile };
        }

        /** A descriptor of a VO moving to InfluxDB: the test's buckets, the token in a file. */
        function descriptor(buckets: ReturnType<typeof freshBuckets>, more: string[] = []): string {
            env(); // writes the token file
            const file = path.join(dir, "vo.yaml");
            const influx = [`enabled: true`, `url: ${connection!.url}`, `org: ${connection!.org}`, "tokenFile: token"];
            influx.push(`buckets: ${JSON.stringify(buckets)}`, ...more);
            const lines = ["name: moving", "databaseConfig:", "  timeseries:", "    influxdb:"];
            fs.writeFileSync(file, [...lines, ...influx.map((l) => `      ${l}`), ""].join("\n"));
            return file;
        }

        async function openInflux(buckets: ReturnType<typeof freshBuckets>) {
            const db = await Database.open(":memory:");
            await migrate(db);
            const options = resolveInfluxDbOptions({ url: connection!.url, buckets }, env());
            const store = new InfluxDbStore(options, await Spool.open(db, options.maxSpoolBytes));
            closers.push(async () => {
                await store.close();
                await db.close();
            });
            return store;
        }

        /** Points per kind in the per-kind measurements. */
        async function counts(store: InfluxDbStore): Promise<number[]> {
            return Promise.all(
                KINDS.map(async (kind) => {
                    const rows = await store.executeInfluxQL(`SELECT count("valid") FROM "vo_${kind}"`, undefined, {
                        database: store.options.buckets[kind],
                    });
                    return Number(rows[0]?.count ?? 0);
                })
            );
        }

        /** Every series as a store answers it, oldest first. */
        async function everything(store: { history: InfluxDbStore["history"] }): Promise<HistoryRecord[][]> {
            const all: HistoryRecord[][] = [];
            for (const thing of THINGS)
                for (const kind of KINDS)
                    for (const name of NAMES) {
                        const q = normalizeHistoryQuery({ thing, kind, name, limit: 1000, from: new Date(0) });
                        all.push((await store.history(q)) as HistoryRecord[]);
                    }
            return all;
        }

        it("copies every record exactly as the embedded store answers it, resumes a stopped run, adds nothing when run again", async function () {
            const file = path.join(dir, "vo.sqlite");
            const records = seededRecords();
            await storeFile(file, records, 50);
            const db = await Database.open(file);
            const expected = await everything(new SqliteTimeSeriesStore(db));
            await db.close();
            expect(expected.flat()).to.have.length(records.length);

            const buckets = freshBuckets();
            const config = descriptor(buckets);
            const command = parseCopyToInfluxCommand(["--config", config, "--sqlite", file, "--page", "20"]);
            const influxdb = resolveInfluxDbOptions({ url: connection!.url, buckets }, env());
            influxdb.bucketRetentionSeconds = { property: 0, action: 0, event: 0 };
            // a run stopped after three requests of 20 points
            let lines = 0;
            const stopped = await copyToInflux({
                sqliteFile: file,
                influxdb,
                progressFile: `${file}.influx-copy.json`,
                pagePoints: 20,
                logEveryMs: 0,
                log: () => {
                    if (++lines === 4) throw new Error("stopped");
                },
            }).catch((err: Error) => err);
            expect((stopped as Error).message).to.equal("stopped");
            const influx = await openInflux(buckets);
            const partial = (await counts(influx)).reduce((a, b) => a + b);
            expect(partial).to.be.at.least(60).and.lessThan(records.length);

            const out: string[] = [];
            await runCopyToInfluxCommand(command, (l) => out.push(l), env());
            const text = out.join("\n");
            expect(text).to.match(/270 point\(s\) in 27 series, \d+ copied before \(resuming from /);
            expect(text).to.match(/copied 270 \/ 270 points \(100%\), \d+ points\/s/);
            expect(text).to.include("vo_status, device_status, vo_run");
            expect(text).not.to.include(connection!.token);
            const kinds = KINDS.map((k) => records.filter((r) => r.kind === k).length);
            expect(await counts(influx)).to.deep.equal(kinds);
            expect(await everything(influx)).to.deep.equal(expected);

            // again from its progress file, then from none: every point again, the same series and times
            await runCopyToInfluxCommand(command, () => undefined, env());
            fs.rmSync(`${file}.influx-copy.json`);
            await runCopyToInfluxCommand(command, () => undefined, env());
            expect(await counts(influx)).to.deep.equal(kinds);
            expect(await everything(influx)).to.deep.equal(expected);
        });

        it("names bad input with status 2 and a refused token with status 1, never showing the token", async function () {
            const status = async (argv: string[], environment: NodeJS.ProcessEnv) => {
                const stderr: string[] = [];
                const [writeOut, writeErr, saved] = [process.stdout.write, process.stderr.write, { ...process.env }];
                process.stdout.write = (() => true) as typeof process.stdout.write;
                process.stderr.write = ((chunk: string) => stderr.push(chunk) > 0) as typeof process.stderr.write;
                Object.assign(process.env, environment);
                try {
                    return { code: await main(["copy-to-influx", ...argv]), stderr: stderr.join("") };
                } finally {
                    [process.stdout.write, process.stderr.write] = [writeOut, writeErr];
                    for (const k of Object.keys(environment)) if (!(k in saved)) delete process.env[k];
                }
            };
            const missing = path.join(dir, "none.sqlite");
            let r = await status(["--sqlite", missing], env());
            expect(r).to.deep.include({ code: 2 });
            expect(r.stderr).to.include(`cannot read ${missing}: ENOENT`);
            expect(fs.existsSync(missing)).to.equal(false);

            const old = path.join(dir, "old.sqlite");
            const db = await Database.open(old);
            await migrate(db, MIGRATIONS.slice(0, -1));
            await db.close();
            r = await status(["--sqlite", old], env());
            expect(r.code).to.equal(2);
            expect(r.stderr).to.match(/older than this release's \d+: start the VO once to migrate it/);

            const file = path.join(dir, "vo.sqlite");
            await storeFile(file, seededRecords().slice(0, 5));
            const progress = `${file}.influx-copy.json`;
            const elsewhere = { sqlite: file, server: "http://elsewhere:8086 org wot buckets a, b, c", cursors: {} };
            fs.writeFileSync(progress, JSON.stringify(elsewhere));
            r = await status(["--sqlite", file], env());
            expect(r.code).to.equal(2);
            expect(r.stderr).to.match(
                /^node-wot-vo copy-to-influx: .* records a copy of .* to http:\/\/elsewhere:8086 org wot/
            );
            fs.rmSync(progress);

            r = await status(["--sqlite", file, "--influx-url", "http://127.0.0.1:1"], env());
            expect(r.code).to.equal(1);
            expect(r.stderr).to.match(/InfluxDB at http:\/\/127\.0\.0\.1:1 unreachable: ECONNREFUSED/);

            const wrong = "wrong-token-0123456789";
            fs.writeFileSync(path.join(dir, "bad-token"), wrong);
            r = await status(["--sqlite", file], {
                ...env(),
                INFLUX_TOKEN_FILE: path.join(dir, "bad-token"),
            });
            expect(r.code).to.equal(1);
            expect(r.stderr).to.match(/InfluxDB answered 401|token/);
            expect(r.stderr).not.to.include(wrong);
        });

        it("counts the points InfluxDB drops as older than its bucket's retention, and copies the others", async function () {
            const file = path.join(dir, "vo.sqlite");
            const now = Date.now();
            const old = [1, 2, 3].map((d) => propertyRecord("p", d, now - d * 86_400_000));
            await storeFile(file, [...old, propertyRecord("p", 0, now - 60_000), propertyRecord("q", 0, now - 60_000)]);
            const buckets = freshBuckets();
            const config = descriptor(buckets, ["retention: 1h"]);
            const out: string[] = [];
            await runCopyToInfluxCommand(
                parseCopyToInfluxCommand(["-f", config, "--sqlite", file]),
                (l) => out.push(l),
                env()
            );
            expect(out.join("\n")).to.include(
                "3 point(s) older than their bucket's retention were dropped by InfluxDB"
            );
            expect(await counts(await openInflux(buckets))).to.deep.equal([2, 0, 0]);
        });

        it("copies 100 000 records, resuming after the process was killed mid-copy", async function () {
            const n = 100_000;
            const file = path.join(dir, "big.sqlite");
            const base = BigInt(T0) * 1_000_000n;
            const records = Array.from({ length: n }, (_, i) =>
                propertyRecord(`p${i % 10}`, i, T0, { ts: base + BigInt(i) * 1_000_003n })
            );
            await storeFile(file, records);
            const buckets = freshBuckets();
            const config = descriptor(buckets);
            const progress = `${file}.influx-copy.json`;
            const child = spawn(process.execPath, [CLI, "copy-to-influx", "-f", config, "--sqlite", file], {
                env: { ...process.env, ...env() },
                stdio: "ignore",
            });
            const exited = new Promise((resolve) => child.once("exit", resolve));
            while (!fs.existsSync(progress)) await new Promise((resolve) => setTimeout(resolve, 20));
            child.kill("SIGKILL");
            await exited;
            const influx = await openInflux(buckets);
            const before = (await counts(influx))[0];
            expect(before).to.be.greaterThan(0).and.lessThan(n);

            const out: string[] = [];
            await runCopyToInfluxCommand(
                parseCopyToInfluxCommand(["-f", config, "--sqlite", file]),
                (l) => out.push(l),
                env()
            );
            expect(out.join("\n")).to.match(new RegExp(`${n} point\\(s\\) in 10 series, \\d+ copied before`));
            expect(out.join("\n")).to.include(`copied ${n} / ${n} points (100%)`);
            expect(await counts(influx)).to.deep.equal([n, 0, 0]);
            const last = (await influx.history(
                normalizeHistoryQuery({
                    thing: "urn:test:thing",
                    kind: "property",
                    name: "p9",
                    order: "newest",
                    limit: 1,
                    from: new Date(0),
                })
            )) as HistoryRecord[];
            expect(last[0].timestampNs).to.equal((base + BigInt(n - 1) * 1_000_003n).toString());
            expect(last[0].value).to.equal(n - 1);
        });
    });
}

describe("copy-to-influx command line", function () {
    it("names a bad option and needs the file to copy", function () {
        expect(parseCopyToInfluxCommand(["--sqlite", "x.sqlite"])).to.deep.equal({
            config: undefined,
            sqlite: "x.sqlite",
            influxUrl: undefined,
            org: undefined,
            progress: undefined,
            page: undefined,
        });
        expect(() => parseCopyToInfluxCommand([])).to.throw(/give --config <descriptor> or --sqlite <file>/);
        expect(() => parseCopyToInfluxCommand(["--sqlite", "x", "--page", "0"])).to.throw(/--page: points per page/);
        expect(() => parseCopyToInfluxCommand(["--token", "x"])).to.throw(/copy-to-influx: Unknown option '--token'/);
    });
});
