/**
 * A bounded CoAP load generator (the CoAP counterpart of autocannon), run as its own process:
 * `--concurrency` requests in flight on one client socket, each worker sending its next request
 * when the previous one is answered. Stops at `--requests` sent OR after `--seconds`, whichever
 * comes first; a request unanswered after `--timeout` ms is abandoned and counted as an error.
 * Every latency is kept (a Float64Array of at most `--requests` entries) and sorted at the end.
 * Prints one JSON line: requests, errors (timeouts, transport errors and non-2.xx codes), rps,
 * latency p50 / p99 / mean / max in milliseconds.
 *
 *   node dist/bench/coap-load.js --url coap://127.0.0.1:5683/thing/properties/p [--method GET]
 *        [--payload 5] [--format application/json] [--concurrency 10] [--seconds 5]
 *        [--requests 1000000] [--timeout 5000]
 */
import { performance } from "node:perf_hooks";
import { Agent } from "coap";
import { arg, stringArg } from "./report";

const url = new URL(stringArg("url", ""));
const method = stringArg("method", "GET").toUpperCase() as "GET" | "PUT" | "POST";
const payload = process.argv.includes("--payload") ? Buffer.from(stringArg("payload", "")) : undefined;
const format = stringArg("format", "application/json");
const concurrency = arg("concurrency", 10);
const seconds = arg("seconds", 5);
const maxRequests = arg("requests", 1_000_000);
const timeoutMs = arg("timeout", 5000);

export interface CoapLoadResult {
    requests: number;
    errors: number;
    rps: number;
    p50: number;
    p99: number;
    mean: number;
    max: number;
    codes: Record<string, number>;
}

async function main(): Promise<void> {
    if (url.protocol !== "coap:") throw new Error("--url must be a coap:// URL");
    const agent = new Agent({ type: "udp4" });
    const latencies = new Float64Array(maxRequests);
    const codes: Record<string, number> = {};
    let sent = 0;
    let answered = 0;
    let errors = 0;

    const once = (): Promise<void> =>
        new Promise((resolve) => {
            const t0 = performance.now();
            let done = false;
            const finish = (code: string | undefined): void => {
                if (done) return;
                done = true;
                clearTimeout(timer);
                if (code !== undefined) codes[code] = (codes[code] ?? 0) + 1;
                if (code?.startsWith("2.")) latencies[answered++] = performance.now() - t0;
                else errors++;
                resolve();
            };
            const req = agent.request({
                hostname: url.hostname,
                port: Number(url.port || 5683),
                pathname: decodeURIComponent(url.pathname),
                method,
                confirmable: true,
            });
            const timer = setTimeout(() => {
                agent.abort(req);
                finish("timeout");
            }, timeoutMs);
            req.on("response", (res: { code: string }) => finish(res.code));
            req.on("error", () => finish("error"));
            req.on("timeout", () => finish("timeout"));
            if (payload !== undefined) req.setOption("Content-Format", format);
            req.end(payload);
        });

    const deadline = performance.now() + seconds * 1000;
    const start = performance.now();
    const worker = async (): Promise<void> => {
        while (sent < maxRequests && performance.now() < deadline) {
            sent++;
            await once();
        }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const elapsed = (performance.now() - start) / 1000;

    const sorted = latencies.subarray(0, answered).sort();
    const at = (q: number): number => (answered === 0 ? NaN : sorted[Math.min(answered - 1, Math.floor(q * answered))]);
    const round = (x: number): number => Math.round(x * 1000) / 1000;
    const result: CoapLoadResult = {
        requests: sent,
        errors,
        rps: Math.round(answered / elapsed),
        p50: round(at(0.5)),
        p99: round(at(0.99)),
        mean: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, answered)),
        max: round(answered === 0 ? NaN : sorted[answered - 1]),
        codes,
    };
    console.log(JSON.stringify(result));
    agent.close();
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
