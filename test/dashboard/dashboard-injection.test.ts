import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import type * as WoT from "wot-typescript-definitions";
import { startVo, VoFixture } from "../helpers/vo-fixture";
import { dashboardState, launchChromium, screenshot, waitForState } from "./browser";

/**
 * Markup that would run if any of it reached the page as HTML (names short enough for binding-http's
 * router, which refuses a path segment over 100 characters).
 */
const INJECT = `<img src=x onerror="globalThis.__injected='img'">"A&B" ünï ☃`;
const PROP = `<b onclick="x()">lvl</b> & "q"\nline 2`;
const EVENT = `<script>globalThis.__injected='event'</script>`;
const VALUE = `<img src=x onerror="globalThis.__injected='value'"><script>globalThis.__injected='v'</script>`;

describe("dashboard in headless Chromium: names and values are text", function () {
    this.timeout(60_000);
    let browser: Browser | undefined;
    let page: Page;
    let fx: VoFixture | undefined;
    let thing: WoT.ExposedThing;
    const pageErrors: string[] = [];

    before(async function () {
        browser = await launchChromium(this);
        fx = await startVo();
        thing = await fx.wot.produce({
            title: INJECT,
            description: "names holding markup",
            properties: {
                [PROP]: { type: "object", observable: true },
                empty: { type: "number" },
                [INJECT]: { type: "string" },
            },
            events: { [EVENT]: { data: { type: "string" } } },
        } as unknown as WoT.ExposedThingInit);
        const values: Record<string, unknown> = { [PROP]: { html: VALUE, n: 1 }, empty: 1, [INJECT]: VALUE };
        for (const name of Object.keys(values)) thing.setPropertyReadHandler(name, async () => values[name] as never);
        await thing.expose();
        // recorded values holding markup too: a read of each, an event with it as data
        const td = thing.getThingDescription();
        for (const name of [PROP, INJECT]) {
            const form = td.properties![name].forms.find((f) => f.href.startsWith("http:"))!;
            expect((await fetch(form.href)).status).to.equal(200);
        }
        thing.emitEvent(EVENT, VALUE);
        await fx.vo.flush();
        page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        page.on("pageerror", (err) => pageErrors.push(err.message));
        await page.goto(`http://127.0.0.1:${fx.httpPort}/dashboard/`);
    });

    after(async () => {
        await browser?.close();
        await fx?.close();
    });

    it("renders Thing, property and event names and values holding markup as text and runs none of it", async function () {
        const s = await waitForState(
            page,
            (st) => st.views[`property:${PROP}`]?.segments === 1 && st.views[`event:${EVENT}`]?.rows === 1,
            15_000,
            "the object property and the event drawn"
        );
        expect(await page.evaluate("globalThis.__injected")).to.equal(undefined);
        expect(pageErrors).to.deep.equal([]);
        // the names, as text, where the page shows them
        expect(await page.locator("#thing-list a").allTextContents()).to.include(INJECT);
        expect(await page.locator("#thing h2").textContent()).to.equal(INJECT);
        const headings = await page.locator("#thing h3").allTextContents();
        expect(headings).to.include.members([`property ${PROP}`, `property ${INJECT}`, `event ${EVENT}`]);
        // values: an object as JSON text, a string as it is
        // an object as key: value pairs
        expect(s.views[`property:${PROP}`].values).to.deep.equal([`html: ${VALUE}, n: 1`]);
        expect(s.views[`property:${INJECT}`].values).to.deep.equal([VALUE]);
        expect(await page.locator(`[data-kind="event"] tbody td.json`).first().textContent()).to.equal(VALUE);
        // none of the markup became elements
        expect(await page.locator("#thing img, #thing script, #thing b, nav img, nav script").count()).to.equal(0);
        await screenshot(page, "injection-as-text");
    });

    it("draws the gaps history answers report (gaps: [...], windows with gap) as breaks of the line, through the page's own modules", async function () {
        // the shape of the answers with gaps, as the history resources give them; read by the page's code
        const result = (await page.evaluate(`(async () => {
            const plot = await import("./plot.mjs");
            const series = await import("./series.mjs");
            const t = (s) => new Date(Date.parse("2026-01-01T00:00:00Z") + s * 1000).toISOString();
            const p = (s, v, op = "readproperty") => ({ time: t(s), timestampNs: "0", op, protocol: "http", ok: true, value: v });
            const gaps = series.gapSpans([{ from: t(3), to: t(10), reason: "vo-down" }, { from: t(12), to: t(20), reason: "device-lost", open: true }]);
            const points = { mode: "points", points: [p(1, 1), p(2, 2), p(5, 9, "readproperty"), p(11, 3), p(13, 4)], gaps };
            const cols = plot.columnsOf(points);
            const windows = { mode: "windows", every: "1s", fn: "mean", gaps: [], windows: [
                { ms: 1000, value: 1 }, { ms: 2000, value: null, gap: "vo-down" }, { ms: 3000, value: 3 } ] };
            const wcols = plot.columnsOf(windows);
            const timeline = await import("./timeline.mjs");
            const range = { fromMs: 0, toMs: 4000 };
            const segments = timeline.segmentsOf({ ...windows, fn: "last" }, range, undefined)
                .map((s) => [s.fromMs, s.toMs, s.label]);
            return { line: cols.line, x: cols.x, bridged: plot.bridgedCount(cols, gaps), wline: wcols.line, segments,
                title: plot.gapTitle(gaps[1]) };
        })()`)) as {
            line: (number | null)[];
            x: number[];
            bridged: number;
            wline: (number | null)[];
            segments: [number, number, string][];
            title: string;
        };
        // 1, 2, [gap at 3], 9 inside the gap (not on the line), [gap ends at 10], 3, [gap at 12], 4 inside the open gap
        expect(result.line).to.deep.equal([1, 2, null, null, 3, null, null]);
        expect(result.bridged).to.equal(0);
        expect(result.wline).to.deep.equal([1, null, 3]);
        // a state timeline stops at the window in a gap and starts again after it
        expect(result.segments).to.deep.equal([
            [1000, 2000, "1"],
            [3000, 4000, "3"],
        ]);
        expect(result.title).to.match(/^gap: device lost\n.* – now \(still open\)$/);
    });

    it("an empty history says 'no data in this range' instead of a plot", async function () {
        const s = await dashboardState(page);
        expect(s.views["property:empty"].empty).to.equal(true);
        const block = page.locator('[data-kind="property"][data-name="empty"]');
        expect(await block.locator(".empty:not([hidden])").textContent()).to.equal("no data in this range");
        expect(await block.locator("canvas").count()).to.equal(0);
    });
});
