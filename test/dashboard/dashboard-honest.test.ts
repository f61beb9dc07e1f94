import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import type { VoFixture } from "../helpers/vo-fixture";
import { launchChromium, screenshot, waitForState } from "./browser";
import { closeMeter, lastHourUrl, MINUTE, recordedMeter } from "./recorded-meter";

type Item = { time: string; stale?: boolean; ok: boolean };

describe("dashboard in headless Chromium: holes, failures, stale values and gaps drawn as they are", function () {
    this.timeout(90_000);
    let browser: Browser | undefined;
    let page: Page;
    let fx: VoFixture | undefined;
    let dir: string | undefined;
    let url: string;
    const endMs = Date.now();
    const last = endMs - MINUTE;
    /** the gaps the level's answers report (added to the VO's answer: a lost device and a VO restart) */
    const lost = { from: last - 58 * MINUTE, to: last - 52 * MINUTE };
    const down = { from: last - 50 * MINUTE, to: last - 47 * MINUTE };

    before(async function () {
        browser = await launchChromium(this);
        ({ fx, dir } = await recordedMeter(endMs));
        url = `http://127.0.0.1:${fx.httpPort}/dashboard/`;
        page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        // the level's answers report a device-lost gap (its reads inside answered stale) and a vo-down gap
        await page.route("**/meter/properties/level/history?*", async (route) => {
            const res = await route.fetch();
            const body = (await res.json()) as { items?: Item[]; gaps?: unknown[] };
            if (body.items !== undefined) {
                for (const p of body.items) {
                    const ms = Date.parse(p.time);
                    if (p.ok && ms > lost.from && ms < lost.to) p.stale = true;
                }
                const iso = (ms: number) => new Date(ms).toISOString();
                body.gaps = [
                    { from: iso(lost.from), to: iso(lost.to), reason: "device-lost" },
                    { from: iso(down.from), to: iso(down.to), reason: "vo-down" },
                ];
            }
            await route.fulfill({ response: res, json: body });
        });
        await page.goto(lastHourUrl(fx, last));
        await waitForState(
            page,
            (s) =>
                s.ticks > 0 &&
                s.views["property:level"]?.points !== undefined &&
                s.views["event:alarm"]?.rows !== undefined,
            15_000,
            "first draw"
        );
    });

    after(async () => {
        await browser?.close();
        await closeMeter(fx, dir);
    });

    it("the event log lists emissions only, not the subscriptions recorded beside them", async function () {
        const s = await waitForState(page, (st) => st.views["event:alarm"]?.rows !== undefined, 5000, "the log");
        expect(s.views["event:alarm"].rows).to.equal(3);
        const data = await page.locator('[data-kind="event"] tbody td[data-label="data"]').allTextContents();
        expect(data).to.have.length(3);
        for (const d of data) expect(d).to.match(/"level":9\d/);
        expect(
            (await waitForState(page, (st) => st.views["action:reset"]?.rows === 2, 5000, "the action log")).ticks
        ).to.be.above(0);
    });

    it("a failed read and a refused write are marked apart on the plot and the timeline, their reason on focus", async function () {
        const s = await waitForState(page, (st) => st.views["property:level"]?.failures !== undefined, 5000, "drawn");
        expect(s.views["property:level"].failures).to.equal(2);
        expect(s.views["property:mode"].failures).to.equal(1);
        const marks = page.locator('[data-plot="level"] .fail');
        expect(await marks.count()).to.equal(2);
        const labels = await marks.evaluateAll((els) => els.map((e) => e.getAttribute("aria-label")));
        expect(labels.join(" | "))
            .to.match(/failed readproperty: timeout/)
            .and.to.match(/failed writeproperty: 503/);
        await marks.last().focus();
        const tip = page.locator('[data-role="tip"]');
        expect(await tip.isVisible()).to.equal(true);
        expect(await tip.textContent()).to.match(/^failed writeproperty: 503: device lost/);
        await page.locator('[data-timeline="mode"] .mark.fail').click();
        expect(await tip.textContent()).to.match(/^failed readproperty: timeout/);
        await screenshot(page, "failures");
    });

    it("a Thing's failed interactions open as one log", async function () {
        await page.locator("details.failures > summary").click();
        const s = await waitForState(page, (st) => st.failureLog?.failures !== undefined, 5000, "the log");
        expect(s.failureLog!.failures).to.equal(3);
        const rows = await page.locator("details.failures tbody tr").allTextContents();
        expect(rows[0]).to.match(/property levelwriteproperty503: device lost/);
        await page.locator("details.failures > summary").click();
    });

    it("stale values inside a gap stay readable: drawn over the hatching, hover reads them", async function () {
        const over = page.locator('[data-plot="level"] .u-over');
        const box = (await over.boundingBox())!;
        const range = (await waitForState(page, () => true, 1000, "state")).range;
        // the middle of the lost interval: a stale point every 10 s, one is under the cursor
        const ms = (lost.from + lost.to) / 2;
        const x = box.x + ((ms - range.fromMs) / (range.toMs - range.fromMs)) * box.width;
        const hit = await page.evaluate(`document.elementFromPoint(${x}, ${box.y + box.height / 2})?.className ?? ""`);
        expect(String(hit), "what is under the pointer inside a gap").to.equal("u-over");
        await page.mouse.move(x, box.y + box.height / 2);
        const stale = page.locator('[data-plot="level"] .u-legend .u-series').nth(5).locator(".u-value");
        expect(await stale.textContent()).to.match(/^4\d$/);
    });

    it("VO-down and device-lost gaps differ and say their reason on focus, by name to a screen reader", async function () {
        const handles = page.locator('[data-plot="level"] .gap-handle');
        expect(await handles.count()).to.equal(2);
        const look =
            (await page.evaluate(`[...document.querySelectorAll('[data-plot="level"] .gap-handle')].map((e) => ({
            reason: e.dataset.reason, bg: getComputedStyle(e).backgroundColor, name: e.getAttribute("aria-label") }))`)) as {
                reason: string;
                bg: string;
                name: string;
            }[];
        expect(look.map((l) => l.reason).sort()).to.deep.equal(["device-lost", "vo-down"]);
        expect(look[0].bg).to.not.equal(look[1].bg);
        for (const l of look) expect(l.name).to.match(/^gap: (device lost|VO down), /);
        await handles.first().focus();
        expect(await page.locator('[data-role="tip"]').textContent()).to.match(/^gap: device lost\n/);
        const legend = await page.locator('[data-name="level"] .legend .gap').allTextContents();
        expect(legend).to.deep.equal(["device lost", "VO down"]);
        await screenshot(page, "gaps");
    });

    it("a hole is not drawn over: the line breaks there, and a state timeline says 'no data'", async function () {
        const s = await waitForState(page, (st) => st.views["property:level"]?.holes !== undefined, 5000, "drawn");
        expect(s.views["property:level"].holes).to.equal(1);
        expect(s.views["property:mode"].values).to.include("no data");
        const nodata = page.locator('[data-timeline="mode"] .seg.nodata');
        expect(await nodata.count()).to.equal(1);
        const width = await nodata.evaluate(
            (e) => e.getBoundingClientRect().width / e.parentElement!.getBoundingClientRect().width
        );
        expect(width, "40 of 62 minutes").to.be.within(0.55, 0.7);
        await screenshot(page, "hole");
        await page.setViewportSize({ width: 390, height: 844 });
        await page.reload();
        await waitForState(page, (st) => st.views["property:level"]?.holes === 1, 15_000, "drawn on a phone");
        await screenshot(page, "hole-phone");
        await page.setViewportSize({ width: 1400, height: 900 });
    });

    it("24 h in windows: a readable window size, a min-max band around the mean, the missing half hour left open", async function () {
        await page.goto(`${url}?range=24h#meter`);
        const s = await waitForState(
            page,
            (st) => st.views["property:day"]?.mode === "windows" && (st.views["property:day"]?.band ?? 0) > 100,
            15_000,
            "windows"
        );
        const day = s.views["property:day"] as { every?: string; band?: number; holes?: number };
        expect(day.every).to.match(/^(1|2|5|10|15|30)m$/);
        expect(day.band).to.be.above(100);
        expect(day.holes).to.equal(1);
        await screenshot(page, "day-windows");
        await page.setViewportSize({ width: 390, height: 844 });
        await page.reload();
        await waitForState(page, (st) => st.views["property:day"]?.mode === "windows", 15_000, "24 h on a phone");
        await screenshot(page, "day-windows-phone");
        await page.setViewportSize({ width: 1400, height: 900 });
    });
});
