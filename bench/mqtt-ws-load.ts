/**
 * A bounded MQTT / WebSocket load generator, run as its own process (the counterpart of autocannon
 * and bench/coap-load): `--concurrency` requests in flight, each worker sending its next request when
 * the previous one is answered. MQTT: MQTT 5 requests (Response Topic and Correlation Data) through the
 * broker, on one client connection; WebSocket: one socket per worker, the VO's JSON messages. Stops at
 * `--requests` sent OR after `--seconds`, whichever comes first; a request unanswered after `--timeout`
 * ms is abandoned and counted as an error. Prints one JSON line: requests, errors, rps, p50 / p99 ms.
 *
 *   node dist/bench/mqtt-ws-load.js --url mqtt://127.0.0.1:1883/BenchThing/properties/value/readproperty
 *        [--payload 5] [--concurrency 10] [--seconds 5] [--requests 1000000] [--timeout 5000]
 *   node dist/bench/mqtt-ws-load.js --url ws://127.0.0.1:8081/benchthing/properties/value --op readproperty
 */
import crypto from "node:crypto";
import { performance } from "node:perf_hooks";
import * as mqtt from "mqtt";
import WebSocket from "ws";
import { arg, stringArg } from "./report";

const url = new URL(stringArg("url", ""));
const op = stringArg("op", "readproperty");
const payload = process.argv.includes("--payload") ? stringArg("payload", "") : undefined;
const concurrency = arg("concurrency", 10);
const seconds = arg("seconds", 5);
const maxRequests = arg("requests", 1_000_000);
const timeoutMs = arg("timeout", 5000);

/** One request's round trip: resolves true when answered with success, false on an error answer. */
type Send = () => Promise<boolean>;

async function mqttSender(): Promise<{ send: Send; close(): Promise<void> }> {
    const client = await mqtt.connectAsync(`${url.protocol}//${url.host}`, { protocolVersion: 5, reconnectPeriod: 0 });
    const replies = `bench/replies/${crypto.randomBytes(4).toString("hex")}`;
    const pending = new Map<string, (ok: boolean) => void>();
    client.on("message", (_topic, _body, packet) => {
        const key = packet.properties?.correlationData?.toString("hex");
        const done = key === undefined ? undefined : pending.get(key);
        if (done === undefined) return;
        pending.delete(key!);
        const status = packet.properties?.userProperties?.status;
        done((Array.isArray(status) ? status[0] : status) === "200");
    });
    await client.subscribeAsync(replies, { qos: 0 });
    const topic = url.pathname.slice(1);
    const body = Buffer.from(payload ?? "");
    let n = 0;
    return {
        send: () =>
            new Promise((resolve) => {
                const correlationData = Buffer.alloc(8);
                correlationData.writeDoubleBE(n++);
                pending.set(correlationData.toString("hex"), resolve);
                client.publish(topic, body, { qos: 0, properties: { responseTopic: replies, correlationData } });
            }),
        close: () => client.endAsync(true),
    };
}

async function wsSender(): Promise<{ send: Send; close(): Promise<void> }> {
    const socket = new WebSocket(url.href);
    await new Promise<void>((resolve, reject) => {
        socket.once("open", () => resolve());
        socket.once("error", reject);
    });
    const pending = new Map<number, (ok: boolean) => void>();
    socket.on("message", (data) => {
        const m = JSON.parse(data.toString()) as { id?: number; error?: unknown };
        const done = m.id === undefined ? undefined : pending.get(m.id);
        if (done === undefined) return;
        pending.delete(m.id!);
        done(m.error === undefined);
    });
    const value = payload === undefined ? undefined : JSON.parse(payload);
    let n = 0;
    return {
        send: () =>
            new Promise((resolve) => {
                const id = n++;
                pending.set(id, resolve);
                socket.send(JSON.stringify({ op, id, value, input: value }));
            }),
        close: async () => socket.terminate(),
    };
}

async function main(): Promise<void> {
    if (!["mqtt:", "ws:"].includes(url.protocol)) throw new Error("--url must be an mqtt:// or ws:// URL");
    const senders = await Promise.all(
        Array.from({ length: url.protocol === "mqtt:" ? 1 : concurrency }, () =>
            url.protocol === "mqtt:" ? mqttSender() : wsSender()
        )
    );
    const latencies = new Float64Array(maxRequests);
    let sent = 0;
    let answered = 0;
    let errors = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const worker = async (send: Send): Promise<void> => {
        while (sent < maxRequests && performance.now() < deadline) {
            sent++;
            const t0 = performance.now();
            let timer: NodeJS.Timeout | undefined;
            const ok = await Promise.race([
                send(),
                new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
            ]);
            clearTimeout(timer);
            if (ok) latencies[answered++] = performance.now() - t0;
            else errors++;
        }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(senders[i % senders.length].send)));
    const elapsed = (performance.now() - started) / 1000;
    for (const s of senders) await s.close();
    const sorted = latencies.subarray(0, answered).sort();
    const at = (q: number) =>
        answered === 0 ? NaN : Math.round(sorted[Math.min(answered - 1, Math.floor(q * answered))] * 100) / 100;
    console.log(JSON.stringify({ requests: sent, errors, rps: answered / elapsed, p50: at(0.5), p99: at(0.99) }));
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
