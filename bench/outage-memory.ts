/**
 * Resident memory of a VO recording into InfluxDB while InfluxDB is down, at a fixed interaction
 * rate, against a plain node-wot servient under the same load in the same run. InfluxDB runs for
 * the first --warmup seconds, is then SIGKILLed for --seconds; every second the bench samples the
 * RSS of both server processes (/proc/<pid>/status) and sends --rate HTTP reads to each.
 * Memory is flat when the spool (on disk) takes what InfluxDB cannot.
 *
 *   node dist/bench/outage-memory.js [--seconds 300] [--warmup 10] [--rate 200]
 */
import { performance } from "node:perf_hooks";
import { influxTarget } from "./influx-target";
import { arg, printTable, rssMiB } from "./report";
import { ServerProcess, startServer } from "./servers/spawn-server";

const seconds = arg("seconds", 300);
const warmup = arg("warmup", 10);
const rate = arg("rate", 200);

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
    const n = xs.length;
    const mx = xs.reduce((a, b) => a + b, 0) / n;
    const my = ys.reduce((a, b) => a + b, 0) / n;
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
        num += (xs[i] - mx) * (ys[i] - my);
        den += (xs[i] - mx) ** 2;
    }
    return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
    const target = await influxTarget(true); // its own influxd: the outage is made by killing it
    if (target?.server === undefined) throw new Error("no influxd: run scripts/influxdb.sh install");
    const { server: influx, env } = target;
    const servers: Record<string, ServerProcess> = {
        "plain node-wot": await startServer("plain"),
        "node-wot-vo -> InfluxDB (down)": await startServer("influx", env),
    };
    const samples: Record<string, { t: number[]; rss: number[] }> = {};
    for (const name of Object.keys(servers)) samples[name] = { t: [], rss: [] };
    let sent = 0;
    let failed = 0;
    const t0 = performance.now();
    try {
        for (let s = 0; s < warmup + seconds; s++) {
            if (s === warmup) await influx.kill("SIGKILL");
            const tick = performance.now();
            // `rate` reads to each server, spread over the second, never more than the count
            const requests: Promise<void>[] = [];
            for (let i = 0; i < rate; i++) {
                for (const server of Object.values(servers)) {
                    requests.push(
                        fetch(server.url).then(
                            (r) => void (r.ok ? sent++ : failed++),
                            () => void failed++
                        )
                    );
                }
                if (i % 10 === 9) await new Promise((r) => setTimeout(r, 1000 / (rate / 10)));
            }
            await Promise.all(requests);
            if (s >= warmup) {
                for (const [name, server] of Object.entries(servers)) {
                    samples[name].t.push((performance.now() - t0) / 1000);
                    samples[name].rss.push(rssMiB(server.pid));
                }
            }
            const rest = 1000 - (performance.now() - tick);
            if (rest > 0) await new Promise((r) => setTimeout(r, rest));
        }
    } finally {
        const stats: Record<string, Record<string, unknown>> = {};
        for (const [name, server] of Object.entries(servers)) stats[name] = await server.stop();
        await influx.stop();
        const rows: Record<string, Record<string, string>> = {};
        for (const [name, { t, rss }] of Object.entries(samples)) {
            if (rss.length === 0) continue;
            const tenth = Math.max(1, Math.floor(rss.length / 10));
            const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
            rows[name] = {
                "first 10% MiB": avg(rss.slice(0, tenth)).toFixed(1),
                "last 10% MiB": avg(rss.slice(-tenth)).toFixed(1),
                "max MiB": Math.max(...rss).toFixed(1),
                "slope MiB/min": (slope(t, rss) * 60).toFixed(2),
            };
        }
        printTable(`resident memory over a ${seconds} s InfluxDB outage, ${rate} reads/s per server`, rows);
        const store = (stats["node-wot-vo -> InfluxDB (down)"] as { store?: Record<string, number> }).store;
        console.log(`requests ok ${sent}, failed ${failed}; spool at the end: ${JSON.stringify(store)}`);
        console.log(JSON.stringify({ bench: "outage-memory", seconds, rate, rows, store, samples }));
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
