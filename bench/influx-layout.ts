/**
 * The per-kind InfluxDB layout against the per-thing one, and `migrate-influx`, on real servers (2.8 and 1.8 from
 * the cached binaries, each started fresh): --things Things of --points points each (one a second, a tenth of
 * them writes, half over CoAP: several series per Thing) are written in the per-thing layout, timed; then copied
 * to per-kind by the migration, timed (points/s); then each layout answers, for one Thing, the newest --limit
 * points and a 100-window mean over its whole range, --runs times each, alternately: p50 in milliseconds. The
 * answers of both layouts are checked equal.
 *
 *   node dist/bench/influx-layout.js [--things 100] [--points 2000] [--runs 20] [--limit 1000]
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { InteractionRecord } from "../src";
import { normalizeHistoryQuery } from "../src/history/history-query";
import { type InfluxLayout, resolveInfluxDbOptions } from "../src/options/influxdb-options";
import { Database } from "../src/sqlite/database";
import { migrate } from "../src/sqlite/migrations";
import { InfluxDbStore } from "../src/timeseries/influxdb/influxdb-store";
import { migrateLayout } from "../src/timeseries/influxdb/layout-migration";
import { Spool } from "../src/timeseries/spool";
import { influxdBinary, InfluxServer } from "../test/helpers/influxdb-server";
import { influxd1Binary, Influx1Server } from "../test/helpers/influxdb1-server";
import { arg, printTable } from "./report";

const things = arg("things", 100);
const points = arg("points", 2000);
const runs = arg("runs", 20);
const limit = arg("limit", 1000);
const T0_MS = Date.UTC(2026, 0, 1);

function records(thing: number): InteractionRecord[] {
    return Array.from({ length: points }, (_, i) => ({
        ts: BigInt(T0_MS + i * 1000) * 1_000_000n,
        thing: `urn:bench:thing-${thing}`,
        kind: "property",
        name: "temperature",
        op: i % 10 === 0 ? "writeproperty" : "readproperty",
        protocol: i % 2 === 0 ? "http" : "coap",
        origin: "127.0.0.1:40000",
        ok: true,
        value: 20 + Math.sin(i / 50),
        valid: true,
        truncated: false,
    }));
}

interface Row {
    server: string;
    write: number;
    migrate: number;
    newestThing: number;
    newestKind: number;
    meanThing: number;
    meanKind: number;
}

async function openStore(server: InfluxServer | Influx1Server, buckets: object, layout: InfluxLayout, db: Database) {
    const options = resolveInfluxDbOptions({ url: server.url, org: server.org, token: server.token, buckets, layout });
    const store = new InfluxDbStore(options, await Spool.open(db, options.maxSpoolBytes));
    await store.start();
    return store;
}

async function onServer(name: string, server: InfluxServer | Influx1Server, dir: string): Promise<Row> {
    const id = crypto.randomBytes(4).toString("hex");
    const buckets = { properties: `lp-${id}`, actions: `la-${id}`, events: `le-${id}` };
    const db = await Database.open(path.join(dir, `${id}.sqlite`));
    await migrate(db);
    const perThing = await openStore(server, buckets, "per-thing", db);
    const perKind = await openStore(server, buckets, "per-kind", db);
    try {
        let t = performance.now();
        for (let i = 0; i < things; i++) {
            await perThing.write(records(i));
            await perThing.flush();
        }
        const writeS = (performance.now() - t) / 1000;
        t = performance.now();
        const migrated = await migrateLayout({
            influxdb: perKind.options,
            progressFile: path.join(dir, `${id}.json`),
            log: () => undefined,
        });
        const migrateS = (performance.now() - t) / 1000;
        if (migrated.points !== things * points) throw new Error(`migrated ${migrated.points} points`);
        const thing = `urn:bench:thing-${Math.floor(things / 2)}`;
        const base = { thing, kind: "property" as const, name: "temperature", from: T0_MS, to: T0_MS + points * 1000 };
        const newest = normalizeHistoryQuery({ ...base, order: "newest", limit });
        const mean = normalizeHistoryQuery({ ...base, aggregate: { every: points * 10, fn: "mean" } });
        const times = { newestThing: [0], newestKind: [0], meanThing: [0], meanKind: [0] };
        for (const k of Object.keys(times) as (keyof typeof times)[]) times[k] = [];
        for (let r = 0; r < runs; r++) {
            for (const [key, store, q] of [
                ["newestThing", perThing, newest],
                ["newestKind", perKind, newest],
                ["meanThing", perThing, mean],
                ["meanKind", perKind, mean],
            ] as const) {
                const start = performance.now();
                await store.history(q);
                times[key].push(performance.now() - start);
            }
        }
        const [a, b] = await Promise.all([perThing.history(mean), perKind.history(mean)]);
        if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error("the layouts disagree on the mean");
        const p50 = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
        return {
            server: name,
            write: Math.round((things * points) / writeS),
            migrate: Math.round(migrated.points / migrateS),
            newestThing: p50(times.newestThing),
            newestKind: p50(times.newestKind),
            meanThing: p50(times.meanThing),
            meanKind: p50(times.meanKind),
        };
    } finally {
        await perThing.close();
        await perKind.close();
        await db.close();
    }
}

async function main(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-bench-layout-"));
    const rows: Row[] = [];
    try {
        for (const [name, bin, start] of [
            ["2.8.0", influxdBinary(), (b: string) => InfluxServer.start(b)],
            ["1.8.10", influxd1Binary(), (b: string) => Influx1Server.start(b)],
        ] as const) {
            if (bin === undefined) {
                console.log(`${name} skipped: no binary (scripts/influxdb.sh / influxdb1.sh install)`);
                continue;
            }
            const server = await start(bin);
            try {
                rows.push(await onServer(name, server, dir));
            } finally {
                await server.stop();
            }
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    printTable(
        `${things} Things x ${points} points, p50 of ${runs} runs, load average ${os.loadavg()[0].toFixed(1)}`,
        Object.fromEntries(
            rows.map((r) => [
                r.server,
                {
                    "write per-thing pts/s": r.write,
                    "migrate pts/s": r.migrate,
                    [`newest ${limit} ms per-thing / per-kind`]: `${r.newestThing.toFixed(1)} / ${r.newestKind.toFixed(1)}`,
                    "100-window mean ms per-thing / per-kind": `${r.meanThing.toFixed(1)} / ${r.meanKind.toFixed(1)}`,
                },
            ])
        )
    );
}

void main().catch((err) => {
    console.error(err);
    process.exit(1);
});
