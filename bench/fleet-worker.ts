/**
 * One process of bench/fleet: --count VOs (ids from --first), each a servient of its own with `VoPersistence`
 * recording into InfluxDB (INFLUX_URL, INFLUX_ORG, INFLUX_TOKEN_FILE; bucket --bucket) and one Thing of
 * --affordances numeric properties, read --rate times a second each through the exposed Thing's
 * `handleReadProperty`; --flush-ms sets `recording.flushIntervalMs`. Talks to bench/fleet over IPC: "ready" once attached; "go" starts the load; "snapshot" is
 * answered with the counters so far (and the write request times since the last one); "stop" closes every VO
 * (each flushes what it holds) and exits.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Servient } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import { VoPersistence } from "../src";
import type { InfluxDbStats } from "../src";
import { InfluxDbStore } from "../src/timeseries/influxdb/influxdb-store";
import { arg, rssMiB, stringArg } from "./report";

const first = Number(stringArg("first", "0"));
const count = arg("count", 1);
const affordances = arg("affordances", 10);
const rate = arg("rate", 1);
const bucket = stringArg("bucket", "fleet");
/** recording.flushIntervalMs, when --flush-ms is given (the default otherwise: 1 s with InfluxDB) */
const flushMs = process.argv.includes("--flush-ms") ? arg("flush-ms", 1000) : undefined;
const TICK_MS = 100;
/** write request times kept between two snapshots at most (a sample, not all, beyond it) */
const MAX_SAMPLES = 100_000;

/** What a worker tells bench/fleet. */
export interface FleetSnapshot {
    vos: number;
    interactions: number;
    missed: number;
    written: number;
    spooled: number;
    dropped: number;
    queued: number;
    requests: number;
    /** times of the write requests since the previous snapshot, ms */
    sendMs: number[];
    cpuUs: number;
    rssMiB: number;
    /** the process's resident memory before the first VO was attached */
    baseRssMiB: number;
}

let sendMs: number[] = [];
let requests = 0;

/** Times each write request of every store (its private `send`, one POST /api/v2/write), as it is. */
function timeRequests(): void {
    const proto = InfluxDbStore.prototype as unknown as { send(kind: string, payload: string): Promise<void> };
    const send = proto.send;
    proto.send = async function (this: unknown, kind: string, payload: string): Promise<void> {
        const t = performance.now();
        await send.call(this, kind, payload);
        requests++;
        if (sendMs.length < MAX_SAMPLES) sendMs.push(performance.now() - t);
        else sendMs[Math.floor(Math.random() * MAX_SAMPLES)] = performance.now() - t;
    };
}

interface Vo {
    vo: VoPersistence;
    thing: WoT.ExposedThing;
    stop(): Promise<void>;
}

async function startVo(i: number, dir: string, token: string): Promise<Vo> {
    const servient = new Servient();
    const id = `urn:fleet:${i}`;
    const vo = await VoPersistence.attach(servient, {
        sqlite: { path: path.join(dir, `vo-${i}.sqlite`) },
        influxdb: {
            url: process.env.INFLUX_URL,
            org: process.env.INFLUX_ORG,
            token,
            buckets: { properties: bucket, actions: bucket, events: bucket },
        },
        vo: { thing: { title: `VoStatus ${i}`, id: `${id}:status` } },
        recording: flushMs === undefined ? undefined : { flushIntervalMs: flushMs },
    });
    const wot = await servient.start();
    const properties: Record<string, object> = {};
    for (let p = 0; p < affordances; p++) properties[`p${p}`] = { type: "number", readOnly: true };
    const thing = await wot.produce({ id, title: `fleet-${i}`, properties } as WoT.ExposedThingInit);
    for (let p = 0; p < affordances; p++) {
        thing.setPropertyReadHandler(
            `p${p}`,
            async () => Math.round(200 + 50 * Math.sin(Date.now() / 60_000 + p)) / 10
        );
    }
    await thing.expose();
    return { vo, thing, stop: () => servient.shutdown() };
}

/**
 * Every tick (a tenth of a second) each VO reads a tenth of its properties, each --rate times: every property is
 * read at its own phase of the second, as independent sensors are, not all at once (which would hand the write
 * buffer ready-made batches). Ticks left more than a second behind are counted missed.
 */
function drive(vos: Vo[], counters: { interactions: number; missed: number }): () => void {
    const slices = 1000 / TICK_MS;
    const started = performance.now();
    let tick = 0;
    const run = (slice: number) => {
        for (let v = 0; v < vos.length; v++) {
            const thing = vos[v].thing as unknown as { handleReadProperty(n: string, o: object): Promise<unknown> };
            for (let p = (slice + v) % slices; p < affordances; p += slices) {
                for (let r = 0; r < rate; r++) {
                    counters.interactions++;
                    void thing.handleReadProperty(`p${p}`, { formIndex: 0 }).catch(() => undefined);
                }
            }
        }
    };
    const timer = setInterval(() => {
        const due = Math.floor((performance.now() - started) / TICK_MS);
        if (due - tick > slices) {
            // more than a second behind: those interactions are not offered late, they are counted missed
            const skipped = due - tick - 1;
            counters.missed += Math.ceil((skipped * vos.length * affordances * rate) / slices);
            tick = due - 1;
        }
        for (; tick < due; tick++) run(tick % slices);
    }, TICK_MS);
    return () => clearInterval(timer);
}

function snapshotOf(vos: Vo[], counters: { interactions: number; missed: number }, base: number): FleetSnapshot {
    let written = 0;
    let spooled = 0;
    let dropped = 0;
    let queued = 0;
    for (const { vo } of vos) {
        const s = vo.stats();
        const store = s.store as InfluxDbStats;
        written += store.written + store.replayed;
        spooled += store.spooled;
        dropped += s.dropped + store.dropped + store.lost;
        queued += s.queued;
    }
    const cpu = process.cpuUsage();
    const out = { vos: vos.length, ...counters, written, spooled, dropped, queued, requests, sendMs };
    sendMs = [];
    return { ...out, cpuUs: cpu.user + cpu.system, rssMiB: rssMiB(process.pid), baseRssMiB: base };
}

async function main(): Promise<void> {
    const token = fs.readFileSync(process.env.INFLUX_TOKEN_FILE ?? "", "utf8").trim();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-fleet-"));
    const base = rssMiB(process.pid);
    timeRequests();
    const vos: Vo[] = [];
    const counters = { interactions: 0, missed: 0 };
    let stopDriving = () => undefined as void;
    try {
        for (let i = first; i < first + count; i++) vos.push(await startVo(i, dir, token));
        process.send?.({ ready: true });
        await new Promise<void>((resolve) => {
            process.on("message", (m: string) => {
                if (m === "go") stopDriving = drive(vos, counters);
                if (m === "snapshot") process.send?.({ snapshot: snapshotOf(vos, counters, base) });
                if (m === "stop") resolve();
            });
        });
    } finally {
        stopDriving();
        for (const v of vos) await v.vo.close().catch((err: Error) => console.error(err.message));
        for (const v of vos) await v.stop().catch(() => undefined);
        fs.rmSync(dir, { recursive: true, force: true });
    }
    process.exit(0);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
