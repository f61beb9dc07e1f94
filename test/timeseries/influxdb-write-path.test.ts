import { ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { format } from "node:util";
import createDebug from "debug";
import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import type { FluxRow, InfluxDbStats } from "../../src";
import { WARNINGS } from "../../src/log";
import { Database } from "../../src/sqlite/database";
import { freshBuckets, InfluxServer, ownInfluxServer } from "../helpers/influxdb-server";
import { Influx1Server, ownInflux1Server } from "../helpers/influxdb1-server";
import { exposeSensor } from "../helpers/sensor-thing";
import { FIELD_TYPES } from "../../src/timeseries/influxdb/line-protocol";
import { ClientFixture, formIndex, startClient, startVo, tempDir, VoFixture, waitFor } from "../helpers/vo-fixture";

const THING = "urn:dev:ops:environment-sensor-1";

/** Every log line the package writes while `fn` runs (the `debug` output, where warnings go). */
async function capturingLogs<T>(fn: () => Promise<T>): Promise<{ result: T; logs: string }> {
    const lines: string[] = [];
    const previous = createDebug.log;
    const namespaces = createDebug.disable(); // the library turns no logger on: the host (here, this test) does
    createDebug.enable([namespaces, WARNINGS].filter((s) => s.length > 0).join(","));
    createDebug.log = (...args: unknown[]) => lines.push(format(...args));
    try {
        return { result: await fn(), logs: lines.join("\n") };
    } finally {
        createDebug.log = previous;
        createDebug.enable(namespaces);
    }
}

/** The label values of writeproperty points in a bucket, straight from InfluxDB (raw Flux). */
async function labelsInInflux(vo: VoFixture, bucket: string): Promise<string[]> {
    const rows: FluxRow[] = await vo.servient.influxdb.executeQuery(
        `from(bucket: "${bucket}") |> range(start: 0)
           |> filter(fn: (r) => r._measurement == "vo_property" and r.thing == "${THING}" and r.name == "label" and r.op == "writeproperty")
           |> filter(fn: (r) => r._field == "value_str")
           |> group() |> keep(columns: ["_value"])`
    );
    return rows.map((r) => String(r._value));
}

/** `count` HTTP writes of "w-<i>" to the label property, `concurrency` at a time, bounded by `deadline`. */
async function writeLabels(
    consumed: WoT.ConsumedThing,
    td: WoT.ThingDescription,
    from: number,
    count: number,
    deadline: number,
    concurrency = 8
): Promise<void> {
    const options = { formIndex: formIndex(td.properties!.label, "http", "writeproperty") };
    let next = from;
    const worker = async (): Promise<void> => {
        while (next < from + count) {
            if (Date.now() > deadline) throw new Error("load did not finish in time");
            await consumed.writeProperty("label", `w-${next++}`, options);
        }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
}

function expectExactlyOnce(found: string[], expected: string[]): void {
    const dupes = found.filter((v, i) => found.indexOf(v) !== i);
    expect(dupes, "points stored twice").to.deep.equal([]);
    expect([...found].sort()).to.deep.equal([...expected].sort());
}

function storeStats(vo: VoFixture): InfluxDbStats {
    return vo.vo.stats().store as InfluxDbStats;
}

for (const engine of ["2.x", "1.8"] as const) {
    describe(`InfluxDB write path (real influxd ${engine} on 127.0.0.1, killed and restarted)`, function () {
        this.timeout(180_000);
        let server: InfluxServer | Influx1Server;
        let tokenFile: string;
        let vo: VoFixture | undefined;
        let client: ClientFixture | undefined;

        before(async function () {
            server = engine === "2.x" ? await ownInfluxServer(this) : await ownInflux1Server(this);
            tokenFile = server.tokenFile();
        });
        after(async () => server?.stop());
        afterEach(async () => {
            await client?.close();
            await vo?.close();
            client = vo = undefined;
            await server?.restart(); // every test starts from a running server
        });

        const influxOptions = (buckets = freshBuckets()) => ({
            url: server.url,
            org: server.org,
            tokenFile,
            buckets,
        });

        it("records every interaction kind over HTTP, answers history, latest and raw Flux", async function () {
            const buckets = freshBuckets();
            vo = await startVo({ influxdb: influxOptions(buckets) });
            client = await startClient();
            const { thing, td } = await exposeSensor(vo.wot);
            const consumed = await client.wot.consume(td);
            const http = (a: unknown, op?: string) => ({
                formIndex: formIndex(a as { forms: { href: string }[] }, "http", op),
            });
            const events: unknown[] = [];
            const sub = await consumed.subscribeEvent(
                "overheat",
                async (d) => void events.push(await d.value()),
                undefined,
                http(td.events!.overheat, "subscribeevent")
            );
            await (await consumed.readProperty("temperature", http(td.properties!.temperature))).value();
            await consumed.writeProperty(
                "location",
                { room: "B 2", floor: -1, tags: ["a,b"] },
                http(td.properties!.location, "writeproperty")
            );
            await consumed.writeProperty("label", 'a "quoted", = label\n', http(td.properties!.label, "writeproperty"));
            await (await consumed.invokeAction("calibrate", { offset: 2 }, http(td.actions!.calibrate)))?.value();
            await consumed
                .invokeAction("calibrate", { offset: 500 }, http(td.actions!.calibrate))
                .catch(() => undefined);
            // the long poll is registered once its subscribe record is in
            await waitFor(
                async () => {
                    await vo!.vo.flush();
                    const rows = await vo!.vo.history({ thing: THING, kind: "event", name: "overheat" });
                    return rows.length > 0;
                },
                10_000,
                "subscribe record"
            );
            thing.emitEvent("overheat", { temperature: 81 });
            await waitFor(() => events.length === 1, 10_000, "the event at the client");
            await sub.stop(http(td.events!.overheat, "unsubscribeevent"));
            await vo.vo.flush();

            const reads = await vo.vo.history({ thing: THING, kind: "property", name: "temperature" });
            expect(reads.map((r) => [r.op, r.value, r.protocol])).to.deep.equal([["readproperty", 21.5, "http"]]);
            expect(reads[0].origin).to.match(/^127\.0\.0\.1:\d+$/);
            expect((await vo.vo.latest(THING, "location"))?.value).to.deep.equal({
                room: "B 2",
                floor: -1,
                tags: ["a,b"],
            });
            expect((await vo.vo.latest(THING, "label"))?.value).to.equal('a "quoted", = label\n');
            const actions = await vo.vo.history({ thing: THING, kind: "action", name: "calibrate" });
            expect(actions.map((a) => [a.ok, a.value, a.output])).to.deep.equal([
                [true, { offset: 2 }, { offset: 2, applied: true }],
                [false, { offset: 500 }, undefined],
            ]);
            expect(actions[1].error).to.include("offset out of range");
            expect(actions[0].durationMs).to.be.a("number");
            const emitted = await vo.vo.history({ thing: THING, kind: "event", name: "overheat" });
            expect(emitted.map((e) => e.op)).to.include.members(["subscribeevent", "emitevent"]);
            expect(emitted.find((e) => e.op === "emitevent")?.value).to.deep.equal({ temperature: 81 });

            // one measurement per kind, the Thing a tag, object values as JSON text: a fixed set of columns
            const database = { database: buckets.properties };
            const measurements = await vo.servient.influxdb.executeInfluxQL("SHOW MEASUREMENTS", undefined, database);
            expect(measurements.map((r) => r.name)).to.deep.equal(["vo_property"]);
            const fields = await vo.servient.influxdb.executeInfluxQL(
                'SHOW FIELD KEYS FROM "vo_property"',
                {},
                database
            );
            expect(fields.map((r) => String(r.fieldKey)))
                .to.include("value_json")
                .and.not.include("value.floor_num");
            expect(fields.map((r) => String(r.fieldKey))).to.satisfy((fs: string[]) =>
                fs.every((f) => f in FIELD_TYPES)
            );
            expect(storeStats(vo)).to.include({ spooled: 0, pending: 0, dropped: 0, down: false });
            expect(storeStats(vo).written).to.be.greaterThan(5);
        });

        it("SIGKILLed during a bounded load and restarted: every point lands exactly once", async function () {
            const buckets = freshBuckets();
            vo = await startVo({ influxdb: influxOptions(buckets) });
            client = await startClient();
            const { td } = await exposeSensor(vo.wot);
            const consumed = await client.wot.consume(td);
            const deadline = Date.now() + 120_000;
            const N = 1500;

            await writeLabels(consumed, td, 0, 500, deadline);
            await server.kill("SIGKILL");
            await writeLabels(consumed, td, 500, 500, deadline); // InfluxDB is gone: clients still served
            const restarting = server.restart();
            await writeLabels(consumed, td, 1000, 500, deadline); // and while it comes back
            await restarting;
            await vo.vo.flush();

            const stats = storeStats(vo);
            expect(stats.spooled, "points spooled while InfluxDB was down").to.be.greaterThan(0);
            expect(stats).to.include({ pending: 0, dropped: 0, rejected: 0, replayed: stats.spooled });
            expect(stats.written + stats.spooled).to.equal(N);
            expectExactlyOnce(
                await labelsInInflux(vo, buckets.properties),
                Array.from({ length: N }, (_, i) => `w-${i}`)
            );
            const history = await vo.vo.history({ thing: THING, kind: "property", name: "label", limit: 10_000 });
            expect(history.map((r) => r.value)).to.have.length(N);
        });

        it("keeps the wrong token out of logs and errors, and the points in the spool until a right one", async function () {
            const dir = tempDir();
            const dbPath = path.join(dir, "vo.sqlite");
            const buckets = freshBuckets();
            const wrong = "wrong-token-0123456789abcdef";
            const { logs, result: flushError } = await capturingLogs(async () => {
                vo = await startVo({
                    sqlite: { path: dbPath },
                    influxdb: { ...influxOptions(buckets), tokenFile: undefined, token: wrong },
                });
                client = await startClient();
                const { td } = await exposeSensor(vo.wot);
                await writeLabels(await client.wot.consume(td), td, 0, 20, Date.now() + 30_000, 1);
                return vo.vo.flush().then(
                    () => new Error("flush should have failed"),
                    (err: Error) => err
                );
            });
            expect(flushError.message).to.match(/20 points still spooled: InfluxDB answered 401.*token was refused/);
            expect(storeStats(vo!)).to.include({ pending: 20, written: 0 });
            expect(storeStats(vo!).lastError).to.match(/token was refused/);
            expect(logs).to.match(/token was refused/);
            for (const text of [logs, flushError.message, flushError.stack ?? "", JSON.stringify(vo!.vo.stats())]) {
                expect(text).not.to.include(wrong);
                expect(text).not.to.include(server.token);
            }
            expect(vo!.vo.timeSeriesTarget).not.to.include(wrong);
            await client!.close();
            await vo!.close();

            // the same VO file with the right token: the spool replays at start
            vo = await startVo({ sqlite: { path: dbPath }, influxdb: influxOptions(buckets) });
            client = undefined;
            await vo.vo.flush();
            expectExactlyOnce(
                await labelsInInflux(vo, buckets.properties),
                Array.from({ length: 20 }, (_, i) => `w-${i}`)
            );
            expect(storeStats(vo)).to.include({ replayed: 20, pending: 0 });
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("serves and spools when InfluxDB is down at VO start, and delivers when it is back", async function () {
            const buckets = freshBuckets();
            await server.kill("SIGKILL");
            vo = await startVo({ influxdb: influxOptions(buckets) });
            client = await startClient();
            const { td } = await exposeSensor(vo.wot);
            await writeLabels(await client.wot.consume(td), td, 0, 100, Date.now() + 30_000);
            await vo.vo.flush().catch(() => undefined); // cannot succeed yet
            expect(storeStats(vo)).to.include({ pending: 100, written: 0, down: true });
            expect(storeStats(vo).lastError).to.match(/InfluxDB unreachable: ECONNREFUSED/);
            await server.restart();
            await vo.vo.flush();
            expectExactlyOnce(
                await labelsInInflux(vo, buckets.properties),
                Array.from({ length: 100 }, (_, i) => `w-${i}`)
            );
        });

        it("VO process SIGKILLed during load: on restart the spool replays and nothing spooled is lost", async function () {
            const dir = tempDir();
            const dbPath = path.join(dir, "vo.sqlite");
            const prefix = freshBuckets().properties.slice(2);
            await server.kill("SIGKILL"); // everything the VO records goes to its spool
            const child: ChildProcess = spawn(
                process.execPath,
                [path.join(__dirname, "..", "fixtures", "influx-vo-process.js"), dbPath],
                {
                    env: {
                        ...process.env,
                        INFLUX_URL: server.url,
                        INFLUX_ORG: server.org,
                        INFLUX_TOKEN_FILE: tokenFile,
                        VO_BUCKET_PREFIX: prefix,
                    },
                    stdio: ["ignore", "pipe", "inherit"],
                }
            );
            const exited = new Promise((resolve) => child.once("exit", resolve));
            try {
                const lines = readline.createInterface({ input: child.stdout! });
                const [line] = (await once(lines, "line")) as [string];
                lines.close();
                const { labelUrl } = JSON.parse(line) as { labelUrl: string };

                // bounded load; the process is killed while requests are in flight
                let acknowledged = 0;
                const deadline = Date.now() + 60_000;
                const load = (async () => {
                    for (let i = 0; i < 5000 && Date.now() < deadline; i++) {
                        const res = await fetch(labelUrl, {
                            method: "PUT",
                            headers: { "content-type": "application/json" },
                            body: JSON.stringify(`w-${i}`),
                        }).catch(() => undefined);
                        if (res === undefined) return; // the VO is gone
                        if (res.ok) acknowledged++;
                    }
                })();
                const spoolDb = await Database.open(dbPath);
                const spooledPoints = async () =>
                    (await spoolDb.get<{ n: number | null }>("SELECT SUM(points) AS n FROM spool"))?.n ?? 0;
                while ((await spooledPoints()) < 300 && Date.now() < deadline)
                    await new Promise((r) => setTimeout(r, 20));
                child.kill("SIGKILL");
                await exited;
                await load;

                const payloads = await spoolDb.all<{ payload: string }>("SELECT payload FROM spool ORDER BY id");
                await spoolDb.close();
                const spooled = payloads
                    .flatMap((p) => p.payload.split("\n"))
                    .filter((l) => l.includes("op=writeproperty"))
                    .map((l) => /value_str="([^"]*)"/.exec(l)![1]);
                expect(spooled.length).to.be.at.least(300);
                expect(spooled.length).to.be.at.most(acknowledged);

                await server.restart();
                vo = await startVo({
                    sqlite: { path: dbPath },
                    influxdb: influxOptions({
                        properties: `p-${prefix}`,
                        actions: `a-${prefix}`,
                        events: `e-${prefix}`,
                    }),
                });
                await vo.vo.flush();
                expectExactlyOnce(await labelsInInflux(vo, `p-${prefix}`), spooled);
                expect(storeStats(vo)).to.include({ pending: 0, replayed: spooled.length });
            } finally {
                child.kill("SIGKILL");
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });
}
