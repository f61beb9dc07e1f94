/**
 * History over the wire against the in-process API, over one series of --points points (default one
 * million), on each store. The points are loaded straight into the store in large batches through its
 * own write API (`store.write`, as the WriteBuffer calls it), timed. Then a VO with a real HTTP server on
 * 127.0.0.1 serves the same store, and each query is timed both ways in the same run, alternately, so
 * drift and other load on the machine hit both alike:
 *   - the newest --limit points: `GET <affordance>/history?order=newest&limit=N` / `vo.history({ order: "newest" })`;
 *   - a --windows-window mean over the whole range: `every=` sized for that many windows, `fn=mean`.
 * Each query once to warm up, then --runs times each way, stopping early after --seconds per query;
 * p50/p99 and the ratio HTTP / in-process. The HTTP answers are checked against the in-process ones.
 * A third way, the floor: the same answer's bytes from a plain node:http server, fetched and parsed
 * the same way, is what any HTTP answer of that size costs the client and the loopback; HTTP minus the
 * floor is what the VO's own HTTP side adds.
 * Targets: newest 1000 under 50 ms p50, 1000-window mean under 100 ms p50, HTTP at most
 * 20% over in-process. The load average is printed with the figures.
 *
 *   node dist/bench/history.js [--points 1000000] [--runs 50] [--seconds 30] [--limit 1000] [--windows 1000]
 *        [--stores sqlite,influxdb,influxdb1]   (influxdb1: InfluxDB 1.8, scripts/influxdb1.sh install)
 * InfluxDB: `scripts/influxdb.sh install` (or INFLUX_URL and INFLUX_TOKEN of a server of your own).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Servient } from "@node-wot/core";
import { HttpServer } from "@node-wot/binding-http";
import type * as WoT from "wot-typescript-definitions";
import { AggregateRow, HistoryRecord, InteractionRecord, setStaticAddress, VoPersistence } from "../src";
import type { VoPersistenceOptions } from "../src";
import { Database } from "../src/sqlite/database";
import { migrate } from "../src/sqlite/migrations";
import { resolveInfluxDbOptions } from "../src/options/influxdb-options";
import { InfluxDbStore } from "../src/timeseries/influxdb/influxdb-store";
import { Spool } from "../src/timeseries/spool";
import { SqliteTimeSeriesStore } from "../src/timeseries/sqlite/sqlite-time-series-store";
import type { TimeSeriesStore } from "../src/timeseries/time-series-store";
import { influxTarget } from "./influx-target";
import { Influx1Server, influxd1Binary } from "../test/helpers/influxdb1-server";
import type { InfluxConnection } from "../test/helpers/influxdb-server";
import { arg, printTable, stringArg } from "./report";

const points = arg("points", 1_000_000);
const runs = arg("runs", 50);
const seconds = arg("seconds", 30);
const limit = arg("limit", 1000);
const windows = arg("windows", 1000);
const stores = stringArg("stores", "sqlite,influxdb").split(",");

const THING = "urn:bench:history";
const PROPERTY = "temperature";
const STEP_MS = 1000;
const SPAN_MS = points * STEP_MS;
const EVERY_MS = SPAN_MS / windows;
if (!Number.isInteger(EVERY_MS)) throw new Error("--points must be a multiple of --windows");
// the first point on a window boundary (windows are aligned to the epoch), the last an hour ago
const T0_MS = Math.floor((Date.now() - 3_600_000 - SPAN_MS) / EVERY_MS) * EVERY_MS;
const LAST_MS = T0_MS + (points - 1) * STEP_MS;

/** One point a second; a tenth of them writes and half over CoAP (several tag sets in InfluxDB). */
function record(i: number): InteractionRecord {
    const write = i % 10 === 9;
    return {
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

/** Writes all points into `store` in batches of `batch`, a few batches in flight; returns the seconds it took. */
async function load(store: TimeSeriesStore, batch: number): Promise<number> {
    const t = performance.now();
    for (let i = 0; i < points; i += batch) {
        const records: InteractionRecord[] = [];
        for (let j = i; j < Math.min(points, i + batch); j++) records.push(record(j));
        await store.write(records);
    }
    await store.flush?.();
    return (performance.now() - t) / 1000;
}

interface Timed {
    http: number[];
    inProcess: number[];
    /** the same bytes from a plain node:http server, read the same way: what any HTTP answer costs */
    floor: number[];
}

interface StoreResult {
    loadS: number;
    ms: Record<string, Timed>;
    /** the mean windows as served over HTTP, compared across the stores */
    mean: { time: string; value: number | null }[];
}

/** A servient with an HTTP server on 127.0.0.1 and the VO on `options`, exposing the recorded Thing. */
async function startVo(
    options: VoPersistenceOptions
): Promise<{ vo: VoPersistence; href: string; stop(): Promise<void> }> {
    setStaticAddress("127.0.0.1");
    const servient = new Servient();
    servient.addServer(new HttpServer({ port: 0, address: "127.0.0.1" }));
    const vo = await VoPersistence.attach(servient, { vo: { thing: false, selfCheckIntervalMs: 0 }, ...options });
    const wot = await servient.start();
    try {
        const thing = await wot.produce({
            id: THING,
            title: "history-bench",
            properties: { [PROPERTY]: { type: "number", readOnly: true, observable: false } },
        } as WoT.ExposedThingInit);
        thing.setPropertyReadHandler(PROPERTY, async () => 20);
        await thing.expose();
        const affordance = thing.getThingDescription().properties?.[PROPERTY] as {
            "vo:history"?: { href: string; contentType: string }[];
        };
        const link = affordance["vo:history"]?.find((l) => l.contentType === "application/json");
        if (link === undefined) throw new Error("the served TD names no vo:history for the property");
        // the href is a template of the query (`.../history{?from,...}`); the bench appends its own
        return { vo, href: link.href.replace(/\{\?[^}]*\}$/, ""), stop: () => servient.shutdown() };
    } catch (err) {
        await servient.shutdown();
        throw err;
    }
}

async function getText(url: string): Promise<string> {
    const res = await fetch(url, { headers: { accept: "application/json" } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${text}`);
    return text;
}

async function getJson(url: string): Promise<Record<string, unknown>> {
    return JSON.parse(await getText(url)) as Record<string, unknown>;
}

/** A plain node:http server on 127.0.0.1 that answers every GET with `body`. */
async function floorServer(body: string): Promise<{ url: string; close(): Promise<void> }> {
    const server = http.createServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
        res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

/** Times each query over HTTP and in-process, alternately, and checks the two answers agree. */
async function timeQueries(vo: VoPersistence, href: string): Promise<Pick<StoreResult, "ms" | "mean">> {
    const range = { thing: THING, kind: "property" as const, name: PROPERTY, from: T0_MS, to: T0_MS + SPAN_MS };
    const bounds = `from=${T0_MS}&to=${T0_MS + SPAN_MS}`;
    const queries: Record<string, { http: () => Promise<unknown>; inProcess: () => Promise<unknown> }> = {
        [`newest ${limit}`]: {
            http: () => getJson(`${href}?order=newest&limit=${limit}`),
            inProcess: () => vo.history({ ...range, to: undefined, from: undefined, limit, order: "newest" }),
        },
        [`${windows}-window mean`]: {
            http: () => getJson(`${href}?${bounds}&every=${EVERY_MS}ms&fn=mean`),
            inProcess: () => vo.history({ ...range, limit: windows, aggregate: { every: EVERY_MS, fn: "mean" } }),
        },
    };
    const ms: Record<string, Timed> = {};
    let mean: StoreResult["mean"] = [];
    for (const [name, q] of Object.entries(queries)) {
        // warm-up (caches, JIT, the HTTP connection); its answers are checked
        const [overHttp, inProcess] = [await q.http(), await q.inProcess()];
        if (name.startsWith("newest")) checkNewest(overHttp, inProcess as HistoryRecord[]);
        else mean = checkMean(overHttp, inProcess as AggregateRow[]);
        const floor = await floorServer(JSON.stringify(overHttp));
        const ways = { ...q, floor: () => getJson(floor.url) };
        await ways.floor();
        const t: Timed = (ms[name] = { http: [], inProcess: [], floor: [] });
        const until = performance.now() + seconds * 1000;
        try {
            for (let i = 0; i < runs && performance.now() < until; i++) {
                // rotate which goes first, so none always follows another's garbage
                const order = (["http", "inProcess", "floor"] as const).map((_, j, all) => all[(i + j) % 3]);
                for (const way of order) {
                    const start = performance.now();
                    await ways[way]();
                    t[way].push(performance.now() - start);
                }
            }
        } finally {
            await floor.close();
        }
    }
    return { ms, mean };
}

function checkNewest(overHttp: unknown, inProcess: HistoryRecord[]): void {
    const items = (overHttp as { items: { timestampNs: string; value: unknown }[] }).items;
    if (inProcess.length !== limit || inProcess[0].time.getTime() !== LAST_MS) {
        throw new Error(`in-process: not the newest ${limit} points`);
    }
    if (items.length !== limit || items.some((p, i) => p.timestampNs !== inProcess[i].timestampNs)) {
        throw new Error(`HTTP: the newest ${limit} points differ from the in-process answer`);
    }
}

function checkMean(overHttp: unknown, inProcess: AggregateRow[]): StoreResult["mean"] {
    const served = (overHttp as { windows: StoreResult["mean"] }).windows;
    if (inProcess.length !== windows || inProcess[0].time.getTime() !== T0_MS) {
        throw new Error(`in-process: ${inProcess.length} windows instead of ${windows}, or not from the first point`);
    }
    const same = (w: StoreResult["mean"][number], i: number) =>
        Date.parse(w.time) === inProcess[i].time.getTime() && w.value === inProcess[i].value;
    if (served.length !== windows || !served.every(same)) {
        throw new Error("HTTP: the mean windows differ from the in-process answer");
    }
    return served;
}

async function onSqlite(dir: string): Promise<StoreResult> {
    const file = path.join(dir, "history.sqlite");
    const db = await Database.open(file);
    await migrate(db);
    const loadS = await load(new SqliteTimeSeriesStore(db), 50_000);
    await db.close();
    return { loadS, ...(await measure({ sqlite: { path: file } })) };
}

/** InfluxDB 1.8 (`--stores influxdb1`): a server of the bench's own, auth on, its token `admin:<password>`. */
async function influx1Target(): Promise<
    { connection: InfluxConnection; server?: { stop(): Promise<void> } } | undefined
> {
    const bin = influxd1Binary();
    if (bin === undefined) return undefined;
    const server = await Influx1Server.start(bin);
    return { connection: server, server };
}

async function onInfluxDb(dir: string, engine: "2.x" | "1.8" = "2.x"): Promise<StoreResult | undefined> {
    const target = engine === "1.8" ? await influx1Target() : await influxTarget();
    if (target === undefined) {
        const install =
            engine === "1.8" ? "scripts/influxdb1.sh install" : "scripts/influxdb.sh install, or set INFLUX_URL";
        console.log(`influxdb ${engine} skipped: no influxd (run ${install})`);
        return undefined;
    }
    try {
        const id = crypto.randomBytes(4).toString("hex");
        const { url, org, token } = target.connection;
        const influxdb = {
            url,
            org,
            token,
            buckets: { properties: `hist-p-${id}`, actions: `hist-a-${id}`, events: `hist-e-${id}` },
        };
        const db = await Database.open(path.join(dir, "spool.sqlite"));
        await migrate(db);
        const options = resolveInfluxDbOptions(influxdb);
        const store = new InfluxDbStore(options, await Spool.open(db, options.maxSpoolBytes));
        await store.start();
        const loadS = await load(store, 10_000);
        await store.close();
        await db.close();
        return { loadS, ...(await measure({ sqlite: { path: path.join(dir, "vo.sqlite") }, influxdb })) };
    } finally {
        await target.server?.stop();
    }
}

async function measure(options: VoPersistenceOptions): Promise<Pick<StoreResult, "ms" | "mean">> {
    const { vo, href, stop } = await startVo(options);
    try {
        return await timeQueries(vo, href);
    } finally {
        await stop();
    }
}

/** The q-quantile (nearest rank) of a list of numbers. */
function quantile(xs: readonly number[], q: number): number {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function main(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-bench-history-"));
    const results: Record<string, StoreResult> = {};
    const loadBefore = os.loadavg();
    try {
        if (stores.includes("sqlite")) results.sqlite = await onSqlite(dir);
        if (stores.includes("influxdb")) {
            const r = await onInfluxDb(dir);
            if (r !== undefined) results.influxdb = r;
        }
        if (stores.includes("influxdb1")) {
            const r = await onInfluxDb(dir, "1.8");
            if (r !== undefined) results.influxdb1 = r;
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    const loadAfter = os.loadavg();
    if (results.sqlite && results.influxdb) {
        const [a, b] = [results.sqlite.mean, results.influxdb.mean];
        const i = a.findIndex(
            (w, j) => w.time !== b[j]?.time || Math.abs((w.value ?? NaN) - (b[j].value ?? NaN)) > 1e-9
        );
        if (a.length !== b.length || i >= 0) throw new Error(`the stores disagree on the mean, window #${i}`);
    }
    const targets: Record<string, number> = { [`newest ${limit}`]: 50, [`${windows}-window mean`]: 100 };
    const rows: Record<string, Record<string, string>> = {};
    const summary: Record<string, Record<string, number>> = {};
    const verdicts: string[] = [];
    const f = (x: number) => x.toFixed(1);
    for (const [store, r] of Object.entries(results)) {
        summary[store] = { load_s: Math.round(r.loadS * 10) / 10 };
        for (const [query, t] of Object.entries(r.ms)) {
            const [hp50, hp99, ip50, ip99] = [quantile(t.http, 0.5), quantile(t.http, 0.99)].concat(
                quantile(t.inProcess, 0.5),
                quantile(t.inProcess, 0.99)
            );
            const fp50 = quantile(t.floor, 0.5);
            const ratio = hp50 / ip50;
            const beyondFloor = (hp50 - fp50) / ip50;
            rows[`${store} ${query}`] = {
                runs: String(t.http.length),
                "HTTP p50 ms": f(hp50),
                "HTTP p99 ms": f(hp99),
                "in-process p50 ms": f(ip50),
                "in-process p99 ms": f(ip99),
                "HTTP / in-process": ratio.toFixed(2),
                "floor p50 ms": f(fp50),
                "(HTTP - floor) / in-process": beyondFloor.toFixed(2),
            };
            Object.assign(summary[store], {
                [`${query} http_p50`]: Math.round(hp50 * 10) / 10,
                [`${query} http_p99`]: Math.round(hp99 * 10) / 10,
                [`${query} in_process_p50`]: Math.round(ip50 * 10) / 10,
                [`${query} in_process_p99`]: Math.round(ip99 * 10) / 10,
                [`${query} floor_p50`]: Math.round(fp50 * 10) / 10,
            });
            const target = targets[query];
            const met = (ok: boolean) => (ok ? "met" : "missed");
            verdicts.push(
                `${store} ${query}: HTTP p50 ${f(hp50)} ms (target < ${target} ms: ${met(hp50 < target)}),` +
                    ` HTTP ${((ratio - 1) * 100).toFixed(0)}% over in-process (target <= 20%: ${met(ratio <= 1.2)});` +
                    ` beyond the floor of any HTTP answer of these bytes (${f(fp50)} ms),` +
                    ` ${((beyondFloor - 1) * 100).toFixed(0)}%`
            );
        }
    }
    printTable(
        `history over ${points} points of one series, ${runs} runs each way (at most ${seconds} s a query)`,
        rows
    );
    for (const [store, r] of Object.entries(results)) {
        console.log(
            `${store}: ${points} points loaded in ${r.loadS.toFixed(1)} s (${Math.round(points / r.loadS)} points/s)`
        );
    }
    for (const v of verdicts) console.log(v);
    const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
    console.log(
        `load average (1, 5, 15 min): ${la(loadBefore)} before, ${la(loadAfter)} after; ${os.cpus().length} cores`
    );
    console.log(JSON.stringify({ bench: "history", points, runs, limit, windows, loadavg: loadAfter, summary }));
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
