/**
 * Durable acknowledgements: property writes and action invocations over HTTP and CoAP, the default
 * mode (answered at once) against after-commit (answered once the record is committed, SQLite
 * synchronous FULL, group commit), in one run, on the embedded store (also after-commit with synchronous
 * NORMAL: survives a crash of the process, not a power loss) and, when an influxd is at hand, on InfluxDB. Same servers and load generators as bench/interactions.ts; rounds rotate the order of
 * the modes; medians over the rounds. Target: after-commit keeps >= 70% of the default's throughput at
 * 10 in flight, p99 under 20 ms.
 *
 *   node dist/bench/durable.js [--seconds 4] [--warmup 1] [--rounds 3] [--connections 10]
 *        [--stores record,influx] [--protocols http,coap] [--ops write,action]
 */
import fs from "node:fs";
import { influxTarget } from "./influx-target";
import { Load, load, Op, Protocol } from "./loads";
import { arg, listArg, median, printTable } from "./report";
import { startServer } from "./servers/spawn-server";

const seconds = arg("seconds", 4);
const warmup = arg("warmup", 1);
const rounds = arg("rounds", 3);
const connections = arg("connections", 10);
const stores = listArg("stores", ["record", "influx"] as const);
const protocols = listArg("protocols", ["http", "coap"] as const satisfies readonly Protocol[]);
const ops = listArg("ops", ["write", "action"] as const satisfies readonly Op[]);
const ACKS = ["at-once", "after-commit", "after-commit+normal"] as const;
const FLAGS: Record<(typeof ACKS)[number], string[]> = {
    "at-once": [],
    "after-commit": ["--after-commit"],
    "after-commit+normal": ["--after-commit", "--synchronous-normal"],
};
/** SQLite synchronous matters to the embedded store only; InfluxDB keeps the records there */
const acksOf = (store: string) => (store === "influx" ? ACKS.slice(0, 2) : ACKS);

async function main(): Promise<void> {
    const influx = stores.includes("influx") ? await influxTarget() : undefined;
    const active = stores.filter((s) => s !== "influx" || influx !== undefined);
    if (stores.includes("influx") && influx === undefined) {
        console.log("influx store skipped: no influxd (run scripts/influxdb.sh install, or set INFLUX_URL)");
    }
    const modes = active.flatMap((store) => acksOf(store).map((ack) => ({ store, ack, key: `${store} ${ack}` })));
    const samples: Record<string, Load[]> = {};
    const stats: Record<string, unknown> = {};
    try {
        for (let round = 0; round < rounds; round++) {
            const order = modes.map((_, i) => modes[(i + round) % modes.length]);
            for (const mode of order) {
                const env = mode.store === "influx" ? influx!.env : process.env;
                const server = await startServer(mode.store, env, {}, FLAGS[mode.ack]);
                try {
                    for (const protocol of protocols) {
                        for (const op of ops) {
                            await load(protocol, server, op, warmup, connections);
                            (samples[`${protocol} ${op} ${mode.key}`] ??= []).push(
                                await load(protocol, server, op, seconds, connections)
                            );
                        }
                    }
                } finally {
                    stats[mode.key] = await server.stop();
                }
            }
            console.log(`round ${round + 1} of ${rounds} done`);
        }
    } finally {
        if (influx?.server !== undefined) await influx.server.stop();
    }
    const rows: Record<string, Record<string, number | string>> = {};
    const summary: Record<string, unknown> = {};
    for (const protocol of protocols) {
        for (const op of ops) {
            for (const store of active) {
                const of = (ack: string) => samples[`${protocol} ${op} ${store} ${ack}`];
                const atOnce = median(of("at-once").map((x) => x.rps));
                for (const ack of acksOf(store)) {
                    const s = of(ack);
                    const rps = Math.round(median(s.map((x) => x.rps)));
                    const figures = {
                        rps,
                        p50: median(s.map((x) => x.p50)),
                        p99: median(s.map((x) => x.p99)),
                        errors: s.reduce((a, x) => a + x.errors, 0),
                        ofDefault: rps / atOnce,
                    };
                    summary[`${protocol} ${op} ${store} ${ack}`] = figures;
                    rows[`${protocol} ${op} ${store === "record" ? "sqlite" : "influxdb"} ${ack}`] = {
                        "req/s": rps,
                        "p50 ms": figures.p50,
                        "p99 ms": figures.p99,
                        errors: figures.errors,
                        "% of at-once": ack === "at-once" ? "" : (figures.ofDefault * 100).toFixed(0),
                    };
                }
            }
        }
    }
    printTable(
        `durable acknowledgements, ${connections} in flight, ${rounds} rounds x ${seconds} s each (medians)`,
        rows
    );
    console.log(`last recorder counters: ${JSON.stringify(stats)}`);
    const cpus = fs.readFileSync("/proc/cpuinfo", "utf8").match(/^processor/gm)?.length;
    console.log(
        JSON.stringify({ bench: "durable", connections, seconds, warmup, rounds, node: process.version, cpus, summary })
    );
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
