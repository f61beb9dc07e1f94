import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import type { VoFixture } from "../helpers/vo-fixture";
import { ROOT } from "../helpers/node-process";
import { launchChromium, screenshot, waitForState } from "./browser";
import { closeMeter, lastHourUrl, MINUTE, recordedMeter } from "./recorded-meter";

/** axe-core's browser build (a devDependency). */
const AXE = path.join(ROOT, "node_modules", "axe-core", "axe.min.js");

describe("dashboard in headless Chromium: units, times, states, many properties and the keyboard", function () {
    this.timeout(90_000);
    let browser: Browser | undefined;
    let page: Page;
    let fx: VoFixture | undefined;
    let dir: string | undefined;
    let url: string;
    const endMs = Date.now();
    const last = endMs - MINUTE;

    before(async function () {
        browser = await launchChromium(this);
        ({ fx, dir } = await recordedMeter(endMs));
        url = `http://127.0.0.1:${fx.httpPort}/dashboard/`;
        page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        await page.goto(lastHourUrl(fx, last));
        await waitForState(
            page,
            (s) => s.ticks > 0 && s.views["property:power"]?.values !== undefined,
            15_000,
            "drawn"
        );
    });

    after(async () => {
        await browser?.close();
        await closeMeter(fx, dir);
    });

    it("a plot takes its unit and y range from the TD; every time says its zone; windows are readable steps", async function () {
        const s = await waitForState(page, (st) => st.views["property:level"]?.y !== undefined, 5000, "drawn");
        expect(s.views["property:level"].unit).to.equal("degree Celsius");
        expect(s.views["property:level"].y).to.deep.equal([0, 100]);
        expect(await page.locator('[data-name="level"] summary').textContent()).to.equal(
            "property level (degree Celsius)"
        );
        const zone = (await page.evaluate(
            "(() => { const o = -new Date().getTimezoneOffset(); return o; })()"
        )) as number;
        const z = zone === 0 ? "UTC" : /UTC[+-]\d\d:\d\d/.source;
        expect(await page.locator("#live").textContent()).to.match(new RegExp(`\\d\\d:\\d\\d:\\d\\d ${z} \\(not live`));
        expect(await page.locator("#zone-from").textContent()).to.match(new RegExp(`^\\(${z}\\)$`));
        expect(await page.locator('[data-kind="action"] th').first().textContent()).to.match(
            new RegExp(`^time \\(${z}\\)$`)
        );
        const steps = (await page.evaluate(`(async () => {
            const series = await import("./series.mjs");
            const H = 3600000;
            return [1, 24, 168].map((h) => series.everyFor({ fromMs: 0, toMs: h * H }, 1000));
        })()`)) as string[];
        expect(steps).to.deep.equal(["5s", "2m", "15m"]);
    });

    it("state timelines: a colour legend, true and false clearly apart, objects as short text", async function () {
        const s = await waitForState(page, (st) => st.views["property:info"]?.values !== undefined, 5000, "drawn");
        expect(s.views["property:info"].values).to.deep.equal(["firmware: 1.2.0, serial: A-17, slots: 4"]);
        expect(await page.locator('[data-name="power"] .states li').allTextContents()).to.have.members([
            "true",
            "false",
        ]);
        const colours = (await page.evaluate(`(() => {
            const bg = (v) => getComputedStyle([...document.querySelectorAll('[data-timeline="power"] .seg')].find((e) => e.textContent === v)).backgroundColor;
            return [bg("true"), bg("false")];
        })()`)) as string[];
        const rgb = (c: string) => c.match(/\d+/g)!.slice(0, 3).map(Number);
        const luminance = (c: string) => rgb(c).reduce((a, v) => a + v, 0) / 3;
        expect(
            Math.abs(luminance(colours[0]) - luminance(colours[1])),
            `${colours[0]} against ${colours[1]}`
        ).to.be.above(100);
        await screenshot(page, "states");
    });

    it("many properties: Things sorted by title, a filter, affordances that fold away", async function () {
        const s = await waitForState(page, (st) => st.things.length >= 2, 5000, "the list");
        const titles = s.things.map((t) => t.title);
        expect(titles).to.deep.equal([...titles].sort((a, b) => a.localeCompare(b)));
        expect(await page.locator("#thing-list a").allTextContents()).to.deep.equal(titles);
        await page.fill(".filter input", "ow");
        const shown = await page
            .locator(".affordance:visible")
            .evaluateAll((els) => els.map((e) => e.getAttribute("data-name")));
        expect(shown).to.deep.equal(["power"]);
        await screenshot(page, "filtered");
        await page.fill(".filter input", "");
        expect(await page.locator(".affordance:visible").count()).to.equal(7);
        await page.goto(`${url}?range=1h#boiler`);
        await waitForState(page, (st) => st.views["property:sensor49"]?.empty === true, 15_000, "50 properties");
        await page.fill(".filter input", "sensor4");
        expect(await page.locator(".affordance:visible").count()).to.equal(10);
        await page.fill(".filter input", "");
        await page.click(".filter button");
        expect(await page.locator("details.affordance[open]").count()).to.equal(0);
        await screenshot(page, "many-properties-folded");
        await page.click(".filter button");
        expect(await page.locator("details.affordance[open]").count()).to.equal(50);
        expect(await page.locator('[data-name="sensor07"] .legend').isVisible(), "no legend for nothing").to.equal(
            false
        );
        await screenshot(page, "many-properties");
        await page.setViewportSize({ width: 390, height: 844 });
        await screenshot(page, "many-properties-phone");
        await page.setViewportSize({ width: 1400, height: 900 });
        await page.goBack();
        await waitForState(
            page,
            (st) => st.selected === "meter" && st.views["property:level"]?.y !== undefined,
            15_000,
            "back"
        );
        const level = page.locator('[data-name="level"]');
        await level.locator("summary").click();
        expect(await level.locator(".plot").isVisible()).to.equal(false);
        await level.locator("summary").click();
        expect(await level.locator(".plot").isVisible()).to.equal(true);
    });

    it("by keyboard: a plot moves and zooms with keys, a timeline's stretches are focusable with their values", async function () {
        const before = (await waitForState(page, () => true, 1000, "state")).range;
        const span = before.toMs - before.fromMs;
        await page.locator('[data-plot="level"]').focus();
        await page.keyboard.press("ArrowLeft");
        let s = await waitForState(page, (st) => st.range.toMs !== before.toMs, 5000, "moved");
        expect(s.range.toMs - before.toMs).to.be.closeTo(-span / 4, 2);
        await page.keyboard.press("-");
        s = await waitForState(page, (st) => st.range.toMs - st.range.fromMs > span * 1.5, 5000, "zoomed out");
        expect(s.range.toMs - s.range.fromMs).to.be.closeTo(2 * span, 2);
        // live: the timelines are drawn again every second, and a focused stretch stays focused
        await page.click('[data-preset="1h"]');
        const ticks = (await waitForState(page, (st) => st.live === "1h", 5000, "live")).ticks;
        const seg = page.locator('[data-timeline="power"] .seg').nth(3);
        await seg.focus();
        expect(await seg.getAttribute("aria-label")).to.match(/^(true|false), \d{4}-\d\d-\d\d \d\d:\d\d:\d\d /);
        await waitForState(page, (st) => st.ticks > ticks + 2, 10_000, "live redraws");
        const focused = (await page.evaluate(
            `[document.activeElement.className, document.activeElement.parentElement.dataset.timeline]`
        )) as string[];
        expect(focused).to.deep.equal([(await seg.getAttribute("class"))!, "power"]);
        expect(await page.locator('[data-role="tip"]').isVisible()).to.equal(true);
    });

    it("the status line is no live region: only range changes and the outage are announced", async function () {
        expect(await page.locator("#live").getAttribute("aria-live")).to.equal(null);
        expect(await page.locator("[aria-live]").evaluateAll((els) => els.map((e) => e.id))).to.deep.equal([
            "announce",
        ]);
        await page.click('[data-preset="24h"]');
        await waitForState(page, (st) => st.live === "24h", 5000, "24 h");
        expect(await page.locator("#announce").textContent()).to.equal("showing the last 24h, live");
        await waitForState(page, (st) => st.ticks > 3, 10_000, "live ticks");
        expect(await page.locator("#announce").textContent(), "a live tick says nothing").to.equal(
            "showing the last 24h, live"
        );
    });

    it("axe-core finds no violation of WCAG 2 level A or AA", async function () {
        expect(fs.existsSync(AXE), "axe-core, a devDependency: npm ci installs it").to.equal(true);
        // axe is put into the page as a script of its own: past the page's policy, which allows only the page's
        const context = await browser!.newContext({ bypassCSP: true });
        const page = await context.newPage();
        for (const size of [
            { width: 1400, height: 900 },
            { width: 390, height: 844 },
        ]) {
            await page.setViewportSize(size);
            await page.goto(`${url}?range=1h#meter`);
            await waitForState(
                page,
                (st) => st.ticks > 0 && st.views["property:power"]?.values !== undefined,
                15_000,
                "drawn"
            );
            await page.addScriptTag({ path: AXE });
            const result = (await page.evaluate(
                `axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })`
            )) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
            const found = result.violations.map(
                (v) =>
                    `${v.id} (${v.impact}): ${v.nodes
                        .slice(0, 3)
                        .map((n) => n.target.join(" "))
                        .join("; ")}`
            );
            expect(found, `at ${size.width}x${size.height}`).to.deep.equal([]);
        }
        await context.close();
    });
});
