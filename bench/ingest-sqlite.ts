/**
 * Points per second into the embedded store through the recorder's write path (WriteBuffer ->
 * SqliteTimeSeriesStore), against raw batched inserts of the same points with sqlite3 (one
 * prepared statement, one transaction per batch), on the same kind of file, in one run.
 *
 *   node dist/bench/ingest-sqlite.js [--points 200000] [--batch 1000]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import sqlite3 from "sqlite3";
import type { InteractionRecord } from "../src";
import { makeRecords } from "./records";
import { Database } from "../src/sqlite/database";
import { migrate } from "../src/sqlite/migrations";
import { SqliteTimeSeriesStore } from "../src/timeseries/sqlite/sqlite-time-series-store";
import { WriteBuffer } from "../src/timeseries/write-buffer";
import { arg, printTable } from "./report";

const points = arg("points", 200_000);
const batch = arg("batch", 1000);

async function viaRecorder(file: string, records: InteractionRecord[]): Promise<number> {
    const db = await Database.open(file);
    await migrate(db);
    const buffer = new WriteBuffer(new SqliteTimeSeriesStore(db), {
        batchSize: batch,
        flushIntervalMs: 50,
        maxQueue: records.length,
        maxRetryDelayMs: 1000,
    });
    const t = performance.now();
    for (const r of records) buffer.push(r);
    await buffer.flush();
    const s = (performance.now() - t) / 1000;
    await buffer.close();
    await db.close();
    return records.length / s;
}

async function rawInserts(file: string, records: InteractionRecord[]): Promise<number> {
    const setup = await Database.open(file);
    await migrate(setup);
    await setup.close();
    const db = new sqlite3.Database(file);
    const exec = (sql: string) => new Promise<void>((res, rej) => db.exec(sql, (e) => (e ? rej(e) : res())));
    await exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
    const stmt = db.prepare(
        `INSERT INTO ts_interaction (ts, thing, kind, name, op, protocol, origin, ok, value, value_type, duration_ms, valid, truncated)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    );
    const t = performance.now();
    for (let i = 0; i < records.length; i += batch) {
        await exec("BEGIN");
        const chunk = records.slice(i, i + batch);
        await new Promise<void>((res, rej) => {
            let left = chunk.length;
            for (const r of chunk) {
                const v = typeof r.value === "object" ? JSON.stringify(r.value) : r.value;
                stmt.run(
                    [
                        r.ts.toString(),
                        r.thing,
                        r.kind,
                        r.name,
                        r.op,
                        r.protocol,
                        r.origin,
                        1,
                        v,
                        typeof r.value,
                        r.durationMs,
                        1,
                        0,
                    ],
                    (e: Error | null) => (e ? rej(e) : --left === 0 && res())
                );
            }
        });
        await exec("COMMIT");
    }
    const s = (performance.now() - t) / 1000;
    await new Promise((res) => stmt.finalize(res));
    await new Promise((res) => db.close(res));
    return records.length / s;
}

async function main(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-ingest-"));
    const records = makeRecords(points);
    try {
        const raw = await rawInserts(path.join(dir, "raw.sqlite"), records);
        const recorder = await viaRecorder(path.join(dir, "recorder.sqlite"), records);
        const summary = {
            "raw sqlite3 inserts": { points_per_s: Math.round(raw) },
            "node-wot-vo recorder": { points_per_s: Math.round(recorder) },
        };
        printTable(`embedded store ingest, ${points} points, batches of ${batch}`, summary);
        console.log(`recorder / raw: ${(recorder / raw).toFixed(2)}x`);
        console.log(JSON.stringify({ bench: "ingest-sqlite", points, batch, raw, recorder }));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
