import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import type { HistoryRecord, InteractionRecord } from "../../src";
import { type AffordanceKind, type Operation, OPERATIONS } from "../../src/model/interaction-record";
import { normalizeHistoryQuery } from "../../src/history/history-query";
import { Database } from "../../src/sqlite/database";
import { migrate } from "../../src/sqlite/migrations";
import { type InfluxLayout, resolveInfluxDbOptions } from "../../src/options/influxdb-options";
import { InfluxDbStore } from "../../src/timeseries/influxdb/influxdb-store";
import { kindOfOp, migrateLayout } from "../../src/timeseries/influxdb/layout-migration";
import { Spool } from "../../src/timeseries/spool";
import { parseMigrateInfluxCommand, runMigrateInfluxCommand } from "../../src/cli/migrate-influx-command";
import { main } from "../../src/cli/main";
import { freshBuckets, InfluxConnection, influxForTests, InfluxServer } from "../helpers/influxdb-server";
import { Influx1Server, ownInflux1Server } from "../helpers/influxdb1-server";
import { propertyRecord } from "../helpers/records";
import { tempDir } from "../helpers/vo-fixture";

const T0 = Date.UTC(2026, 0, 1);

/** Names that must stay data: quotes, backslashes, newlines, `/`, regular expression characters, InfluxQL keywords. */
const THINGS = ["urn:test:thing", 'urn:a "b" \\c\nd', "urn:x/y.*+?()[]{}^$|", "SELECT", "vo_events"];
const NAMES = ["p", "a'b,c=d e", "time", "/.*/", "line\r\nbreak\\"];
const OPS: Record<AffordanceKind, Operation[]> = {
    property: ["readproperty", "writeproperty", "propertychange"],
    action: ["invokeaction"],
    event: ["emitevent", "subscribeevent"],
};

/**
 * Seeded records of every kind and value type; in each Thing's measurement of a kind, two series share each
 * timestamp (i and i + 15 differ in protocol), the hard case of reading in pages.
 */
function seededRecords(): InteractionRecord[] {
    let x = 0x1d;
    const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const values = [1.5, -0, 1e21, true, false, "", "crlf\r\n", { a: { b: [1, "x"] }, "k=,": null }, [1, 2], null];
    return Array.from({ length: 240 }, (_, i) => {
        const kind = (["property", "action", "event"] as const)[i % 3];
        const ops = OPS[kind];
        return propertyRecord(NAMES[Math.floor(next() * NAMES.length)], values[i % values.length], T0, {
            ts: BigInt(T0 + Math.floor(i / 30) * 1000) * 1_000_000n + 7n,
            thing: THINGS[i % THINGS.length],
            kind,
            op: ops[i % ops.length],
            protocol: i % 2 === 0 ? "http" : "coap",
            ok: next() > 0.2,
            output: kind === "action" ? { done: i } : undefined,
            error: i % 7 === 0 ? 'failed: "x"\r\n' : undefined,
            durationMs: kind === "action" ? i / 4 : undefined,
            stale: i % 11 === 0,
            origin: i % 5 === 0 ? undefined : "127.0.0.1:40000",
        });
    });
}

for (const engine of ["2.x", "1.8"] as const) {
    describe(`InfluxDB layout migration, per-thing to per-kind (real influxd ${engine} on 127.0.0.1)`, function () {
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

        const settings = () => ({ url: connection!.url, org: connection!.org, token: connection!.token });

        async function openStore(buckets: ReturnType<typeof freshBuckets>, layout?: InfluxLayout) {
            const db = await Database.open(":memory:");
            await migrate(db);
            const options = resolveInfluxDbOptions({ ...settings(), buckets, layout });
            const store = new InfluxDbStore(options, await Spool.open(db, options.maxSpoolBytes));
            await store.start();
            closers.push(async () => {
                await store.close();
                await db.close();
            });
            return store;
        }

        /** Every record of every Thing, kind and affordance, as the store reads them back. */
        async function everything(store: InfluxDbStore): Promise<HistoryRecord[][]> {
            const all: HistoryRecord[][] = [];
            for (const thing of THINGS)
                for (const kind of ["property", "action", "event"] as const)
                    for (const name of NAMES)
                        all.push(
                            (await store.history(
                                normalizeHistoryQuery({ thing, kind, name, limit: 1000 })
                            )) as HistoryRecord[]
                        );
            return all;
        }

        /** Points per kind in the per-kind measurements. */
        async function counts(store: InfluxDbStore): Promise<number[]> {
            const buckets = store.options.buckets;
            return Promise.all(
                (["property", "action", "event"] as const).map(async (kind) => {
                    const rows = await store.executeInfluxQL(`SELECT count("valid") FROM "vo_${kind}"`, undefined, {
                        database: buckets[kind],
                    });
                    return Number(rows[0]?.count ?? 0);
                })
            );
        }

        /** A descriptor of a VO recording to the buckets, its token in a file. */
        function descriptor(buckets: ReturnType<typeof freshBuckets>): string {
            const tokenFile = path.join(dir, "token");
            fs.writeFileSync(tokenFile, `${connection!.token}\n`);
            const file = path.join(dir, "vo.yaml");
            fs.writeFileSync(
                file,
                [
                    "name: migrating",
                    "databaseConfig:",
                    "  timeseries:",
                    "    influxdb:",
                    "      enabled: true",
                    `      url: ${connection!.url}`,
                    `      org: ${connection!.org}`,
                    "      tokenFile: token",
                    `      buckets: ${JSON.stringify(buckets)}`,
                    "",
                ].join("\n")
            );
            return file;
        }

        it("copies every record exactly, resumes where a run stopped, and adds nothing when run again", async function () {
            const buckets = freshBuckets();
            const records = seededRecords();
            const old = await openStore(buckets, "per-thing");
            await old.write(records);
            await old.flush();
            const before = await everything(old);
            expect(before.flat()).to.have.length(records.length);

            // a VO upgraded without a layout option keeps reading what it wrote
            const upgraded = await openStore(buckets);
            expect(await upgraded.layout()).to.equal("per-thing");
            expect(await everything(upgraded)).to.deep.equal(before);

            // a run stopped after a few pages of 1 point (each then read again 2, then 4 large: two share a timestamp)
            const progressFile = path.join(dir, "progress.json");
            const influxdb = resolveInfluxDbOptions({ ...settings(), buckets });
            let pages = 0;
            const stopped = await migrateLayout({
                influxdb,
                progressFile,
                pagePoints: 1,
                log: (line) => {
                    if (line.includes("so far") && ++pages === 5) throw new Error("stopped");
                },
            }).catch((err: Error) => err);
            expect((stopped as Error).message).to.equal("stopped");
            const partial = (await counts(await openStore(buckets, "per-kind"))).reduce((a, b) => a + b);
            expect(partial).to.be.greaterThan(0).and.lessThan(records.length);

            const lines: string[] = [];
            const config = descriptor(buckets);
            const command = parseMigrateInfluxCommand(["--config", config, "--progress", progressFile, "--page", "7"]);
            await runMigrateInfluxCommand(command, (line) => lines.push(line), {});
            expect(lines.join("\n")).to.match(/\[1\/5\] "SELECT": \d+ point\(s\) copied/);
            expect(lines.join("\n")).to.include(`${JSON.stringify(THINGS[1])}:`);
            expect(lines.join("\n")).not.to.include(connection!.token);

            const fresh = await openStore(buckets);
            expect(await fresh.layout()).to.equal("per-kind");
            expect(await everything(fresh)).to.deep.equal(before);
            const kinds = (["property", "action", "event"] as const).map(
                (k) => records.filter((r) => r.kind === k).length
            );
            expect(await counts(fresh)).to.deep.equal(kinds);

            // again, from its progress file and from none: the same points, no more
            const again: string[] = [];
            await runMigrateInfluxCommand(command, (line) => again.push(line), {});
            expect(again.join("\n")).to.match(
                /"SELECT": resuming at 2026-01-01T00:00:07\.000000007Z \(copied before\)/
            );
            fs.rmSync(progressFile);
            await runMigrateInfluxCommand({ ...command, page: undefined }, () => undefined, {});
            expect(await counts(fresh)).to.deep.equal(kinds);
            expect(await everything(fresh)).to.deep.equal(before);
        });

        it("takes a bucket holding other measurements than the VO's for a new one, and copies nothing of them", async function () {
            const buckets = freshBuckets();
            const store = await openStore(buckets, "per-kind"); // creates the buckets
            const res = await fetch(
                `${connection!.url}/api/v2/write?org=${connection!.org}&bucket=${buckets.properties}&precision=ns`,
                {
                    method: "POST",
                    headers: { authorization: `Token ${connection!.token}` },
                    body: `cpu,host=a usage=1,valid=true 1\nurn:thing,name=p ok="x" 2`,
                }
            );
            expect(res.status).to.equal(204);
            expect(await (await openStore(buckets)).layout()).to.equal("per-kind");
            const lines: string[] = [];
            const influxdb = resolveInfluxDbOptions({ ...settings(), buckets });
            const result = await migrateLayout({
                influxdb,
                progressFile: path.join(dir, "p.json"),
                log: (l) => lines.push(l),
            });
            expect(result).to.deep.equal({ measurements: 2, points: 0 });
            expect(lines).to.include(`${buckets.properties}: 2 per-thing measurement(s) of property records`);
            expect(await counts(store)).to.deep.equal([0, 0, 0]);
        });

        it("copies from buckets that coincide, each point to the measurement its op names", async function () {
            const one = `all-${freshBuckets().properties}`;
            const buckets = { properties: one, actions: one, events: one };
            const old = await openStore(buckets, "per-thing");
            await old.write([
                propertyRecord("p", 1, T0),
                propertyRecord("p", 2, T0 + 1, { kind: "action", op: "invokeaction", output: 3 }),
                propertyRecord("p", undefined, T0 + 2, { kind: "event", op: "subscribeevent" }),
            ]);
            await old.flush();
            const influxdb = resolveInfluxDbOptions({ ...settings(), buckets });
            const lines: string[] = [];
            const progressFile = path.join(dir, "p.json");
            expect(await migrateLayout({ influxdb, progressFile, log: (l) => lines.push(l) })).to.deep.equal({
                measurements: 1,
                points: 3,
            });
            expect(lines[0]).to.equal(`${one}: 1 per-thing measurement(s) of property, action, event records`);
            const fresh = await openStore(buckets, "per-kind");
            const read = async (kind: AffordanceKind) =>
                (
                    (await fresh.history(
                        normalizeHistoryQuery({ thing: "urn:test:thing", kind, name: "p" })
                    )) as HistoryRecord[]
                ).map((r) => [r.op, r.value ?? null, r.output ?? null]);
            expect(await read("property")).to.deep.equal([["readproperty", 1, null]]);
            expect(await read("action")).to.deep.equal([["invokeaction", 2, 3]]);
            expect(await read("event")).to.deep.equal([["subscribeevent", null, null]]);
        });

        it("refuses a progress file of another server, and names a refused token without showing it", async function () {
            const buckets = freshBuckets();
            const progressFile = path.join(dir, "progress.json");
            fs.writeFileSync(progressFile, JSON.stringify({ server: "http://elsewhere:8086 org wot", cursors: {} }));
            const config = descriptor(buckets);
            const command = parseMigrateInfluxCommand(["--config", config, "--progress", progressFile]);
            let failure = await runMigrateInfluxCommand(command, () => undefined, {}).catch((err: Error) => err);
            expect(failure?.message).to.match(/records a migration of http:\/\/elsewhere:8086 org wot, not of http/);
            fs.rmSync(progressFile);
            const wrong = "wrong-token-0123456789";
            failure = await runMigrateInfluxCommand(command, () => undefined, {}).catch((err: Error) => err);
            expect(failure).to.equal(undefined); // nothing to copy in empty buckets
            fs.writeFileSync(path.join(dir, "token"), wrong);
            const stderr: string[] = [];
            const [writeOut, writeErr] = [process.stdout.write, process.stderr.write];
            process.stdout.write = (() => true) as typeof process.stdout.write;
            process.stderr.write = ((chunk: string) => stderr.push(chunk) > 0) as typeof process.stderr.write;
            let status: number;
            try {
                status = await main(["migrate-influx", "--config", config, "--progress", progressFile]);
            } finally {
                [process.stdout.write, process.stderr.write] = [writeOut, writeErr];
            }
            expect(status).to.equal(1);
            expect(stderr.join("")).to.match(/InfluxDB|token|unauthorized/i);
            expect(stderr.join("")).not.to.include(wrong);
        });
    });
}

describe("migrate-influx command line", function () {
    it("names a bad option and takes its defaults", function () {
        expect(parseMigrateInfluxCommand([])).to.deep.equal({
            config: undefined,
            progress: "influx-migration.json",
            page: undefined,
        });
        expect(() => parseMigrateInfluxCommand(["--page", "0"])).to.throw(/--page: points per page/);
        expect(() => parseMigrateInfluxCommand(["--nope"])).to.throw(/migrate-influx: Unknown option '--nope'/);
    });
});

describe("the kind of a per-thing point from its op", function () {
    it("names one for every operation a record may carry, and none for anything else", function () {
        const kinds = Object.fromEntries(OPERATIONS.map((op) => [op, kindOfOp(op)]));
        expect(kinds).to.deep.equal({
            readproperty: "property",
            writeproperty: "property",
            readallproperties: "property",
            readmultipleproperties: "property",
            writeallproperties: "property",
            writemultipleproperties: "property",
            observeproperty: "property",
            unobserveproperty: "property",
            propertychange: "property",
            invokeaction: "action",
            subscribeevent: "event",
            unsubscribeevent: "event",
            emitevent: "event",
        });
        expect(kindOfOp("cpu")).to.equal(undefined);
    });
});
