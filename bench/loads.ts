/**
 * The load generators of the benches, each in a process of its own: autocannon for HTTP, bench/coap-load
 * for CoAP, bench/mqtt-ws-load for MQTT and WebSocket, each with `connections` requests in flight,
 * bounded by time (and a kill timeout).
 */
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { ServerProcess } from "./servers/spawn-server";

const run = promisify(execFile);

export type Protocol = "http" | "coap" | "mqtt" | "ws";
export type Op = "read" | "write" | "action";

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

export interface Load {
    rps: number;
    p50: number;
    p99: number;
    errors: number;
    /** CPU time of the server process (all its threads) per interaction handled, microseconds */
    cpuUs?: number;
}

async function loadHttp(server: ServerProcess, op: Op, duration: number, connections: number): Promise<Load> {
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

async function loadCoap(server: ServerProcess, op: Op, duration: number, connections: number): Promise<Load> {
    const r = REQUESTS[op];
    const args = [path.join(__dirname, "coap-load.js"), "--url", `${server.coap}/${r.path}`, "--method", r.coap];
    args.push("--concurrency", String(connections), "--seconds", String(duration));
    if (r.body !== undefined) args.push("--payload", r.body);
    const { stdout } = await run(process.execPath, args, { timeout: (duration + 30) * 1000 });
    const j = JSON.parse(stdout);
    return { rps: j.rps, p50: j.p50, p99: j.p99, errors: j.errors };
}

/** MQTT: MQTT 5 requests to the request topics (a read asks `.../readproperty`); WebSocket: the VO's JSON messages. */
async function loadMqttOrWs(
    protocol: "mqtt" | "ws",
    server: ServerProcess,
    op: Op,
    duration: number,
    connections: number
): Promise<Load> {
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

/** Loads one operation of the server over one protocol for `duration` seconds, `connections` in flight. */
export const load = (
    protocol: Protocol,
    server: ServerProcess,
    op: Op,
    duration: number,
    connections: number
): Promise<Load> =>
    protocol === "http"
        ? loadHttp(server, op, duration, connections)
        : protocol === "coap"
          ? loadCoap(server, op, duration, connections)
          : loadMqttOrWs(protocol, server, op, duration, connections);
