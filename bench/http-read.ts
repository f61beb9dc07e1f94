/**
 * HTTP readProperty throughput and latency: a plain node-wot servient against the same servient
 * with node-wot-vo recording into the embedded store, in one run. Each server runs in its own
 * process, autocannon in another; rounds alternate plain / recorded so drift hits both alike.
 * Bounded by duration. BENCH_SERVER_NODE_OPTIONS passes flags (e.g. --cpu-prof) to the servers.
 *
 *   node dist/bench/http-read.js [--seconds 5] [--rounds 3] [--connections 10]
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { arg, printTable } from "./report";
import { startServer } from "./servers/spawn-server";

const run = promisify(execFile);
const seconds = arg("seconds", 5);
const rounds = arg("rounds", 3);
const connections = arg("connections", 10);

interface Round {
    rps: number;
    p50: number;
    p99: number;
    errors: number;
}

async function load(url: string, duration: number): Promise<Round> {
    const bin = require.resolve("autocannon/autocannon.js");
    const { stdout } = await run(
        process.execPath,
        [bin, "-c", String(connections), "-d", String(duration), "-j", url],
        {
            maxBuffer: 16 * 1024 * 1024,
        }
    );
    const r = JSON.parse(stdout);
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

async function main(): Promise<void> {
    const results: Record<string, Round[]> = { plain: [], recorded: [] };
    let stats: Record<string, number> = {};
    // Rounds alternate plain / recorded, each on a fresh server process after a warm-up load.
    for (let i = 0; i < rounds; i++) {
        for (const record of [false, true]) {
            const server = await startServer(record ? "record" : "plain");
            try {
                await load(server.url, 2);
                results[record ? "recorded" : "plain"].push(await load(server.url, seconds));
            } finally {
                const s = await server.stop();
                if (record) stats = s;
            }
        }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const summary = Object.fromEntries(
        Object.entries(results).map(([k, rs]) => [
            k,
            {
                rps: Math.round(median(rs.map((r) => r.rps))),
                p50_ms: median(rs.map((r) => r.p50)),
                p99_ms: median(rs.map((r) => r.p99)),
                errors: rs.reduce((s, r) => s + r.errors, 0),
            },
        ])
    );
    const cost = 1 - summary.recorded.rps / summary.plain.rps;
    printTable(`HTTP readProperty, ${connections} connections, ${rounds} x ${seconds} s each (median)`, summary);
    console.log(`recording cost: ${(cost * 100).toFixed(1)}% of plain throughput`);
    console.log(`last recorded round: ${JSON.stringify(stats)}`);
    console.log(JSON.stringify({ bench: "http-read", connections, seconds, rounds, summary, cost, stats }));
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
