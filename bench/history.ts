/**
 * History queries over one million points, on each store: the points are written through the
 * recorder's write path (WriteBuffer -> store), then read back through the public history API of a
 * VO attached to the same store (`vo.history()`, `vo.latest()`):
 *   - raw range with a limit: the oldest --limit points of the whole range, and the newest;
 *   - a 1,000-window aggregate (mean) over the whole range;
 *   - the latest value.
 * One series (thing, property), one point a second, a tenth of them writes and half of them over
 * CoAP (four tag sets in InfluxDB, as a property read and written over two protocols has). Each
 * query runs once to warm up, then --runs times; medians. The answers of both stores are checked
 * to be the same.
 *
 *   node dist/bench/history.js [--points 1000000] [--runs 5] [--limit 1000] [--windows 1000] [--stores sqlite,influxdb]
 * InfluxDB: `scripts/influxdb.sh install` (or INFLUX_URL and INFLUX_TOKEN of a server of your own).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Servient } from "@node-wot/core";
import { AggregateRow, HistoryRecord, InteractionRecord, VoPersistence, VoPersistenceOptions } from "../src";
import { Database } from "../src/sqlite/database";
import { migrate } from "../src/sqlite/migrations";
import { resolveInfluxDbOptions } from "../src/timeseries/influxdb/influxdb-options";
import { InfluxDbStore } from "../src/timeseries/influxdb/influxdb-store";
import { Spool } from "../src/timeseries/spool";
import { SqliteTimeSeriesStore } from "../src/timeseries/sqlite/sqlite-time-series-store";
import type { TimeSeriesStore } from "../src/timeseries/time-series-store";
import { WriteBuffer } from "../src/timeseries/write-buffer";
import { influxTarget } from "./influx-target";
import { arg, median, printTable, stringArg } from "./report";

const points = arg("points", 1_000_000);
const runs = arg("runs", 5);
const limit = arg("limit", 1000);
const windows = arg("windows", 1000);
const stores = stringArg("stores", "sqlite,influxdb").split(",");

const THING = "urn:bench:history";
const PROPERTY = "temperature";
const STEP_MS = 1000;
const SPAN_MS = points * STEP_MS;
const EVERY_MS = SPAN_MS / windows;
// the first point on a window boundary (windows are aligned to the epoch), the last an hour ago
const T0_MS = Math.floor((Date.now() - 3_600_000 - SPAN_MS) / EVERY_MS) * EVERY_MS;

function* records(): Generator<InteractionRecord> {
    for (let i = 0; i < points; i++) {
        const write = i % 10 === 9;
        yield {
            ts: BigInt(T0_MS + i * STEP_MS) * 1_000_000n,
            thing: THING,
            kind: "property",
            name: PROPERTY,
            op: write ? "writeproperty" : "readproperty",
            protocol: i % 2 === 0 ? "http" : "coap",
            origin: "127.0.0.1:40000",
            ok: true,
            value: Math.round((20 + 5 * Math.sin(i / 3600)) * 100) / 100,
            durationMs: 0.05,
            valid: true,
            truncated: false,
        };
    }
}

/** Writes all points through a WriteBuffer into `store`; returns points per second. */
async function ingest(store: TimeSeriesStore, batchSize: number): Promise<number> {
    const buffer = new WriteBuffer(store, {
        batchSize,
        flushIntervalMs: 200,
        maxQueue: 200_000,
        maxRetryDelayMs: 1000,
    });
    const t = performance.now();
    let n = 0;
    for (const r of records()) {
        buffer.push(r);
        // keep the queue bounded: let the writer catch up every 100 000 records
        if (++n % 100_000 === 0) await buffer.flush();
    }
    await buffer.flush();
    await store.flush?.();
    const rate = points / ((performance.now() - t) / 1000);
    await buffer.close();
    return rate;
}

interface Answers {
    oldest: HistoryRecord[];
    newest: HistoryRecord[];
    mean: AggregateRow[];
    latest: HistoryRecord | undefined;
    /** every aggregate function, newest window first (untimed, compared across the stores) */
    all: Record<string, AggregateRow[]>;
}

async function timeQueries(vo: VoPersistence): Promise<{ ms: Record<string, number[]>; answers: Answers }> {
    const range = { thing: THING, kind: "property" as const, name: PROPERTY, start: T0_MS, stop: T0_MS + SPAN_MS };
    const queries = {
        [`raw range, oldest ${limit}`]: () => vo.history({ ...range, limit }),
        [`raw range, newest ${limit}`]: () => vo.history({ ...range, limit, descending: true }),
        [`${windows}-window mean`]: () =>
            vo.history({ ...range, limit: windows, aggregate: { every: EVERY_MS, fn: "mean" } }),
        latest: () => vo.latest(THING, PROPERTY),
    };
    const ms: Record<string, number[]> = {};
    const answers: unknown[] = [];
    for (const [name, query] of Object.entries(queries)) {
        answers.push(await query()); // warm-up (caches, JIT); its answer is checked
        ms[name] = [];
        for (let i = 0; i < runs; i++) {
            const t = performance.now();
            await query();
            ms[name].push(performance.now() - t);
        }
    }
    const [oldest, newest, mean, latest] = answers as [HistoryRecord[], HistoryRecord[], AggregateRow[], HistoryRecord];
    const all: Record<string, AggregateRow[]> = {};
    for (const fn of ["mean", "min", "max", "count", "last"] as const) {
        // windows that do not divide the range evenly; the start on a window boundary, because a first
        // window cut by the start is stamped with the start by InfluxDB, with the window's start by SQLite
        const every = EVERY_MS * 7;
        const start = Math.ceil(T0_MS / every) * every;
        all[fn] = await vo.history({ ...range, start, descending: true, aggregate: { every, fn } });
    }
    return { ms, answers: { oldest, newest, mean, latest, all } };
}

/** What every store must answer for these points. */
function check(store: string, a: Answers): void {
    const fail = (what: string) => {
        throw new Error(`${store}: ${what}`);
    };
    if (a.oldest.length !== limit || a.oldest[0].time.getTime() !== T0_MS) fail("oldest points wrong");
    if (a.oldest.some((r, i) => r.time.getTime() !== T0_MS + i * STEP_MS)) fail("oldest points out of order");
    const last = T0_MS + (points - 1) * STEP_MS;
    if (a.newest.length !== limit || a.newest[0].time.getTime() !== last) fail("newest points wrong");
    if (a.mean.length !== windows) fail(`${a.mean.length} windows instead of ${windows}`);
    if (a.mean[0].time.getTime() !== T0_MS) fail("first window does not start at the first point");
    if (a.latest?.time.getTime() !== last) fail("latest is not the last point");
}

async function onSqlite(dir: string): Promise<{ ingest: number; ms: Record<string, number[]>; answers: Answers }> {
    const file = path.join(dir, "history.sqlite");
    const db = await Database.open(file);
    await migrate(db);
    const rate = await ingest(new SqliteTimeSeriesStore(db), 1000);
    await db.close();
    return { ingest: rate, ...(await withVo({ sqlite: { path: file } })) };
}

async function onInfluxDb(dir: string): Promise<{ ingest: number; ms: Record<string, number[]>; answers: Answers }> {
    const target = await influxTarget();
    if (target === undefined) throw new Error("no influxd: run scripts/influxdb.sh install, or set INFLUX_URL");
    try {
        const id = crypto.randomBytes(4).toString("hex");
        const influxdb = {
            url: target.connection.url,
            org: target.connection.org,
            token: target.connection.token,
            buckets: { properties: `hist-p-${id}`, actions: `hist-a-${id}`, events: `hist-e-${id}` },
        };
        const db = await Database.open(path.join(dir, "spool.sqlite"));
        await migrate(db);
        const options = resolveInfluxDbOptions(influxdb);
        const store = new InfluxDbStore(options, await Spool.open(db, options.maxSpoolBytes));
        await store.start();
        const rate = await ingest(store, 5000);
        await store.close();
        await db.close();
        return { ingest: rate, ...(await withVo({ sqlite: { path: path.join(dir, "vo.sqlite") }, influxdb })) };
    } finally {
        await target.server?.stop();
    }
}

/** A VO on the store the points went to; only its history API is used. */
async function withVo(options: VoPersistenceOptions): Promise<{ ms: Record<string, number[]>; answers: Answers }> {
    const vo = await VoPersistence.attach(new Servient(), options);
    try {
        return await timeQueries(vo);
    } finally {
        await vo.close();
    }
}

async function main(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-bench-history-"));
    const results: Record<string, { ingest: number; ms: Record<string, number[]>; answers: Answers }> = {};
    try {
        if (stores.includes("sqlite")) results.sqlite = await onSqlite(dir);
        if (stores.includes("influxdb")) results.influxdb = await onInfluxDb(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    for (const [store, r] of Object.entries(results)) check(store, r.answers);
    if (results.sqlite && results.influxdb) {
        const [a, b] = [results.sqlite.answers, results.influxdb.answers];
        for (const [fn, x, y] of [
            ["mean", a.mean, b.mean],
            ...Object.keys(a.all).map((k) => [k, a.all[k], b.all[k]]),
        ]) {
            const rows = x as AggregateRow[];
            const other = y as AggregateRow[];
            const same = (w: AggregateRow, i: number) =>
                w.time.getTime() === other[i]?.time.getTime() &&
                Math.abs((w.value ?? NaN) - (other[i].value ?? NaN)) < 1e-9;
            if (rows.length !== other.length || !rows.every(same)) {
                const i = rows.findIndex((w, j) => !same(w, j));
                const show = (r?: AggregateRow) => JSON.stringify(r);
                throw new Error(
                    `the stores disagree on ${fn}: ${rows.length} / ${other.length} windows, #${i}: ${show(rows[i])} / ${show(other[i])}`
                );
            }
        }
    }
    const rows: Record<string, Record<string, string>> = {};
    const summary: Record<string, Record<string, number>> = {};
    for (const [store, r] of Object.entries(results)) {
        summary[store] = { ingest_points_per_s: Math.round(r.ingest) };
        for (const [query, ms] of Object.entries(r.ms)) {
            summary[store][query] = Math.round(median(ms) * 10) / 10;
            (rows[query] ??= {})[`${store} ms`] = median(ms).toFixed(1);
        }
    }
    printTable(`history over ${points} points of one series, median of ${runs} runs`, rows);
    for (const [store, r] of Object.entries(results)) {
        console.log(`${store}: ingested at ${Math.round(r.ingest)} points/s`);
    }
    const influxMean = summary.influxdb?.[`${windows}-window mean`];
    if (influxMean !== undefined) {
        console.log(
            `InfluxDB ${windows}-window mean: ${influxMean} ms (target < 200 ms: ${influxMean < 200 ? "met" : "missed"})`
        );
    }
    const all = Object.fromEntries(Object.entries(results).map(([k, r]) => [k, r.ms]));
    console.log(JSON.stringify({ bench: "history", points, runs, limit, windows, summary, runs_ms: all }));
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
