/**
 * Points per second into a real InfluxDB 2.x, in one run, on one server:
 *   - the raw @influxdata/influxdb-client WriteApi with its default write options,
 *   - the same client with tuned options (bigger batches, gzip),
 *   - node-wot-vo's recorder path (WriteBuffer -> InfluxDbStore), which also converts the records;
 * then the spool: records written while InfluxDB is down (into SQLite) and replayed when it is back.
 * Every run writes the same points to fresh buckets and checks afterwards that all of them landed.
 *
 *   scripts/influxdb.sh install && node dist/bench/ingest-influxdb.js [--points 200000] [--batch 5000]
 * (or INFLUX_URL / INFLUX_TOKEN of a server of your own; the spool part needs the local binary)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { InfluxDB, Point, WriteOptions } from "@influxdata/influxdb-client";
import { BucketsAPI, OrgsAPI } from "@influxdata/influxdb-client-apis";
import type { InteractionRecord } from "../src";
import { Database } from "../src/sqlite/database";
import { migrate } from "../src/sqlite/migrations";
import { resolveInfluxDbOptions } from "../src/options/influxdb-options";
import { InfluxDbStore } from "../src/timeseries/influxdb/influxdb-store";
import { Spool } from "../src/timeseries/spool";
import { WriteBuffer } from "../src/timeseries/write-buffer";
import { influxdBinary, InfluxServer } from "../test/helpers/influxdb-server";
import { referencePoint } from "../test/helpers/reference-point";
import { arg, printTable } from "./report";
import { makeRecords } from "./records";

const points = arg("points", 200_000);
const batch = arg("batch", 5000);

interface Target {
    url: string;
    org: string;
    token: string;
}

let bucketSeq = 0;
async function freshBucket(target: Target): Promise<string> {
    const client = new InfluxDB({ url: target.url, token: target.token });
    const [org] = (await new OrgsAPI(client).getOrgs({ org: target.org })).orgs ?? [];
    const name = `bench-${process.pid}-${++bucketSeq}`;
    await new BucketsAPI(client).postBuckets({ body: { orgID: org.id!, name, retentionRules: [] } });
    return name;
}

async function countPoints(target: Target, bucket: string): Promise<number> {
    const rows = await new InfluxDB({ url: target.url, token: target.token, timeout: 120_000 })
        .getQueryApi(target.org)
        .collectRows<{ _value: number }>(
            `from(bucket: "${bucket}") |> range(start: 0) |> filter(fn: (r) => r._field == "valid") |> group() |> count()`
        );
    return rows[0]?._value ?? 0;
}

/**
 * The client sends full batches without waiting (several requests in flight) and its close() does
 * not wait for those, so the clock stops when writeSuccess has confirmed every line.
 */
async function rawClient(
    target: Target,
    bucket: string,
    points: () => Point[],
    options: Partial<WriteOptions>
): Promise<number> {
    let confirm: () => void = () => undefined;
    let fail: (err: Error) => void = () => undefined;
    const done = new Promise<void>((resolve, reject) => ((confirm = resolve), (fail = reject)));
    let confirmed = 0;
    let n = Infinity;
    const writeApi = new InfluxDB({ url: target.url, token: target.token }).getWriteApi(target.org, bucket, "ns", {
        ...options,
        writeSuccess: (lines) => {
            confirmed += lines.length;
            if (confirmed === n) confirm();
        },
        writeFailed: (err, _lines, attempt) => {
            if (attempt >= 5) fail(err);
        },
    });
    const t = performance.now();
    const pts = points();
    n = pts.length;
    writeApi.writePoints(pts);
    await writeApi.flush();
    await done;
    const rate = pts.length / ((performance.now() - t) / 1000);
    await writeApi.close();
    return rate;
}

async function openStore(target: Target, bucket: string, dir: string): Promise<{ store: InfluxDbStore; db: Database }> {
    const db = await Database.open(path.join(dir, `spool-${bucket}.sqlite`));
    await migrate(db);
    const options = resolveInfluxDbOptions({
        url: target.url,
        org: target.org,
        token: target.token,
        buckets: { properties: bucket, actions: bucket, events: bucket },
    });
    const store = new InfluxDbStore(options, await Spool.open(db, options.maxSpoolBytes));
    await store.start();
    return { store, db };
}

function bufferFor(store: InfluxDbStore, n: number): WriteBuffer {
    return new WriteBuffer(store, { batchSize: batch, flushIntervalMs: 200, maxQueue: n, maxRetryDelayMs: 1000 });
}

async function viaRecorder(target: Target, bucket: string, records: InteractionRecord[], dir: string): Promise<number> {
    const { store, db } = await openStore(target, bucket, dir);
    const buffer = bufferFor(store, records.length);
    const t = performance.now();
    for (const r of records) buffer.push(r);
    await buffer.flush();
    await store.flush();
    const rate = records.length / ((performance.now() - t) / 1000);
    await buffer.close();
    await store.close();
    await db.close();
    return rate;
}

/** Records go to the spool while the server is down, then are replayed once it is back. */
async function spoolAndReplay(
    server: InfluxServer,
    bucket: string,
    records: InteractionRecord[],
    dir: string
): Promise<{ spool: number; replay: number }> {
    const { store, db } = await openStore(server, bucket, dir);
    const buffer = bufferFor(store, records.length);
    await server.kill("SIGKILL");
    let t = performance.now();
    for (const r of records) buffer.push(r);
    await buffer.flush();
    const spool = records.length / ((performance.now() - t) / 1000);
    const pending = store.stats().pending;
    if (pending !== records.length) throw new Error(`expected ${records.length} spooled, found ${pending}`);
    await server.restart();
    t = performance.now();
    await store.flush();
    const replay = records.length / ((performance.now() - t) / 1000);
    await buffer.close();
    await store.close();
    await db.close();
    return { spool, replay };
}

async function main(): Promise<void> {
    let server: InfluxServer | undefined;
    let target: Target;
    if (process.env.INFLUX_URL) {
        target = {
            url: process.env.INFLUX_URL,
            org: process.env.INFLUX_ORG ?? "wot",
            token: process.env.INFLUX_TOKEN ?? fs.readFileSync(process.env.INFLUX_TOKEN_FILE ?? "", "utf8").trim(),
        };
    } else {
        const bin = influxdBinary();
        if (bin === undefined) throw new Error("no influxd: run scripts/influxdb.sh install, or set INFLUX_URL");
        server = await InfluxServer.start(bin);
        target = { url: server.url, org: server.org, token: server.token };
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-bench-influx-"));
    const t0 = BigInt(Date.now() - 3_600_000) * 1_000_000n;
    const records = makeRecords(points, t0);
    const figures: Record<string, Record<string, number>> = {};
    const check = async (name: string, bucket: string, rate: number) => {
        const landed = await countPoints(target, bucket);
        if (landed !== points) throw new Error(`${name}: ${landed} of ${points} points landed`);
        figures[name] = { points_per_s: Math.round(rate), landed };
    };
    try {
        // warm-up: JIT and the server's first shard
        await rawClient(
            target,
            await freshBucket(target),
            () => records.slice(0, 10_000).map((r) => referencePoint(r)),
            {}
        );

        // The raw client gets Points built with its own API: ready-made (its best case), and built from
        // the same records inside the timed section (what an application has to do, like the recorder).
        const prebuilt = records.map((r) => referencePoint(r));
        const runs: [string, () => Point[], Partial<WriteOptions>][] = [
            ["raw client, default options, prebuilt Points", () => prebuilt, {}],
            ["raw client, default options", () => records.map((r) => referencePoint(r)), {}],
            [
                `raw client, batch ${batch} + gzip`,
                () => records.map((r) => referencePoint(r)),
                { batchSize: batch, gzipThreshold: 1000, maxBufferLines: points },
            ],
        ];
        for (const [name, pts, options] of runs) {
            const b = await freshBucket(target);
            await check(name, b, await rawClient(target, b, pts, options));
        }
        let b = await freshBucket(target);
        await check(`node-wot-vo recorder, batch ${batch}`, b, await viaRecorder(target, b, records, dir));
        printTable(`InfluxDB ingest, ${points} points`, figures);
        const recorder = figures[`node-wot-vo recorder, batch ${batch}`].points_per_s;
        const rawDefault = figures["raw client, default options"].points_per_s;
        const rawBest = Math.max(
            ...Object.entries(figures)
                .filter(([k]) => k.startsWith("raw"))
                .map(([, f]) => f.points_per_s)
        );
        console.log(`recorder / raw client (default options): ${(recorder / rawDefault).toFixed(2)}x`);
        console.log(`recorder / best raw client run: ${(recorder / rawBest).toFixed(2)}x`);

        let spool: { spool: number; replay: number } | undefined;
        if (server !== undefined) {
            b = await freshBucket(target);
            spool = await spoolAndReplay(server, b, records, dir);
            await check("spool (InfluxDB down) then replay", b, spool.replay);
            printTable("spool while InfluxDB is down, replay when it is back", {
                "into the SQLite spool": { points_per_s: Math.round(spool.spool) },
                "replayed into InfluxDB": { points_per_s: Math.round(spool.replay) },
            });
        }
        console.log(JSON.stringify({ bench: "ingest-influxdb", points, batch, figures, spool }));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        await server?.stop();
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
