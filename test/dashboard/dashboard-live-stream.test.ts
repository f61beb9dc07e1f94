import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import type * as WoT from "wot-typescript-definitions";
import { freeTcpPort } from "../helpers/free-port";
import { ROOT } from "../helpers/node-process";
import { startVo, tempDir, VoFixture } from "../helpers/vo-fixture";
import { dashboardState, DashboardState, launchChromium, screenshot, waitForState } from "./browser";

const MANY = 50;
const names = Array.from({ length: MANY }, (_, i) => `sensor${String(i).padStart(2, "0")}`);

/** A Thing of `props` numeric properties whose values change every half second (each change recorded). */
async function changingThing(fx: VoFixture, title: string, props: string[]): Promise<() => void> {
    const thing = await fx.wot.produce({
        id: `urn:test:${title.toLowerCase()}`,
        title,
        properties: Object.fromEntries(props.map((n) => [n, { type: "number", observable: true }])),
    } as WoT.ExposedThingInit);
    let tick = 0;
    for (const [i, n] of props.entries()) {
        thing.setPropertyReadHandler(n, async () => Math.round(20 + 5 * Math.sin((tick + i) / 5)) + i);
    }
    await thing.expose();
    const change = () => {
        tick++;
        for (const n of props) void thing.emitPropertyChange(n);
    };
    for (let k = 0; k < 3; k++) change();
    await fx.vo.flush();
    const timer = setInterval(change, 500);
    return () => clearInterval(timer);
}

/** The page's requests to the VO over `ms`, counted from the test side (EventSource's own request included). */
async function requestsDuring(page: Page, port: number, ms: number): Promise<string[]> {
    const asked: string[] = [];
    const count = (req: { url(): string }) => {
        if (req.url().startsWith(`http://127.0.0.1:${port}/`)) asked.push(new URL(req.url()).pathname);
    };
    page.on("request", count);
    await new Promise((r) => setTimeout(r, ms));
    page.off("request", count);
    return asked;
}

const pointsOf = (s: DashboardState, name: string) => s.views[`property:${name}`]?.points ?? 0;

describe("dashboard in headless Chromium: one live stream per page", function () {
    this.timeout(120_000);
    let browser: Browser | undefined;
    let fx: VoFixture | undefined;
    const stops: (() => void)[] = [];

    before(async function () {
        browser = await launchChromium(this);
        fx = await startVo({ vo: { selfCheckIntervalMs: 1000 } }); // the VO panel live too
        stops.push(await changingThing(fx, "Solo", ["level"]));
        stops.push(await changingThing(fx, "Many", names));
    });

    after(async () => {
        for (const stop of stops) stop();
        await browser?.close();
        await fx?.close();
    });

    for (const [thing, props] of [
        ["solo", ["level"]],
        ["many", names],
    ] as const) {
        it(`in steady state, at most 2 requests a second with ${props.length} changing propert${props.length === 1 ? "y" : "ies"}, and the plots move`, async function () {
            const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
            await page.goto(`http://127.0.0.1:${fx!.httpPort}/dashboard/?range=1h#${thing}`);
            const last = props[props.length - 1];
            const drawn = await waitForState(page, (s) => s.ticks > 0 && pointsOf(s, last) >= 3, 20_000, "drawn");
            await new Promise((r) => setTimeout(r, 1500)); // past the first reads
            const before = await dashboardState(page);
            const asked = await requestsDuring(page, fx!.httpPort, 6000);
            const after = await dashboardState(page);
            console.log(`      (${props.length} properties: ${asked.length} requests in 6 s: ${asked.join(" ")})`);
            expect(asked.length / 6, `requests per second: ${asked.join(", ")}`).to.be.at.most(2);
            // the points came all the same: every plot grew by about two a second
            for (const n of props) expect(pointsOf(after, n) - pointsOf(before, n), n).to.be.at.least(8);
            expect(after.ticks - before.ticks, "the live range moved on").to.be.at.least(4);
            expect(drawn.views[`property:${last}`].error).to.equal(undefined);
            if (thing === "many") {
                await screenshot(page, "live-50-properties");
                await screenshot(page, "live-50-properties-screen", false);
                await page.locator('[data-name="sensor20"]').scrollIntoViewIfNeeded();
                await screenshot(page, "live-50-properties-scrolled", false);
                await page.setViewportSize({ width: 390, height: 844 });
                await page.evaluate("window.scrollTo(0, 0)");
                await new Promise((r) => setTimeout(r, 1500)); // redrawn at its width
                await screenshot(page, "live-50-properties-phone");
                await screenshot(page, "live-50-properties-phone-screen", false);
                await page.locator('[data-name="sensor20"]').scrollIntoViewIfNeeded();
                await screenshot(page, "live-50-properties-phone-scrolled", false);
            }
            await page.close();
        });
    }

    it("windows kept live from streamed points: the newest window's mean moves, new windows open, old ones leave, nothing counted twice", async function () {
        const page = await browser!.newPage();
        await page.goto(`http://127.0.0.1:${fx!.httpPort}/dashboard/?range=1h#solo`);
        const result = (await page.evaluate(`(async () => {
            const live = await import("./series-live.mjs");
            const series = await import("./series.mjs");
            const t0 = Date.parse("2026-01-01T00:00:00Z");
            let ns = 0n;
            const p = (s, v, ok = true) => ({ time: new Date(t0 + s * 1000).toISOString(),
                timestampNs: String(BigInt(t0 + s * 1000) * 1000000n + ns++), op: "propertychange",
                protocol: "local", ok, value: v });
            // two windows of 10 s read; the newest (10-20 s) read as its points 12 and 14
            const s = { mode: "windows", every: "10s", fn: "mean", gaps: [], windows: [
                { ms: t0, value: 1 }, { ms: t0 + 10000, value: 13 } ] };
            const tail = live.newTail();
            const read = [p(12, 12), p(14, 14)];
            tail.newestNs = live.newestNsOf(read);
            tail.sums.set(t0 + 10000, live.sumOf(read));
            const band = { ...series.newBand(), every: "10s" };
            const range = { fromMs: t0 - 5000, toMs: t0 + 40000 };
            live.extendSeries(s, [read[1], p(16, 19), p(17, 0, false), p(25, 5), p(27, 7)], range, tail, 2000, band);
            const first = s.windows.map((w) => [w.ms - t0, w.value]);
            const lo = band.lo.get(t0 + 10000), hi = band.hi.get(t0 + 10000);
            live.extendSeries(s, [p(31, 31)], { fromMs: t0 + 12000, toMs: t0 + 52000 }, tail, 2000, band);
            return { first, lo, hi, later: s.windows.map((w) => [w.ms - t0, w.value]) };
        })()`)) as { first: [number, number][]; lo: number; hi: number; later: [number, number][] };
        // 14 again is skipped (read already), the failed read is not a value: (12 + 14 + 19) / 3
        expect(result.first).to.deep.equal([
            [0, 1],
            [10_000, 15],
            [20_000, 6],
        ]);
        expect([result.lo, result.hi]).to.deep.equal([12, 19]);
        // the range moved past the first window: it left; 31 opened its own
        expect(result.later).to.deep.equal([
            [10_000, 15],
            [20_000, 6],
            [30_000, 31],
        ]);
        await page.close();
    });

    it("a write shows on the page within a second of its answer", async function () {
        const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
        const base = `http://127.0.0.1:${fx!.httpPort}`;
        const thing = await fx!.wot.produce({
            title: "Dial",
            properties: { setting: { type: "string" } },
        } as WoT.ExposedThingInit);
        let setting = "start";
        thing.setPropertyReadHandler("setting", async () => setting);
        thing.setPropertyWriteHandler("setting", async (v) => void (setting = (await v.value()) as string));
        await thing.expose();
        await fetch(`${base}/dial/properties/setting`);
        await fx!.vo.flush();
        await page.goto(`${base}/dashboard/?range=1h#dial`);
        await waitForState(
            page,
            (s) => s.views["property:setting"]?.values?.includes("start") === true,
            15_000,
            "drawn"
        );
        const latencies: number[] = [];
        for (let k = 0; k < 3; k++) {
            const value = `set ${k} ${Date.now()}`;
            const res = await fetch(`${base}/dial/properties/setting`, {
                method: "PUT",
                headers: { "Content-Type": "application/json" },
                body: JSON.stringify(value),
            });
            expect(res.status).to.equal(204);
            const answered = Date.now();
            for (;;) {
                const s = await dashboardState(page);
                if (s.views["property:setting"]?.values?.includes(value) === true) break;
                expect(Date.now() - answered, `"${value}" not shown yet`).to.be.below(1000);
                await new Promise((r) => setTimeout(r, 20));
            }
            latencies.push(Date.now() - answered);
            await new Promise((r) => setTimeout(r, 300));
        }
        console.log(`      (shown ${latencies.join(", ")} ms after the answer)`);
        await page.close();
    });
});

describe("dashboard live stream: the VO stopping and coming back", function () {
    this.timeout(120_000);
    let browser: Browser | undefined;
    let fx: VoFixture | undefined;
    let stop: (() => void) | undefined;
    const dir = tempDir();

    before(async function () {
        browser = await launchChromium(this);
    });

    after(async () => {
        stop?.();
        await browser?.close();
        await fx?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("ends each stream at stop (the stream's body ends, the VO stops at once, no handle keeps a process up)", async function () {
        fx = await startVo({ sqlite: { path: path.join(dir, "stop.sqlite") } });
        stop = await changingThing(fx, "Solo", ["level"]);
        const res = await fetch(`http://127.0.0.1:${fx.httpPort}/dashboard/live?thing=urn:test:solo`);
        expect(res.status).to.equal(200);
        expect(res.headers.get("content-type")).to.equal("text/event-stream; charset=utf-8");
        const reader = res.body!.getReader();
        let text = "";
        while (!text.includes("event: points")) {
            const { value, done } = await reader.read();
            if (done) throw new Error(`the stream ended before a point: ${text}`);
            text += new TextDecoder().decode(value);
        }
        stop();
        stop = undefined;
        const started = Date.now();
        const ended = (async () => {
            for (;;) if ((await reader.read()).done) return Date.now() - started;
        })();
        await fx.close();
        fx = undefined;
        const stopMs = Date.now() - started;
        expect(await ended, "the stream's body ended cleanly").to.be.below(2000);
        expect(stopMs, "the VO stopped without waiting on the stream").to.be.below(3000);

        // a process that served an open stream exits by itself once its VO stopped
        const script = `
            const { startVo } = require(${JSON.stringify(path.join(ROOT, "dist/test/helpers/vo-fixture.js"))});
            const http = require("node:http");
            (async () => {
                const fx = await startVo({ vo: { selfCheckIntervalMs: 200 } });
                http.get("http://127.0.0.1:" + fx.httpPort + "/dashboard/live?thing=urn:node-wot-vo:status", (res) => {
                    res.once("data", async () => { await fx.close(); console.log("stopped"); });
                    res.on("error", () => undefined);
                });
            })();`;
        const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        const exited = await new Promise<number | null>((resolve) => {
            const timer = setTimeout(() => {
                child.kill("SIGKILL");
                resolve(null);
            }, 20_000);
            child.on("exit", (code) => {
                clearTimeout(timer);
                resolve(code);
            });
        });
        expect(out.trim()).to.equal("stopped");
        expect(exited, "the process exited by itself").to.equal(0);
    });

    it("reconnects once the VO is back and reads what it missed: the points recorded before the stream reopened, the VO's down time a gap", async function () {
        const port = await freeTcpPort();
        const dbPath = path.join(dir, "back.sqlite");
        fx = await startVo({ sqlite: { path: dbPath } }, port);
        stop = await changingThing(fx, "Solo", ["level"]);
        const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
        await page.goto(`http://127.0.0.1:${port}/dashboard/?range=1h#solo`);
        await waitForState(page, (s) => pointsOf(s, "level") >= 5, 15_000, "drawn and streaming");
        stop();
        stop = undefined;
        await fx.close();
        fx = undefined;
        await page.locator("#unreachable").waitFor({ state: "visible", timeout: 10_000 });
        const down = await dashboardState(page);
        // the stream stays shut while points are recorded: only a read of history can show them
        await page.route("**/dashboard/live?*", (route) => route.abort());
        fx = await startVo({ sqlite: { path: dbPath } }, port);
        const thing = await fx.wot.produce({
            id: "urn:test:solo",
            title: "Solo",
            properties: { level: { type: "number", observable: true } },
        } as WoT.ExposedThingInit);
        thing.setPropertyReadHandler("level", async () => 77);
        await thing.expose();
        for (let k = 0; k < 4; k++) await thing.emitPropertyChange("level");
        await fx.vo.flush();
        expect(pointsOf(await dashboardState(page), "level"), "nothing new shown yet").to.equal(
            pointsOf(down, "level")
        );
        const asked: URL[] = [];
        page.on("request", (req) => asked.push(new URL(req.url())));
        await page.unroute("**/dashboard/live?*");
        const back = await waitForState(
            page,
            (s) => pointsOf(s, "level") === pointsOf(down, "level") + 4,
            30_000,
            "the four points recorded while the stream was shut"
        );
        expect(back.views["property:level"].gaps?.map((g) => g.reason)).to.include("vo-down");
        // read since the newest point it held, not its whole hour again
        const reads = asked.filter((u) => u.pathname === "/solo/properties/level/history");
        expect(reads.length, "the level's history read on reconnect").to.be.at.least(1);
        for (const u of reads) {
            expect(Date.parse(u.searchParams.get("from")!), u.search).to.be.above(Date.now() - 5 * 60_000);
        }
        await page.locator("#unreachable").waitFor({ state: "hidden", timeout: 5000 });
        // and it streams again
        await thing.emitPropertyChange("level");
        await waitForState(
            page,
            (s) => pointsOf(s, "level") === pointsOf(down, "level") + 5,
            5000,
            "a point streamed after the reconnect"
        );
        await page.close();
    });
});

describe("dashboard live stream: a page that stops reading", function () {
    this.timeout(60_000);
    let fx: VoFixture | undefined;

    after(async () => {
        await fx?.close();
    });

    it("is dropped once far behind, while a page that reads keeps its stream and recording goes on", async function () {
        fx = await startVo();
        const thing = await fx.wot.produce({
            id: "urn:test:blobs",
            title: "Blobs",
            events: { blob: { data: { type: "string" } } },
        } as WoT.ExposedThingInit);
        await thing.expose();
        const url = `http://127.0.0.1:${fx.httpPort}/dashboard/live?thing=urn:test:blobs`;
        const feed = (fx.vo as unknown as { liveFeed: { size: number } }).liveFeed;
        // one that never reads past its headers
        const stalled = await new Promise<http.IncomingMessage>((resolve) => http.get(url, resolve));
        stalled.pause();
        stalled.on("error", () => undefined);
        // one that reads everything
        let read = 0;
        const reading = await fetch(url);
        const reader = reading.body!.getReader();
        const drained = (async () => {
            for (;;) {
                const { value, done } = await reader.read();
                if (done) return;
                read += value.length;
            }
        })().catch(() => undefined);
        expect(feed.size).to.equal(2);
        const blob = "x".repeat(60_000);
        const before = fx.vo.stats().written;
        for (let k = 0; k < 400; k++) {
            thing.emitEvent("blob", blob);
            if (k % 50 === 49) await fx.vo.flush(); // a committed batch at a time, as records come
        }
        await fx.vo.flush();
        expect(fx.vo.stats().written - before, "every record written").to.equal(400);
        const deadline = Date.now() + 10_000;
        while (feed.size !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(feed.size, "the stalled page dropped, the reading one kept").to.equal(1);
        while (read < 400 * 60_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(read, "the reading page got every point").to.be.at.least(400 * 60_000);
        stalled.destroy();
        await reader.cancel();
        await drained;
    });
});
