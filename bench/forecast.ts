/**
 * What `vo.mean()` and `vo.forecast()` cost over the embedded store: a noisy 24-step cycle of one-minute points
 * written through the store, then each asked several times; the median wall time of each, and the longest gap the
 * event loop had meanwhile (a fit runs in a worker thread; the first also starts it and compiles arima).
 *
 *   node dist/bench/forecast.js [--points 5000] [--runs 5]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { HistoryStatistics } from "../src/history/history-statistics";
import type { ForecastQuery } from "../src/history/history-statistics";
import { openStores } from "../src/timeseries/open-stores";
import { propertyRecord } from "../test/helpers/records";
import { arg, median, printTable } from "./report";

const points = arg("points", 5000);
const runs = arg("runs", 5);
const MINUTE = 60_000;

async function timed(run: () => Promise<unknown>): Promise<{ ms: number; gap: number }> {
    let last = Date.now();
    let gap = 0;
    const timer = setInterval(() => {
        gap = Math.max(gap, Date.now() - last);
        last = Date.now();
    }, 5);
    const t0 = process.hrtime.bigint();
    await run();
    clearInterval(timer);
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, gap: Math.max(gap, Date.now() - last) };
}

async function main(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-bench-forecast-"));
    const stores = await openStores({ sqlitePath: path.join(dir, "vo.sqlite") }, "record");
    const start = Math.floor((Date.now() - (points + 5) * MINUTE) / MINUTE) * MINUTE;
    const records = Array.from({ length: points }, (_, i) =>
        propertyRecord("t", 20 + 5 * Math.sin((2 * Math.PI * i) / 24) + ((i * 7919) % 13) * 0.01, start + i * MINUTE)
    );
    await stores.store.write(records);
    const stats = new HistoryStatistics(stores.store);
    const q = { thing: "urn:test:thing", name: "t", from: start };
    const cases: [string, () => Promise<unknown>][] = [
        [`mean of ${points} points`, () => stats.mean(q)],
        ["mean of the newest 1000", () => stats.mean({ ...q, last: 1000 })],
    ];
    const forecast = (n: number, extra: Partial<ForecastQuery>) => () =>
        stats.forecast({ ...q, horizon: 12, points: n, ...extra });
    for (const n of [96, 1000, Math.min(points, 5000)]) {
        cases.push([`ARIMA(1,1,1) on ${n} points`, forecast(n, {})]);
        cases.push([`(1,1,1)(1,1,1)24 on ${n} minute windows`, forecast(n, { every: "1m", season: 24 })]);
    }
    const table: Record<string, Record<string, number | string>> = {};
    for (const [name, run] of cases) {
        const first = await timed(run);
        const rest = [];
        for (let i = 1; i < runs; i++) rest.push(await timed(run));
        table[name] = {
            "first ms": first.ms.toFixed(0),
            "median ms": median(rest.map((r) => r.ms)).toFixed(0),
            "worst event-loop gap ms": Math.max(first.gap, ...rest.map((r) => r.gap)).toFixed(0),
        };
    }
    printTable(`vo.mean() and vo.forecast() over the embedded store (${points} points, ${runs} runs each)`, table);
    await stores.close();
    fs.rmSync(dir, { recursive: true, force: true });
}

void main();
