/**
 * HTTP readProperty throughput and latency: a plain node-wot servient against the same servient
 * with node-wot-vo recording into the embedded store, in one run. autocannon runs in a separate
 * process; rounds alternate plain / recorded so drift hits both alike. Bounded by duration.
 *
 *   node dist/bench/http-read.js [--seconds 5] [--rounds 3] [--connections 10]
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Servient } from "@node-wot/core";
import { HttpServer } from "@node-wot/binding-http";
import { setStaticAddress, VoPersistence } from "../src";
import { arg, printTable } from "./report";

const run = promisify(execFile);
const seconds = arg("seconds", 5);
const rounds = arg("rounds", 3);
const connections = arg("connections", 10);

const model = {
    title: "BenchThing",
    properties: { value: { type: "number", readOnly: true } },
};

async function startServient(record: boolean, dir: string): Promise<{ url: string; stop(): Promise<void>; vo?: VoPersistence }> {
    const servient = new Servient();
    const http = new HttpServer({ port: 0, address: "127.0.0.1" });
    servient.addServer(http);
    const vo = record ? await VoPersistence.attach(servient, { sqlite: { path: path.join(dir, "bench.sqlite") } }) : undefined;
    const wot = await servient.start();
    const thing = await wot.produce(model as never);
    let n = 0;
    thing.setPropertyReadHandler("value", async () => n++);
    await thing.expose();
    return {
        url: `http://127.0.0.1:${http.getPort()}/benchthing/properties/value`,
        stop: () => servient.shutdown(),
        vo,
    };
}

interface Round {
    rps: number;
    p50: number;
    p99: number;
    errors: number;
}

async function load(url: string): Promise<Round> {
    const bin = require.resolve("autocannon/autocannon.js");
    const { stdout } = await run(process.execPath, [bin, "-c", String(connections), "-d", String(seconds), "-j", url], {
        maxBuffer: 16 * 1024 * 1024,
    });
    const r = JSON.parse(stdout);
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

async function main(): Promise<void> {
    setStaticAddress("127.0.0.1");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-bench-"));
    const plain = await startServient(false, dir);
    const recorded = await startServient(true, dir);
    const results: Record<string, Round[]> = { plain: [], recorded: [] };
    try {
        await load(plain.url); // warm-up, not counted
        await load(recorded.url);
        for (let i = 0; i < rounds; i++) {
            results.plain.push(await load(plain.url));
            results.recorded.push(await load(recorded.url));
        }
        await recorded.vo!.flush();
    } finally {
        await plain.stop();
        await recorded.stop();
        fs.rmSync(dir, { recursive: true, force: true });
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
    const stats = recorded.vo!.stats();
    console.log(`recorded ${stats.recorded}, written ${stats.written}, dropped ${stats.dropped}`);
    console.log(JSON.stringify({ bench: "http-read", connections, seconds, rounds, summary, cost, stats }));
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
