/**
 * A month in the life of a VO's embedded store, time stepped by the bench (not waited for): --rate interactions
 * a second of 20 numeric properties for --days days, raw points kept --raw days, the purge run every simulated
 * hour as the VO runs it (SqliteRetention with the simulated clock). Prints the file's size (after a checkpoint)
 * each simulated day and the largest, the bound computed for it, and answers the whole range from statistics.
 *
 *   node dist/bench/retention-month.js [--days 30] [--rate 10] [--raw 7]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { InteractionRecord } from "../src";
import { Database } from "../src/sqlite/database";
import { migrate } from "../src/sqlite/migrations";
import { normalizeHistoryQuery } from "../src/history/history-query";
import { resolveRetentionOptions } from "../src/options/retention-options";
import { SqliteRetention } from "../src/timeseries/sqlite/sqlite-retention";
import { SqliteTimeSeriesStore } from "../src/timeseries/sqlite/sqlite-time-series-store";
import type { AggregateRow } from "../src/timeseries/time-series-store";
import { arg } from "./report";

const days = arg("days", 30);
const rate = arg("rate", 10);
const rawDays = arg("raw", 7);
const AFFORDANCES = 20;
const HOUR_MS = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;

function hourOf(h: number): InteractionRecord[] {
    const n = rate * 3600;
    const out: InteractionRecord[] = new Array(n);
    for (let i = 0; i < n; i++) {
        const k = h * n + i;
        out[i] = {
            ts: BigInt(T0 + h * HOUR_MS) * 1_000_000n + BigInt(i) * BigInt(1e9 / rate),
            thing: "urn:dev:bench:sensor",
            kind: "property",
            name: `p${k % AFFORDANCES}`,
            op: "readproperty",
            protocol: "http",
            origin: `192.168.1.17:${40000 + (Math.floor(k / 64) % 20000)}`,
            ok: true,
            value: 20 + ((k * 7919) % 1000) / 97,
            durationMs: 0.05 + (k % 7) / 100,
            valid: true,
            truncated: false,
        };
    }
    return out;
}

async function main(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-month-"));
    const file = path.join(dir, "vo.sqlite");
    const db = await Database.open(file);
    try {
        await migrate(db);
        const store = new SqliteTimeSeriesStore(db);
        let now = T0;
        const options = resolveRetentionOptions({ raw: `${rawDays}d`, minFree: 0 });
        const retention = new SqliteRetention(db, store, options, [], () => now);
        const started = Date.now();
        let largest = 0;
        let bytesPerPoint = 0;
        const size = async (): Promise<number> => {
            await db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
            return fs.statSync(file).size;
        };
        for (let h = 0; h < days * 24; h++) {
            const records = hourOf(h);
            for (let i = 0; i < records.length; i += 1000) await store.write(records.slice(i, i + 1000));
            now = T0 + (h + 1) * HOUR_MS;
            await retention.runOnce();
            if ((h + 1) % 24 === 0) {
                const bytes = await size();
                largest = Math.max(largest, bytes);
                const day = (h + 1) / 24;
                if (day === 1) bytesPerPoint = bytes / (rate * 86_400);
                console.log(
                    `day ${String(day).padStart(2)}: ${mib(bytes)} (${((Date.now() - started) / 1000).toFixed(0)} s)`
                );
            }
        }
        // the bound: raw points of the retention and an hour more (purges cut whole hours), at the first day's
        // bytes a point, plus the statistics (5-minute and hourly rows of each property over the days), plus a
        // quarter for free pages not yet given back
        const rawPoints = rate * 3600 * (rawDays * 24 + 1);
        const statRows = AFFORDANCES * days * 24 * (12 + 1);
        const bound = (rawPoints * bytesPerPoint + statRows * 80) * 1.25;
        const q = normalizeHistoryQuery({
            thing: "urn:dev:bench:sensor",
            kind: "property",
            name: "p0",
            from: T0,
            to: now,
            aggregate: { every: "1d", fn: "count" },
        });
        const t = performance.now();
        const windows = (await store.history(q)) as AggregateRow[];
        const ms = performance.now() - t;
        const { resolution } = await store.resolution(q);
        const counted = windows.reduce((a, w) => a + (w.value ?? 0), 0);
        console.log(
            `\n${days} days at ${rate}/s (${rate * 86_400 * days} interactions), raw kept ${rawDays} days: ` +
                `largest file ${mib(largest)}, bound ${mib(bound)} (${largest <= bound ? "within" : "OVER"}); ` +
                `${bytesPerPoint.toFixed(1)} bytes a point on day 1`
        );
        console.log(
            `the whole range of p0, daily counts: ${windows.length} windows, ${counted} points (expected ` +
                `${(rate * 86_400 * days) / AFFORDANCES}), resolution ${resolution}, ${ms.toFixed(1)} ms`
        );
        console.log(
            JSON.stringify({
                bench: "retention-month",
                days,
                rate,
                rawDays,
                largest,
                bound,
                bytesPerPoint,
                counted,
                resolution,
                ms,
            })
        );
        await store.close();
    } finally {
        await db.close();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
