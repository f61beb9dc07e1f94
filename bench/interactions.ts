/**
 * Interaction throughput and latency, HTTP, CoAP, MQTT and WebSocket, property reads, property writes and action
 * invocations: a plain node-wot servient against the same servient with node-wot-vo recording into
 * the embedded store and into InfluxDB, in one run. Each server runs in its own process
 * (bench/servers), the load generator in another: autocannon for HTTP, bench/coap-load for CoAP,
 * bench/mqtt-ws-load for MQTT (MQTT 5 requests through a Mosquitto the bench starts) and WebSocket,
 * all with --connections requests in flight. Rounds rotate the order of the server modes so drift
 * hits all alike; each round starts fresh server processes and loads each protocol x operation for
 * --warmup seconds, then measures it for --seconds. Medians over the rounds.
 * Every load is bounded by time (and a kill timeout); CoAP also by --requests.
 * BENCH_SERVER_NODE_OPTIONS passes flags (e.g. --cpu-prof) to the servers.
 *
 *   node dist/bench/interactions.js [--seconds 4] [--warmup 1] [--rounds 3] [--connections 10]
 *        [--modes plain,record,influx] [--protocols http,coap,mqtt,ws] [--ops read,write,action]
 * The influx mode needs `scripts/influxdb.sh install` (or INFLUX_URL, INFLUX_TOKEN of a server of your own).
 */
import fs from "node:fs";
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Mosquitto } from "../test/helpers/mosquitto";
import { influxTarget } from "./influx-target";
import { arg, median, printTable, stringArg } from "./report";
import { ServerMode, ServerProcess, startServer } from "./servers/spawn-server";

const run = promisify(execFile);
const seconds = arg("seconds", 4);
const warmup = arg("warmup", 1);
const rounds = arg("rounds", 3);
const connections = arg("connections", 10);
const list = <T extends string>(name: string, all: readonly T[]): T[] =>
    stringArg(name, all.join(","))
        .split(",")
        .filter((x): x is T => (all as readonly string[]).includes(x));
const modes = list("modes", ["plain", "record", "influx"] as const);
const protocols = list("protocols", ["http", "coap", "mqtt", "ws"] as const);
const ops = list("ops", ["read", "write", "action"] as const);

type Protocol = (typeof protocols)[number];
type Op = (typeof ops)[number];

/** What each operation sends: a read of a counter, a write of a number, an action with a number in and out. */
const REQUESTS: Record<Op, { path: string; http: string; coap: string; ws: string; mqtt: string; body?: string }> = {
    read: { path: "properties/value", http: "GET", coap: "GET", ws: "readproperty", mqtt: "/readproperty" },
    write: {
        path: "properties/setting",
        http: "PUT",
        coap: "PUT",
        ws: "writeproperty",
        mqtt: "/writeproperty",
        body: "5",
    },
    action: { path: "actions/add", http: "POST", coap: "POST", ws: "invokeaction", mqtt: "", body: "1" },
};

interface Load {
    rps: number;
    p50: number;
    p99: number;
    errors: number;
    /** CPU time of the server process (all its threads) per interaction handled, microseconds */
    cpuUs?: number;
}

async function loadHttp(server: ServerProcess, op: Op, duration: number): Promise<Load> {
    const r = REQUESTS[op];
    const bin = require.resolve("autocannon/autocannon.js");
    const args = [bin, "-c", String(connections), "-d", String(duration), "-j", "-m", r.http];
    if (r.body !== undefined) args.push("-H", "content-type=application/json", "-b", r.body);
    const { stdout } = await run(process.execPath, [...args, `${server.http}/${r.path}`], {
        maxBuffer: 16 * 1024 * 1024,
        timeout: (duration + 30) * 1000,
    });
    const j = JSON.parse(stdout);
    return {
        rps: j.requests.average,
        p50: j.latency.p50,
        p99: j.latency.p99,
        errors: j.errors + j.non2xx + j.timeouts,
    };
}

async function loadCoap(server: ServerProcess, op: Op, duration: number): Promise<Load> {
    const r = REQUESTS[op];
    const args = [path.join(__dirname, "coap-load.js"), "--url", `${server.coap}/${r.path}`, "--method", r.coap];
    args.push("--concurrency", String(connections), "--seconds", String(duration));
    if (r.body !== undefined) args.push("--payload", r.body);
    const { stdout } = await run(process.execPath, args, { timeout: (duration + 30) * 1000 });
    const j = JSON.parse(stdout);
    return { rps: j.rps, p50: j.p50, p99: j.p99, errors: j.errors };
}

/** MQTT: MQTT 5 requests to the request topics (a read asks `.../readproperty`); WebSocket: the VO's JSON messages. */
async function loadMqttOrWs(protocol: "mqtt" | "ws", server: ServerProcess, op: Op, duration: number): Promise<Load> {
    const r = REQUESTS[op];
    const base = protocol === "mqtt" ? server.mqtt : server.ws;
    if (base === undefined) throw new Error(`the server serves no ${protocol}`);
    const target = protocol === "mqtt" ? `${base}/${r.path}${r.mqtt}` : `${base}/${r.path}`;
    const args = [path.join(__dirname, "mqtt-ws-load.js"), "--url", target, "--op", r.ws];
    args.push("--concurrency", String(connections), "--seconds", String(duration));
    if (r.body !== undefined) args.push("--payload", r.body);
    const { stdout } = await run(process.execPath, args, { timeout: (duration + 30) * 1000 });
    const j = JSON.parse(stdout);
    return { rps: j.rps, p50: j.p50, p99: j.p99, errors: j.errors };
}

const load = (protocol: Protocol, server: ServerProcess, op: Op, duration: number): Promise<Load> =>
    protocol === "http"
        ? loadHttp(server, op, duration)
        : protocol === "coap"
          ? loadCoap(server, op, duration)
          : loadMqttOrWs(protocol, server, op, duration);

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
                            await load(protocol, server, op, warmup);
                            const key = `${protocol} ${op} ${mode}`;
                            const before = await server.sample();
                            const figures = await load(protocol, server, op, seconds);
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
