/**
 * What one recorded row costs the embedded store, in CPU microseconds of the whole process (all threads:
 * sqlite3's worker too), against what the same row costs by other ways, in one run on fresh files of the same
 * schema (migrated):
 * - the store's own write (SqliteTimeSeriesStore.write: one JSON parameter unpacked by json_each, one
 *   prepared statement per batch), at the batch sizes of a loaded VO (--batch) and of a group commit (--small);
 * - the same INSERT with the rows generated inside SQLite (no JSON, no binding): the floor of the row itself;
 * - node-sqlite3 with bound parameters (multi-row VALUES, 50 rows a statement);
 * - Node.js's own node:sqlite (a synchronous prepared INSERT per row, one transaction per batch), where the
 *   runtime has it (Node.js 22.5 and later).
 *
 *   node dist/bench/sqlite-row-cost.js [--rows 100000] [--batch 1000] [--small 8]
 *   scripts/node-lts.sh dist/bench/sqlite-row-cost.js   # with node:sqlite
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { InteractionRecord } from "../src";
import { Database } from "../src/sqlite/database";
import { migrate } from "../src/sqlite/migrations";
import { SqliteTimeSeriesStore } from "../src/timeseries/sqlite/sqlite-time-series-store";
import { arg, printTable } from "./report";

const rows = arg("rows", 100_000);
const batch = arg("batch", 1000);
const small = arg("small", 8);

/** A property write over HTTP, as the recorder makes it, one microsecond apart. */
function records(n: number, t0: bigint): InteractionRecord[] {
    return Array.from({ length: n }, (_, i) => ({
        ts: t0 + BigInt(i) * 1000n,
        thing: "BenchThing",
        kind: "property",
        name: "setting",
        op: "writeproperty",
        protocol: "http",
        origin: `127.0.0.1:${40000 + (i % 10)}`,
        ok: true,
        value: i * 0.5,
        durationMs: 0.05,
        valid: true,
        truncated: false,
    }));
}

const COLUMNS = "series, ts, code, value, origin, port, duration_us";
/** a successful writeproperty over HTTP of a number: its code in ts_point (sqlite/lean-layout.ts) */
const WRITE_CODE = 1 | (1 << 9);

async function fresh(dir: string, name: string): Promise<{ db: Database; file: string }> {
    const file = path.join(dir, `${name}.sqlite`);
    const db = await Database.open(file, "normal");
    await migrate(db);
    return { db, file };
}

function cpuUs(): number {
    const c = process.cpuUsage();
    return c.user + c.system;
}

async function viaStore(dir: string, size: number): Promise<number> {
    const { db } = await fresh(dir, `store-${size}`);
    const store = new SqliteTimeSeriesStore(db);
    const all = records(rows, BigInt(Date.now()) * 1_000_000n);
    const before = cpuUs();
    for (let i = 0; i < all.length; i += size) await store.write(all.slice(i, i + size));
    const used = cpuUs() - before;
    await store.close();
    await db.close();
    return used / rows;
}

/** The rows made by SQLite itself from a counter: what inserting them costs with nothing to decode. */
async function floor(dir: string): Promise<number> {
    const { db } = await fresh(dir, "floor");
    await db.exec("INSERT INTO ts_series (id, thing, kind, name) VALUES (1, 'BenchThing', 'property', 'setting')");
    await db.exec("INSERT INTO ts_origin (id, host) VALUES (1, '127.0.0.1')");
    const sql =
        `WITH RECURSIVE c(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM c WHERE k < ?2 - 1) ` +
        `INSERT INTO ts_point (${COLUMNS}) SELECT 1, ?1 + k * 1000, ${WRITE_CODE}, k * 0.5, 1, 40000 + k % 10, 50 FROM c`;
    let t0 = BigInt(Date.now()) * 1_000_000n;
    const before = cpuUs();
    for (let i = 0; i < rows; i += batch) {
        await db.runPrepared(sql, [t0.toString(), batch]);
        t0 += BigInt(batch) * 1000n;
    }
    const used = cpuUs() - before;
    await db.close();
    return used / rows;
}

function flat(r: InteractionRecord): unknown[] {
    return [1, r.ts.toString(), WRITE_CODE, r.value, 1, Number(r.origin!.split(":")[1]), 50];
}

async function withNames(dir: string, name: string): Promise<{ db: Database; file: string }> {
    const f = await fresh(dir, name);
    await f.db.exec("INSERT INTO ts_series (id, thing, kind, name) VALUES (1, 'BenchThing', 'property', 'setting')");
    await f.db.exec("INSERT INTO ts_origin (id, host) VALUES (1, '127.0.0.1')");
    return f;
}

async function boundValues(dir: string): Promise<number> {
    const { db } = await withNames(dir, "bound");
    const per = 50;
    const one = `(${COLUMNS.split(", ")
        .map(() => "?")
        .join(", ")})`;
    const sql = `INSERT INTO ts_point (${COLUMNS}) VALUES ${Array.from({ length: per }, () => one).join(", ")}`;
    const all = records(rows - (rows % per), BigInt(Date.now()) * 1_000_000n);
    const before = cpuUs();
    for (let i = 0; i < all.length; i += per) await db.runPrepared(sql, all.slice(i, i + per).flatMap(flat) as never);
    const used = cpuUs() - before;
    await db.close();
    return used / all.length;
}

interface SyncDb {
    exec(sql: string): void;
    prepare(sql: string): { run(...values: unknown[]): unknown };
    close(): void;
}

async function nodeSqlite(dir: string): Promise<number | undefined> {
    let DatabaseSync: new (file: string) => SyncDb;
    try {
        const name = "node:sqlite"; // not in this @types/node: asked for by name
        ({ DatabaseSync } = (await import(name)) as { DatabaseSync: typeof DatabaseSync });
    } catch {
        return undefined; // this Node.js has no node:sqlite
    }
    const { db, file } = await withNames(dir, "node-sqlite");
    await db.close();
    const sync = new DatabaseSync(file);
    sync.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    const insert = sync.prepare(
        `INSERT INTO ts_point (${COLUMNS}) VALUES (${COLUMNS.split(", ")
            .map(() => "?")
            .join(", ")})`
    );
    const all = records(rows, BigInt(Date.now()) * 1_000_000n);
    const before = cpuUs();
    for (let i = 0; i < all.length; i += batch) {
        sync.exec("BEGIN");
        for (const r of all.slice(i, i + batch)) insert.run(...flat(r));
        sync.exec("COMMIT");
        await new Promise((resolve) => setImmediate(resolve)); // as a server would: the loop turns between batches
    }
    const used = cpuUs() - before;
    sync.close();
    return used / rows;
}

async function main(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-row-cost-"));
    try {
        const store = await viaStore(dir, batch);
        const figures: [string, number | undefined][] = [
            [`store write, batches of ${batch} (the recorder's path)`, store],
            [`store write, batches of ${small} (a group commit)`, await viaStore(dir, small)],
            ["rows made inside SQLite: the row itself", await floor(dir)],
            ["node-sqlite3, bound parameters (50 rows a statement)", await boundValues(dir)],
            [`node:sqlite, a prepared INSERT per row, batches of ${batch}`, await nodeSqlite(dir)],
        ];
        const table: Record<string, Record<string, string>> = {};
        for (const [way, us] of figures) {
            table[way] =
                us === undefined
                    ? { "CPU us/row": "n/a (no node:sqlite here)", "x store": "" }
                    : { "CPU us/row": us.toFixed(2), "x store": (us / store).toFixed(2) };
        }
        printTable(
            `one recorded row in the embedded store, ${rows} rows, CPU of all threads (Node.js ${process.version})`,
            table
        );
        console.log(
            JSON.stringify({
                bench: "sqlite-row-cost",
                rows,
                batch,
                small,
                node: process.version,
                figures: Object.fromEntries(figures),
            })
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
