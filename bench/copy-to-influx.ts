/**
 * `copy-to-influx` on real servers (2.8 and 1.8 from the cached binaries, each started fresh): an SQLite file of
 * --points records over --series series (property reads of numbers, a tenth of them writes, half over CoAP),
 * written through the embedded store in batches of 1000, is copied into InfluxDB's per-kind layout, timed
 * (points/s); the points InfluxDB then counts are checked equal to those written.
 *
 *   node dist/bench/copy-to-influx.js [--points 1000000] [--series 100] [--page 5000]
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { InteractionRecord } from "../src";
import { resolveInfluxDbOptions } from "../src/options/influxdb-options";
import { Database } from "../src/sqlite/database";
import { migrate } from "../src/sqlite/migrations";
import { copyToInflux } from "../src/timeseries/copy-to-influx";
import { queryOne } from "../src/timeseries/influxdb/influxql-endpoint";
import { InfluxDB } from "@influxdata/influxdb-client";
import { SqliteTimeSeriesStore } from "../src/timeseries/sqlite/sqlite-time-series-store";
import { influxdBinary, InfluxServer } from "../test/helpers/influxdb-server";
import { influxd1Binary, Influx1Server } from "../test/helpers/influxdb1-server";
import { arg, printTable } from "./report";

const points = arg("points", 1_000_000);
const series = arg("series", 100);
const page = arg("page", 5000);
const T0_NS = BigInt(Date.now() - 86_400_000) * 1_000_000n;

function batch(from: number, n: number): InteractionRecord[] {
    return Array.from({ length: n }, (_, k) => {
        const i = from + k;
        return {
            ts: T0_NS + BigInt(i) * 1_000_001n,
            thing: `urn:bench:thing-${i % series}`,
            kind: "property",
            name: "temperature",
            op: i % 10 === 0 ? "writeproperty" : "readproperty",
            protocol: i % 2 === 0 ? "http" : "coap",
            origin: "127.0.0.1:40000",
            ok: true,
            value: 20 + Math.sin(i / 50),
            valid: true,
            truncated: false,
        };
    });
}

/** The SQLite file, written through the embedded store; resolves to its records per second. */
async function writeFile(file: string): Promise<number> {
    const db = await Database.open(file);
    await migrate(db);
    const store = new SqliteTimeSeriesStore(db);
    const t = performance.now();
    for (let i = 0; i < points; i += 1000) await store.write(batch(i, Math.min(1000, points - i)));
    const rate = points / ((performance.now() - t) / 1000);
    await store.close();
    await db.close();
    return Math.round(rate);
}

async function onServer(server: InfluxServer | Influx1Server, file: string, dir: string): Promise<number> {
    const id = crypto.randomBytes(4).toString("hex");
    const buckets = { properties: `cp-${id}`, actions: `ca-${id}`, events: `ce-${id}` };
    const influxdb = resolveInfluxDbOptions({ url: server.url, org: server.org, token: server.token, buckets });
    const t = performance.now();
    const result = await copyToInflux({
        sqliteFile: file,
        influxdb,
        progressFile: path.join(dir, `${id}.json`),
        pagePoints: page,
        log: (line) => console.log(`  ${line.trim()}`),
    });
    const rate = result.copied / ((performance.now() - t) / 1000);
    const transport = new InfluxDB({ url: server.url, token: server.token }).transport;
    const counted = await queryOne(transport, buckets.properties, `SELECT count("valid") FROM "vo_property"`);
    const n = Number(counted[0]?.values?.[0]?.[1] ?? 0);
    if (n !== points) throw new Error(`InfluxDB counts ${n} points, not ${points}`);
    return Math.round(rate);
}

async function main(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-bench-copy-"));
    const file = path.join(dir, "vo.sqlite");
    const rows: Record<string, Record<string, number>> = {};
    try {
        const written = await writeFile(file);
        for (const [name, bin, start] of [
            ["2.8.0", influxdBinary(), (b: string) => InfluxServer.start(b)],
            ["1.8.10", influxd1Binary(), (b: string) => Influx1Server.start(b)],
        ] as const) {
            if (bin === undefined) {
                console.log(`${name} skipped: no binary (scripts/influxdb.sh / influxdb1.sh install)`);
                continue;
            }
            const server = await start(bin);
            try {
                rows[name] = { "SQLite write pts/s": written, "copy pts/s": await onServer(server, file, dir) };
            } finally {
                await server.stop();
            }
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    printTable(
        `copy-to-influx: ${points} points in ${series} series, pages of ${page}, load average ${os.loadavg()[0].toFixed(1)}`,
        rows
    );
}

void main().catch((err) => {
    console.error(err);
    process.exit(1);
});
