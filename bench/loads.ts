/**
 * The load generators of the benches, each in a process of its own: autocannon for HTTP, bench/coap-load
 * for CoAP, both with `connections` requests in flight, bounded by time (and a kill timeout).
 */
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { ServerProcess } from "./servers/spawn-server";

const run = promisify(execFile);

export type Protocol = "http" | "coap";
export type Op = "read" | "write" | "action";

/** What each operation sends: a read of a counter, a write of a number, an action with a number in and out. */
const REQUESTS: Record<Op, { path: string; http: string; coap: string; body?: string }> = {
    read: { path: "properties/value", http: "GET", coap: "GET" },
    write: { path: "properties/setting", http: "PUT", coap: "PUT", body: "5" },
    action: { path: "actions/add", http: "POST", coap: "POST", body: "1" },
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

/** Loads one operation of the server over one protocol for `duration` seconds, `connections` in flight. */
export const load = (
    protocol: Protocol,
    server: ServerProcess,
    op: Op,
    duration: number,
    connections: number
): Promise<Load> =>
    protocol === "http" ? loadHttp(server, op, duration, connections) : loadCoap(server, op, duration, connections);
