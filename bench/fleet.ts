/**
 * A fleet of recording VOs on one InfluxDB: for each N of --fleets, N VOs record into one real influxd (2.8, started
 * as test/helpers start it, or INFLUX_URL), each VO at --rate interactions a second on each of its --affordances
 * numeric properties (default 1/s on 10: 10 points/s per VO), for --seconds (after --warmup). Measured: points/s
 * influxd accepted (the stores' `written`: batches answered 204), the time of each write request (p50/p99, the
 * store's `send` timed from outside), write requests/s, series and measurements in the bucket (InfluxQL
 * `SHOW SERIES CARDINALITY` / `SHOW MEASUREMENTS` on its DBRP), influxd's resident memory (its /metrics), the p50 of
 * two history reads while the fleet writes (the newest 100 of one property; a 1000-window mean over the run), and
 * the VO processes' CPU and resident memory per VO.
 *
 * How the VOs run: --procs processes (default 2, one per core), each with N/procs VOs. A VO is what `VoPersistence
 * .attach` makes of a servient of its own (its SQLite file for state and spool in a temporary directory, its write
 * buffer, its InfluxDB store and client, its VO Thing, self-check and heartbeat timers) exposing one Thing of its
 * own; the servients run no protocol server, and the interactions are driven by calling the exposed Thing's
 * `handleReadProperty`, the method every protocol binding calls and the recorder wraps. A thousand HTTP servers on
 * a 2-core machine would measure loopback HTTP (bench/loads does that for one VO), not what a fleet costs InfluxDB
 * and the VOs' write path. Each process drives its VOs from one 100 ms tick (a tenth of them per tick, so the load
 * is spread over the second); interactions a tick could not start in time are counted as missed, not queued.
 *
 *   scripts/influxdb.sh install && node dist/bench/fleet.js [--fleets 10,100,1000] [--seconds 30] [--warmup 5]
 *        [--procs 2] [--affordances 10] [--rate 1] [--flush-ms <recording.flushIntervalMs>]
 */
import { ChildProcess, fork } from "node:child_process";
import { performance } from "node:perf_hooks";
import { influxTarget } from "./influx-target";
import { arg, printTable, stringArg } from "./report";
import type { FleetSnapshot } from "./fleet-worker";
import { historyReader, HistoryTimes, influxdFigures } from "./fleet-influxd";

const fleets = stringArg("fleets", "10,100,1000").split(",").map(Number);
const seconds = arg("seconds", 30);
const warmup = arg("warmup", 5);
const procs = arg("procs", 2);
const affordances = arg("affordances", 10);
const rate = arg("rate", 1);
/** recording.flushIntervalMs of every VO; the default (1 s with InfluxDB) when not given */
const flushMs = process.argv.includes("--flush-ms") ? String(arg("flush-ms", 1000)) : undefined;
/** how long N VOs may take to attach, per VO, before the fleet is given up */
const ATTACH_MS_PER_VO = 500;

interface Worker {
    child: ChildProcess;
    snapshots: ((s: FleetSnapshot) => void)[];
}

/** A worker process with `count` VOs; resolves once they are all attached. */
function startWorker(first: number, count: number, env: NodeJS.ProcessEnv, buckets: string): Promise<Worker> {
    const args = ["--first", String(first), "--count", String(count), "--affordances", String(affordances)];
    if (flushMs !== undefined) args.push("--flush-ms", flushMs);
    const child = fork(`${__dirname}/fleet-worker.js`, [...args, "--rate", String(rate), "--bucket", buckets], {
        env,
        stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const worker: Worker = { child, snapshots: [] };
    return new Promise((resolve, reject) => {
        // a worker given up is killed here: it is not in the fleet's list for stopWorker
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`${count} VOs not attached in time`));
        }, count * ATTACH_MS_PER_VO);
        child.on("message", (m: { ready?: boolean; snapshot?: FleetSnapshot }) => {
            if (m.ready) {
                clearTimeout(timer);
                resolve(worker);
            }
            if (m.snapshot) worker.snapshots.shift()?.(m.snapshot);
        });
        child.once("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`worker exited with ${code}`));
        });
    });
}

function snapshot(w: Worker): Promise<FleetSnapshot> {
    return new Promise((resolve) => {
        w.snapshots.push(resolve);
        w.child.send("snapshot");
    });
}

/** Stops a worker (its VOs flush and close); killed if it has not exited in `ms`. */
async function stopWorker(w: Worker, ms: number): Promise<void> {
    if (w.child.exitCode !== null) return;
    const exited = new Promise((resolve) => w.child.once("exit", resolve));
    w.child.send("stop");
    const timer = setTimeout(() => w.child.kill("SIGKILL"), ms);
    await exited;
    clearTimeout(timer);
}

function percentile(xs: number[], p: number): number {
    if (xs.length === 0) return NaN;
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const sum = (xs: FleetSnapshot[], f: (s: FleetSnapshot) => number): number => xs.reduce((n, s) => n + f(s), 0);

/** Figures of the window between two sets of snapshots. */
function windowFigures(before: FleetSnapshot[], after: FleetSnapshot[], s: number): Record<string, number> {
    const delta = (f: (x: FleetSnapshot) => number) => sum(after, f) - sum(before, f);
    const latencies = after.flatMap((x) => x.sendMs);
    const cpuS = delta((x) => x.cpuUs) / 1e6;
    const n = sum(after, (x) => x.vos);
    return {
        interactions_per_s: Math.round(delta((x) => x.interactions) / s),
        missed_per_s: Math.round(delta((x) => x.missed) / s),
        points_per_s: Math.round(delta((x) => x.written) / s),
        requests_per_s: Math.round(delta((x) => x.requests) / s),
        points_per_request: +(
            delta((x) => x.written) /
            Math.max(
                1,
                delta((x) => x.requests)
            )
        ).toFixed(1),
        write_p50_ms: +percentile(latencies, 0.5).toFixed(2),
        write_p99_ms: +percentile(latencies, 0.99).toFixed(2),
        spooled: delta((x) => x.spooled),
        dropped: delta((x) => x.dropped),
        queued: sum(after, (x) => x.queued),
        vo_cpu_pct: Math.round((100 * cpuS) / s),
        vo_cpu_us_per_point: +(
            (cpuS * 1e6) /
            Math.max(
                1,
                delta((x) => x.interactions)
            )
        ).toFixed(1),
        vo_rss_mib: Math.round(sum(after, (x) => x.rssMiB)),
        vo_kib_per_vo: Math.round((1024 * sum(after, (x) => x.rssMiB - x.baseRssMiB)) / n),
    };
}

async function runFleet(
    n: number,
    target: NonNullable<Awaited<ReturnType<typeof influxTarget>>>
): Promise<Record<string, number>> {
    const bucket = `fleet-${n}-${process.pid}`;
    const k = Math.min(procs, n);
    const workers: Worker[] = [];
    try {
        const started = performance.now();
        for (let i = 0; i < k; i++) {
            const first = Math.floor((i * n) / k);
            workers.push(await startWorker(first, Math.floor(((i + 1) * n) / k) - first, target.env, bucket));
        }
        const attachS = (performance.now() - started) / 1000;
        for (const w of workers) w.child.send("go");
        const t0 = Date.now();
        await new Promise((r) => setTimeout(r, warmup * 1000));
        const before = await Promise.all(workers.map(snapshot));
        const windowStart = performance.now();
        const reader = await historyReader(target.connection, bucket);
        const times: HistoryTimes = await reader.timeWhile(t0, windowStart + seconds * 1000);
        const after = await Promise.all(workers.map(snapshot));
        const figures = windowFigures(before, after, (performance.now() - windowStart) / 1000);
        const influxd = await influxdFigures(target.connection, bucket);
        await reader.close();
        return { vos: n, procs: k, attach_s: +attachS.toFixed(1), ...figures, ...influxd, ...times };
    } finally {
        await Promise.all(workers.map((w) => stopWorker(w, 60_000)));
    }
}

async function main(): Promise<void> {
    const target = await influxTarget();
    if (target === undefined) throw new Error("no influxd: run scripts/influxdb.sh install, or set INFLUX_URL");
    const rows: Record<string, Record<string, number | string>> = {};
    try {
        for (const n of fleets) {
            try {
                rows[`${n} VOs`] = await runFleet(n, target);
            } catch (err) {
                rows[`${n} VOs`] = { vos: n, failed: (err as Error).message };
                console.error(`${n} VOs: ${(err as Error).message}`);
                break; // a larger fleet will not do better
            }
            console.error(`${n} VOs: ${JSON.stringify(rows[`${n} VOs`])}`);
        }
    } finally {
        await target.server?.stop();
    }
    const flush = flushMs === undefined ? "" : `, flush every ${flushMs} ms`;
    printTable(
        `A fleet on one InfluxDB: ${affordances} properties per VO at ${rate}/s each${flush}, ${seconds} s`,
        rows
    );
    console.log(JSON.stringify({ bench: "fleet", seconds, warmup, procs, affordances, rate, flushMs, rows }));
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
