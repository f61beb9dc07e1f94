/**
 * Bytes on disk per recorded interaction in the embedded store, the lean layout (migration 9) against the
 * layout before it (migration 8: one row per interaction with its names as text, two indexes), in one run:
 * N interactions of 20 numeric properties of one Thing (reads over HTTP from clients on one host, ports
 * changing every 64 requests, a duration each), measured after a WAL checkpoint, with each table's and
 * index's share (SQLite's dbstat). The lean file is written through the store (its CPU per row: all threads
 * and SQLite's worker threads alone); the old one by SQL with the same values.
 *
 *   node dist/bench/storage-layout.js [--records 1000000]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { InteractionRecord } from "../src";
import { Database } from "../src/sqlite/database";
import { migrate, MIGRATIONS } from "../src/sqlite/migrations";
import { SqliteTimeSeriesStore } from "../src/timeseries/sqlite/sqlite-time-series-store";
import { arg, printTable } from "./report";

const N = arg("records", 1_000_000);
const AFFORDANCES = 20;
const BATCH = 1000;
const T0 = BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n;
const STEP_NS = 100_000_000n; // 10 interactions a second

const value = (k: number): number => 20 + ((k * 7919) % 1000) / 97;
const port = (k: number): number => 40000 + (Math.floor(k / 64) % 20000);
const durationMs = (k: number): number => 0.05 + (k % 7) / 100;

function record(k: number): InteractionRecord {
    return {
        ts: T0 + BigInt(k) * STEP_NS,
        thing: "urn:dev:bench:sensor",
        kind: "property",
        name: `p${k % AFFORDANCES}`,
        op: "readproperty",
        protocol: "http",
        origin: `192.168.1.17:${port(k)}`,
        ok: true,
        value: value(k),
        durationMs: durationMs(k),
        valid: true,
        truncated: false,
    };
}

/** CPU microseconds of this process's threads: [all, all but the main thread (SQLite's workers)]. */
function threadCpuUs(): [number, number] {
    const tick = 1e6 / 100; // USER_HZ
    let all = 0;
    let main = 0;
    for (const tid of fs.readdirSync("/proc/self/task")) {
        const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const us = (Number(f[11]) + Number(f[12])) * tick;
        all += us;
        if (Number(tid) === process.pid) main += us;
    }
    return [all, all - main];
}

async function sizeOf(db: Database, file: string): Promise<{ bytes: number; parts: Record<string, number> }> {
    await db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const parts = await db.all<{ name: string; bytes: number }>(
        "SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name HAVING bytes > 8192 ORDER BY bytes DESC"
    );
    return { bytes: fs.statSync(file).size, parts: Object.fromEntries(parts.map((p) => [p.name, p.bytes])) };
}

async function lean(dir: string) {
    const file = path.join(dir, "lean.sqlite");
    const db = await Database.open(file);
    await migrate(db);
    const store = new SqliteTimeSeriesStore(db);
    const [all0, sqlite0] = threadCpuUs();
    for (let i = 0; i < N; i += BATCH) {
        const batch: InteractionRecord[] = [];
        for (let k = i; k < Math.min(N, i + BATCH); k++) batch.push(record(k));
        await store.write(batch);
    }
    await store.rollUpAll();
    const [all1, sqlite1] = threadCpuUs();
    const size = await sizeOf(db, file);
    await store.close();
    await db.close();
    return { ...size, cpuAll: (all1 - all0) / N, cpuSqlite: (sqlite1 - sqlite0) / N };
}

/** The release before: its table and indexes, the same interactions written by SQL. */
async function before(dir: string) {
    const file = path.join(dir, "v8.sqlite");
    const db = await Database.open(file);
    await migrate(
        db,
        MIGRATIONS.filter((m) => m.version <= 8)
    );
    const sql = `WITH RECURSIVE c(k) AS (SELECT ?1 UNION ALL SELECT k + 1 FROM c WHERE k < ?2 - 1)
        INSERT INTO ts_interaction (ts, thing, kind, name, op, protocol, origin, ok, value, value_type, duration_ms, valid, truncated)
        SELECT ${T0} + k * ${STEP_NS}, 'urn:dev:bench:sensor', 'property', 'p' || (k % ${AFFORDANCES}), 'readproperty', 'http',
            '192.168.1.17:' || (40000 + (k / 64) % 20000), 1, 20 + ((k * 7919) % 1000) / 97.0, 'number',
            0.05 + (k % 7) / 100.0, 1, 0 FROM c`;
    for (let i = 0; i < N; i += BATCH * 10) await db.run(sql, [i, Math.min(N, i + BATCH * 10)]);
    const size = await sizeOf(db, file);
    await db.close();
    return size;
}

async function main(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-layout-"));
    try {
        const old = await before(dir);
        const now = await lean(dir);
        const perRecord = (b: number): string => (b / N).toFixed(1);
        const table: Record<string, Record<string, string>> = {
            "layout before (migration 8)": { "bytes/interaction": perRecord(old.bytes), file: mib(old.bytes) },
            "lean layout (migration 9)": { "bytes/interaction": perRecord(now.bytes), file: mib(now.bytes) },
        };
        for (const [name, b] of Object.entries(old.parts))
            table[`  before: ${name}`] = { "bytes/interaction": perRecord(b) };
        for (const [name, b] of Object.entries(now.parts))
            table[`  lean: ${name}`] = { "bytes/interaction": perRecord(b) };
        printTable(
            `${N} interactions of ${AFFORDANCES} properties, after a checkpoint (Node.js ${process.version})`,
            table
        );
        console.log(
            `\nlean store write, batches of ${BATCH}: ${now.cpuAll.toFixed(2)} us CPU a row (all threads), ` +
                `${now.cpuSqlite.toFixed(2)} us on SQLite's worker threads`
        );
        console.log(
            JSON.stringify({
                bench: "storage-layout",
                records: N,
                bytesPerInteraction: { before: old.bytes / N, lean: now.bytes / N },
                cpuUsPerRow: { all: now.cpuAll, sqliteThreads: now.cpuSqlite },
            })
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
