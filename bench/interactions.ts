/**
 * Interaction throughput and latency, HTTP, CoAP, MQTT and WebSocket, property reads, property writes and action
 * invocations: a plain node-wot servient against the same servient with node-wot-vo's protocol fixes only
 * (`fixes`: no recorder) and with node-wot-vo recording into the embedded store and into InfluxDB, in one run. Each server runs in its own process
 * (bench/servers), the load generator in another: autocannon for HTTP, bench/coap-load for CoAP,
 * bench/mqtt-ws-load for MQTT (MQTT 5 requests through a Mosquitto the bench starts) and WebSocket,
 * all with --connections requests in flight. Rounds rotate the order of the server modes so drift
 * hits all alike; each round starts fresh server processes and loads each protocol x operation for
 * --warmup seconds, then measures it for --seconds. Medians over the rounds.
 * Every load is bounded by time (and a kill timeout); CoAP also by --requests.
 * BENCH_SERVER_NODE_OPTIONS passes flags (e.g. --cpu-prof) to the servers.
 *
 *   node dist/bench/interactions.js [--seconds 4] [--warmup 1] [--rounds 3] [--connections 10]
 *        [--modes plain,fixes,record,influx] [--protocols http,coap,mqtt,ws] [--ops read,write,action]
 * The influx mode needs `scripts/influxdb.sh install` (or INFLUX_URL, INFLUX_TOKEN of a server of your own).
 */
import fs from "node:fs";
import { Mosquitto } from "../test/helpers/mosquitto";
import { influxTarget } from "./influx-target";
import { Load, load } from "./loads";
import { arg, listArg, median, printTable } from "./report";
import { ServerMode, startServer } from "./servers/spawn-server";

const seconds = arg("seconds", 4);
const warmup = arg("warmup", 1);
const rounds = arg("rounds", 3);
const connections = arg("connections", 10);
const modes = listArg("modes", ["plain", "fixes", "record", "influx"] as const);
const protocols = listArg("protocols", ["http", "coap", "mqtt", "ws"] as const);
const ops = listArg("ops", ["read", "write", "action"] as const);

async function main(): Promise<void> {
    const influx = modes.includes("influx") ? await influxTarget() : undefined;
    const active = modes.filter((m) => m !== "influx" || influx !== undefined);
    if (modes.includes("influx") && influx === undefined) {
        console.log("influx mode skipped: no influxd (run scripts/influxdb.sh install, or set INFLUX_URL)");
    }
    const broker = protocols.includes("mqtt") ? await Mosquitto.start() : undefined;
    const extraProtocols = { mqttBroker: broker?.url, ws: protocols.includes("ws") };
    const samples: Record<string, Load[]> = {};
    const stats: Partial<Record<ServerMode, Record<string, unknown>>> = {};
    try {
        for (let round = 0; round < rounds; round++) {
            // rotate the order of the modes, so no mode always runs first (or last) in a round
            const order = active.map((_, i) => active[(i + round) % active.length]);
            for (const mode of order) {
                const server = await startServer(mode, mode === "influx" ? influx!.env : process.env, extraProtocols);
                try {
                    for (const protocol of protocols) {
                        for (const op of ops) {
                            await load(protocol, server, op, warmup, connections);
                            const key = `${protocol} ${op} ${mode}`;
                            const before = await server.sample();
                            const figures = await load(protocol, server, op, seconds, connections);
                            const after = await server.sample();
                            const handled = after.handled - before.handled;
                            figures.cpuUs = Math.round(((after.cpuUs - before.cpuUs) / handled) * 10) / 10;
                            (samples[key] ??= []).push(figures);
                        }
                    }
                } finally {
                    stats[mode] = await server.stop();
                }
            }
            console.log(`round ${round + 1} of ${rounds} done`);
        }
    } finally {
        if (influx?.server !== undefined) await influx.server.stop();
        await broker?.stop();
    }
    const rows: Record<string, Record<string, number | string>> = {};
    const summary: Record<string, Record<string, Record<string, Load & { cost: number | null }>>> = {};
    for (const protocol of protocols) {
        for (const op of ops) {
            const plain = samples[`${protocol} ${op} plain`];
            const plainRps = plain && median(plain.map((x) => x.rps));
            const plainCpu = plain && median(plain.map((x) => x.cpuUs ?? NaN));
            const fixes = samples[`${protocol} ${op} fixes`];
            const fixesCpu = fixes && median(fixes.map((x) => x.cpuUs ?? NaN));
            for (const mode of active) {
                const s = samples[`${protocol} ${op} ${mode}`];
                const rps = Math.round(median(s.map((x) => x.rps)));
                const cost = plainRps ? 1 - rps / plainRps : null;
                const figures = {
                    rps,
                    p50: median(s.map((x) => x.p50)),
                    p99: median(s.map((x) => x.p99)),
                    errors: s.reduce((a, x) => a + x.errors, 0),
                    cpuUs: median(s.map((x) => x.cpuUs ?? NaN)),
                    cost,
                };
                ((summary[protocol] ??= {})[op] ??= {})[mode] = figures;
                rows[`${protocol} ${op} ${mode}`] = {
                    "req/s": rps,
                    "p50 ms": figures.p50,
                    "p99 ms": figures.p99,
                    errors: figures.errors,
                    "cost %": mode === "plain" || cost === null ? "" : (cost * 100).toFixed(1),
                    "CPU us/req": figures.cpuUs,
                    "+CPU us": mode === "plain" || !plainCpu ? "" : (figures.cpuUs - plainCpu).toFixed(1),
                    // the price of recording alone: against the same protocol fixes without a recorder
                    "+CPU us over fixes":
                        mode === "plain" || mode === "fixes" || !fixesCpu ? "" : (figures.cpuUs - fixesCpu).toFixed(1),
                };
            }
        }
    }
    printTable(
        `interactions, ${connections} in flight, ${rounds} rounds x ${seconds} s each (medians; cost = throughput lost against plain; CPU = server process, all threads, per interaction)`,
        rows
    );
    console.log(`last recorder counters: ${JSON.stringify(stats)}`);
    const node = process.version;
    const cpus = fs.readFileSync("/proc/cpuinfo", "utf8").match(/^processor/gm)?.length;
    console.log(
        JSON.stringify({
            bench: "interactions",
            connections,
            seconds,
            warmup,
            rounds,
            node,
            cpus,
            summary,
            samples,
            stats,
        })
    );
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
