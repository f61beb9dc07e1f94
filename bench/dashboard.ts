/**
 * The dashboard in headless Chromium (Debian's chromium through playwright-core), on the embedded
 * store: 24 h of a 1 Hz numeric property (86 400 points, written through the recorder's write path)
 * behind a VO's HTTP server.
 *   - time to the first plot: from the navigation's start to uPlot's first draw of that property,
 *     the page opened on its 24 h preset (it asks for windows sized to its width), each run in a fresh
 *     browser context (cold cache);
 *   - the baseline, in the same run: the same browser reading the 86 400 points raw through the
 *     history resource (pages of 10 000, JSON parsed), with nothing drawn: what shipping every point costs;
 *   - page weight: every file the dashboard serves, as sent with Accept-Encoding: gzip, and uncompressed.
 *   - requests per second of one open page in steady state, on a Thing of 1 and of 50 numeric properties each
 *     changing once a second (the VO Thing and its self-check on, as a VO runs), counted over --window seconds
 *     after the first draw and a settling pause, with the CPU the VO's process spent meanwhile (VO and the
 *     changes; the browser is apart); the baseline, in the same run: the same measurement against an earlier
 *     build given by --baseline (a checkout's dist/src, built with npx tsc: the page that polled).
 * Medians over --runs.
 *
 *   node dist/bench/dashboard.js [--runs 5] [--points 86400] [--window 10] [--baseline /tmp/old/dist/src]
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Servient } from "@node-wot/core";
import { HttpServer } from "@node-wot/binding-http";
import { chromium } from "playwright-core";
import type * as WoT from "wot-typescript-definitions";
import * as lib from "../src";
import { InteractionRecord, setStaticAddress, VoPersistence } from "../src";
import { Database } from "../src/sqlite/database";
import { migrate } from "../src/sqlite/migrations";
import { SqliteTimeSeriesStore } from "../src/timeseries/sqlite/sqlite-time-series-store";
import { WriteBuffer } from "../src/timeseries/write-buffer";
import { spawnSync } from "node:child_process";
import { arg, median, printTable, stringArg } from "./report";

const runs = arg("runs", 5);
const points = arg("points", 86_400);
const CHROMIUM = "/usr/bin/chromium";
const THING = "urn:bench:dashboard";
const END_MS = Date.now() - 60_000;

async function ingest(file: string): Promise<void> {
    const db = await Database.open(file);
    await migrate(db);
    const store = new SqliteTimeSeriesStore(db);
    const buffer = new WriteBuffer(store, {
        batchSize: 5000,
        flushIntervalMs: 200,
        maxQueue: 200_000,
        maxRetryDelayMs: 1000,
    });
    for (let i = 0; i < points; i++) {
        const r: InteractionRecord = {
            ts: BigInt(END_MS - (points - i) * 1000) * 1_000_000n,
            thing: THING,
            kind: "property",
            name: "temperature",
            op: i % 10 === 9 ? "writeproperty" : "readproperty",
            protocol: "http",
            origin: "127.0.0.1:40000",
            ok: true,
            value: Math.round((20 + 5 * Math.sin(i / 3600)) * 100) / 100,
            durationMs: 0.05,
            valid: true,
            truncated: false,
        };
        buffer.push(r);
        if (i % 50_000 === 49_999) await buffer.flush();
    }
    await buffer.close();
    await store.close();
    await db.close();
}

/** Bytes of one file as sent: Content-Length of the gzipped answer, and of the plain one. */
function sizeOf(url: string, gzip: boolean): Promise<number> {
    return new Promise((resolve, reject) => {
        http.get(url, { headers: gzip ? { "accept-encoding": "gzip" } : {} }, (res) => {
            let n = 0;
            res.on("data", (d: Buffer) => (n += d.length));
            res.on("end", () => resolve(n));
        }).on("error", reject);
    });
}

/** What one open page costs in steady state. */
interface Rate {
    /** requests a second the page sent the VO */
    rps: number;
    /** CPU of the VO's process meanwhile, % of one core */
    cpu: number;
    /** points the page's first plot gained meanwhile (it did follow the changes) */
    gained: number;
}

/** A Thing of `count` numeric properties, each changing once a second (a recorded propertychange). */
async function changing(wot: typeof WoT, title: string, count: number): Promise<NodeJS.Timeout> {
    const names = Array.from({ length: count }, (_, i) => `p${String(i).padStart(2, "0")}`);
    const thing = await wot.produce({
        title,
        properties: Object.fromEntries(names.map((n) => [n, { type: "number", observable: true }])),
    } as WoT.ExposedThingInit);
    let tick = 0;
    for (const n of names) thing.setPropertyReadHandler(n, async () => 20 + Math.sin(tick / 10));
    await thing.expose();
    const change = () => {
        tick++;
        for (const n of names) void thing.emitPropertyChange(n);
    };
    change();
    return setInterval(change, 1000);
}

type PageState = { ticks: number; views: Record<string, { points?: number; windows?: number }> };

/** Requests a second of a page open on each Thing, with the VO of `vo` (this build's, or a baseline's). */
async function requestRates(vo: typeof lib, windowS: number): Promise<Record<string, Rate>> {
    vo.setStaticAddress("127.0.0.1");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-bench-dashboard-rates-"));
    const servient = new Servient();
    const server = new HttpServer({ port: 0, address: "127.0.0.1" });
    servient.addServer(server);
    await vo.VoPersistence.attach(servient, { sqlite: { path: path.join(dir, "vo.sqlite") } });
    const wot = await servient.start();
    const timers = [await changing(wot, "One", 1), await changing(wot, "Fifty", 50)];
    const base = `http://127.0.0.1:${server.getPort()}`;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    const out: Record<string, Rate> = {};
    try {
        for (const [key, count] of [
            ["one", 1],
            ["fifty", 50],
        ] as const) {
            const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
            await page.goto(`${base}/dashboard/?range=1h#${key}`);
            const state = async () => (await page.evaluate("globalThis.voDashboard")) as PageState;
            const drawn = (s: PageState) => s.views["property:p00"]?.points ?? 0;
            for (let t = Date.now(); Date.now() - t < 30_000; await new Promise((r) => setTimeout(r, 100))) {
                const s = await state();
                if (s !== undefined && s.ticks > 0 && drawn(s) > 0) break;
            }
            await new Promise((r) => setTimeout(r, 3000)); // past the first reads
            let asked = 0;
            page.on("request", (req) => req.url().startsWith(base) && asked++);
            const before = drawn(await state());
            const cpu = process.cpuUsage();
            await new Promise((r) => setTimeout(r, windowS * 1000));
            const used = process.cpuUsage(cpu);
            const rps = asked / windowS;
            const cpuPct = ((used.user + used.system) / 1000 / (windowS * 1000)) * 100;
            out[`${count}`] = { rps, cpu: cpuPct, gained: drawn(await state()) - before };
            await page.close();
        }
    } finally {
        for (const t of timers) clearInterval(t);
        await browser.close();
        await servient.shutdown();
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return out;
}

/** The baseline's figures: the same measurement in a child process running the earlier build. */
function baselineRates(libPath: string, windowS: number): Record<string, Rate> {
    const run = spawnSync(process.execPath, [__filename, "--rates-of", libPath, "--window", String(windowS)], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    });
    const line = run.stdout.split("\n").find((l) => l.startsWith("RATES "));
    if (line === undefined) throw new Error(`the baseline at ${libPath} gave no figures: ${run.stdout}`);
    return JSON.parse(line.slice("RATES ".length)) as Record<string, Rate>;
}

/** The requests-per-second table: this build, and the baseline when given. */
async function printRates(windowS: number): Promise<void> {
    const rows: Record<string, Record<string, number | string>> = {};
    const add = (who: string, rates: Record<string, Rate>) => {
        for (const [count, r] of Object.entries(rates)) {
            rows[`${who}, ${count} propert${count === "1" ? "y" : "ies"}`] = {
                "requests/s": r.rps.toFixed(2),
                "VO CPU %": r.cpu.toFixed(1),
                "points gained": r.gained,
                target: who === "stream" ? "<= 2/s" : "",
            };
        }
    };
    add("stream", await requestRates(lib, windowS));
    const baseline = stringArg("baseline", "");
    if (baseline !== "") add("baseline", baselineRates(path.resolve(baseline), windowS));
    printTable(`One open page, steady state over ${windowS} s, each property changing once a second`, rows);
}

async function main(): Promise<void> {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no ${CHROMIUM}: install the Debian package chromium`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-bench-dashboard-"));
    const file = path.join(dir, "vo.sqlite");
    let t = performance.now();
    await ingest(file);
    console.log(`${points} points written in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    setStaticAddress("127.0.0.1");
    const servient = new Servient();
    const server = new HttpServer({ port: 0, address: "127.0.0.1" });
    servient.addServer(server);
    await VoPersistence.attach(servient, { sqlite: { path: file }, vo: { thing: false, selfCheckIntervalMs: 0 } });
    const wot = await servient.start();
    const thing = await wot.produce({
        id: THING,
        title: "BenchSensor",
        properties: { temperature: { type: "number", readOnly: true } },
    } as WoT.ExposedThingInit);
    thing.setPropertyReadHandler("temperature", async () => 20);
    await thing.expose();
    const base = `http://127.0.0.1:${server.getPort()}`;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
        const firstPlot: number[] = [];
        const raw: number[] = [];
        let windows = 0;
        for (let run = 0; run < runs; run++) {
            const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
            const page = await context.newPage();
            await page.goto(`${base}/dashboard/?range=24h#benchsensor`);
            await page.waitForFunction(
                () => {
                    const s = (
                        globalThis as {
                            voDashboard?: { firstPlotMs?: number; views: Record<string, { windows?: number }> };
                        }
                    ).voDashboard;
                    return s?.firstPlotMs !== undefined && (s.views["property:temperature"]?.windows ?? 0) > 0;
                },
                undefined,
                { timeout: 30_000 }
            );
            const s = (await page.evaluate("globalThis.voDashboard")) as {
                firstPlotMs: number;
                views: Record<string, { windows: number }>;
            };
            firstPlot.push(s.firstPlotMs);
            windows = s.views["property:temperature"].windows;
            const href = `${base}/benchsensor/properties/temperature/history`;
            const ms = (await page.evaluate(
                `(async () => {
                    const t = performance.now();
                    let url = "${href}?from=0&limit=10000", n = 0;
                    for (;;) {
                        const a = await (await fetch(url)).json();
                        n += a.items.length;
                        if (!a.next) break;
                        url = "${href}?from=0&limit=10000&cursor=" + a.next;
                    }
                    if (n !== ${points}) throw new Error("read " + n + " points");
                    return performance.now() - t;
                })()`
            )) as number;
            raw.push(ms);
            await context.close();
        }
        const html = (await (await fetch(`${base}/dashboard/`)).text()) as string;
        const names = ["", ...[...html.matchAll(/(?:src|href)="([A-Za-z.]+)"/g)].map((m) => m[1])];
        const main = await (await fetch(`${base}/dashboard/main.mjs`)).text();
        const modules = new Set<string>();
        const queue = [main];
        while (queue.length > 0) {
            for (const m of queue.pop()!.matchAll(/from "\.\/([a-z-]+\.mjs)"/g)) {
                if (modules.has(m[1])) continue;
                modules.add(m[1]);
                queue.push(await (await fetch(`${base}/dashboard/${m[1]}`)).text());
            }
        }
        const files = [...new Set([...names, ...modules])];
        let gz = 0;
        let plain = 0;
        for (const f of files) {
            gz += await sizeOf(`${base}/dashboard/${f}`, true);
            plain += await sizeOf(`${base}/dashboard/${f}`, false);
        }
        t = median(firstPlot);
        printTable(`Dashboard, 24 h of a 1 Hz property (${points} points), embedded store, ${runs} runs (medians)`, {
            "first plot (windows)": { ms: Math.round(t), points: windows, target: "< 1000 ms" },
            "baseline: raw points read": { ms: Math.round(median(raw)), points, target: "" },
        });
        printTable(`Page weight, ${files.length} files`, {
            gzip: { kB: (gz / 1024).toFixed(1), target: "< 150 kB" },
            uncompressed: { kB: (plain / 1024).toFixed(1), target: "" },
        });
    } finally {
        await browser.close();
        await servient.shutdown();
        fs.rmSync(dir, { recursive: true, force: true });
    }
    await printRates(arg("window", 10));
}

/** In the baseline's child: this measurement only, with the earlier build's library. */
async function ratesOf(libPath: string): Promise<void> {
    const earlier = require(libPath) as typeof lib; // eslint-disable-line @typescript-eslint/no-require-imports
    console.log(`RATES ${JSON.stringify(await requestRates(earlier, arg("window", 10)))}`);
}

const ratesLib = stringArg("rates-of", "");
(ratesLib === "" ? main() : ratesOf(ratesLib)).catch((err) => {
    console.error(err);
    process.exit(1);
});
