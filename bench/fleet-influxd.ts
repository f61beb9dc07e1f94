/**
 * What bench/fleet asks influxd itself: series and measurements of a bucket (InfluxQL on its DBRP), its resident
 * memory (its /metrics), and history reads timed while the fleet writes (through the InfluxDB store, as a VO's
 * history resources read).
 */
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Database } from "../src/sqlite/database";
import { migrate } from "../src/sqlite/migrations";
import { resolveInfluxDbOptions } from "../src/options/influxdb-options";
import { normalizeHistoryQuery } from "../src/history/history-query";
import { InfluxDbStore } from "../src/timeseries/influxdb/influxdb-store";
import { Spool } from "../src/timeseries/spool";
import type { InfluxConnection } from "../test/helpers/influxdb-server";
import { median, rssMiB } from "./report";

/** Pause between two rounds of the history reads, so they sample the window without loading it. */
const READ_PAUSE_MS = 1000;

async function influxQL(c: InfluxConnection, db: string, q: string): Promise<unknown[][]> {
    const res = await fetch(`${c.url}/query?${new URLSearchParams({ db, q })}`, {
        headers: { authorization: `Token ${c.token}` },
    });
    const body = (await res.json()) as { results?: { series?: { values?: unknown[][] }[]; error?: string }[] };
    const result = body.results?.[0];
    if (res.status !== 200 || result?.error) throw new Error(`${q}: ${res.status} ${result?.error ?? ""}`);
    return (result?.series ?? []).flatMap((s) => s.values ?? []);
}

/** The influxd on this machine bound to the URL's address (its --http-bind-address), if any. */
function influxdPid(url: string): number | undefined {
    const bind = new URL(url).host;
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        const cmdline = (() => {
            try {
                return fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
            } catch {
                return []; // gone meanwhile
            }
        })();
        if (path.basename(cmdline[0] ?? "") === "influxd" && cmdline.includes(bind)) return Number(entry);
    }
    return undefined;
}

/** The `_value` of a Flux query's one row. */
async function flux(c: InfluxConnection, query: string): Promise<number> {
    const res = await fetch(`${c.url}/api/v2/query?${new URLSearchParams({ org: c.org })}`, {
        method: "POST",
        headers: { authorization: `Token ${c.token}`, "content-type": "application/vnd.flux", accept: "text/csv" },
        body: query,
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${query}: ${res.status} ${text}`);
    const [header, row] = text
        .trim()
        .split(/\r?\n/)
        .map((l) => l.split(","));
    return Number(row?.[header.indexOf("_value")]);
}

/** Series and measurements in `bucket`, influxd's resident memory (MiB). */
export async function influxdFigures(c: InfluxConnection, bucket: string): Promise<Record<string, number>> {
    // influxd 2.x answers SHOW SERIES CARDINALITY "not implemented": Flux's influxdb.cardinality() counts them
    const series = await flux(
        c,
        `import "influxdata/influxdb"\ninfluxdb.cardinality(bucket: "${bucket}", start: -100y)`
    );
    const measurements = await influxQL(c, bucket, "SHOW MEASUREMENTS");
    const pid = influxdPid(c.url);
    return {
        series,
        measurements: measurements.length,
        influxd_rss_mib: pid === undefined ? NaN : Math.round(rssMiB(pid)),
    };
}

export type HistoryTimes = Record<"newest100_p50_ms" | "mean1000_p50_ms" | "reads" | "failed_reads", number>;

/** A reader of the fleet's bucket through the InfluxDB store (its spool in memory: it never writes). */
export async function historyReader(
    c: InfluxConnection,
    bucket: string
): Promise<{ timeWhile(fromMs: number, untilPerfMs: number): Promise<HistoryTimes>; close(): Promise<void> }> {
    const scratch = await Database.open(":memory:");
    await migrate(scratch);
    const options = resolveInfluxDbOptions({
        url: c.url,
        org: c.org,
        token: c.token,
        buckets: { properties: bucket, actions: bucket, events: bucket },
    });
    const store = new InfluxDbStore(options, await Spool.open(scratch, 0));
    const series = { thing: "urn:fleet:0", kind: "property" as const, name: "p0" };
    let failed = 0;
    // a read that fails (influxd too busy to answer within the store's timeout) is counted, not timed
    const timed = async (q: Parameters<typeof normalizeHistoryQuery>[0], into: number[]) => {
        const t = performance.now();
        await store.history(normalizeHistoryQuery(q)).then(
            () => into.push(performance.now() - t),
            () => failed++
        );
    };
    return {
        async timeWhile(fromMs, untilPerfMs) {
            const newest: number[] = [];
            const mean: number[] = [];
            while (performance.now() < untilPerfMs) {
                await timed({ ...series, order: "newest", limit: 100 }, newest);
                const to = Date.now();
                const every = Math.max(1, Math.floor((to - fromMs) / 1000));
                await timed({ ...series, from: fromMs, to, limit: 1000, aggregate: { every, fn: "mean" } }, mean);
                await new Promise((r) => setTimeout(r, Math.min(READ_PAUSE_MS, untilPerfMs - performance.now())));
            }
            const p50 = (xs: number[]) => (xs.length === 0 ? NaN : +median(xs).toFixed(1));
            return {
                newest100_p50_ms: p50(newest),
                mean1000_p50_ms: p50(mean),
                reads: newest.length,
                failed_reads: failed,
            };
        },
        async close() {
            await store.close();
            await scratch.close();
        },
    };
}
