import { expect } from "chai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type * as WoT from "wot-typescript-definitions";
import { startVo, VoFixture } from "../helpers/vo-fixture";
import { launchChromium, screenshot, waitForState } from "./browser";

const PHONE = { width: 390, height: 844 };

describe("dashboard in headless Chromium on a phone (390x844, touch)", function () {
    this.timeout(60_000);
    let browser: Browser | undefined;
    let context: BrowserContext;
    let page: Page;
    let fx: VoFixture | undefined;

    before(async function () {
        browser = await launchChromium(this);
        fx = await startVo();
        const thing = await fx.wot.produce({
            title: "Boiler with a rather long title",
            properties: { temperature: { type: "number" }, mode: { type: "string" } },
            actions: { purge: { input: { type: "object" }, output: { type: "string" } } },
        } as WoT.ExposedThingInit);
        thing.setPropertyReadHandler("temperature", async () => 61.5);
        thing.setPropertyReadHandler("mode", async () => "heating");
        thing.setActionHandler("purge", async () => "purged");
        await thing.expose();
        const base = `http://127.0.0.1:${fx.httpPort}/boiler-with-a-rather-long-title`;
        for (let i = 0; i < 3; i++) {
            expect((await fetch(`${base}/properties/temperature`)).status).to.equal(200);
            await new Promise((r) => setTimeout(r, 300));
        }
        expect((await fetch(`${base}/properties/mode`)).status).to.equal(200);
        const body = JSON.stringify({ valve: "north", seconds: 30, note: "weekly purge of the primary circuit" });
        const invoked = await fetch(`${base}/actions/purge`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
        });
        expect(invoked.status).to.equal(200);
        await fx.vo.flush();
        context = await browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: true });
        page = await context.newPage();
        await page.goto(`http://127.0.0.1:${fx.httpPort}/dashboard/?range=1h#boiler-with-a-rather-long-title`);
        await waitForState(
            page,
            (s) => s.views["property:temperature"]?.points === 3 && s.views["action:purge"]?.rows === 1,
            15_000,
            "drawn"
        );
    });

    after(async () => {
        await browser?.close();
        await fx?.close();
    });

    it("fits the screen: the Things over the content, plots and timelines the screen's width, log rows stacked", async function () {
        // in the page (the tests are compiled without the DOM's types: the code goes as text)
        const layout = (await page.evaluate(`(() => {
            const box = (sel) => document.querySelector(sel).getBoundingClientRect();
            const cell = document.querySelector('[data-kind="action"] tbody td');
            return {
                scrollWidth: document.documentElement.scrollWidth,
                navBottom: box("nav").bottom,
                mainTop: box("main").top,
                plot: box('[data-plot="temperature"] canvas').width,
                timeline: box('[data-timeline="mode"]').width,
                cellDisplay: getComputedStyle(cell).display,
                cellLabel: cell.dataset.label,
                headVisible: getComputedStyle(document.querySelector('[data-kind="action"] thead')).display,
            };
        })()`)) as {
            scrollWidth: number;
            navBottom: number;
            mainTop: number;
            plot: number;
            timeline: number;
            cellDisplay: string;
            cellLabel: string;
            headVisible: string;
        };
        await screenshot(page, "phone");
        expect(layout.scrollWidth, "no sideways scrolling").to.be.at.most(PHONE.width);
        expect(layout.navBottom).to.be.at.most(layout.mainTop + 1);
        expect(layout.plot).to.be.within(300, PHONE.width);
        expect(layout.timeline).to.be.above(200);
        expect([layout.cellDisplay, layout.headVisible]).to.deep.equal(["block", "none"]);
        expect(layout.cellLabel).to.match(/^time \(UTC([+-]\d\d:\d\d)?\)$/);
    });

    it("zooms to what a one-finger drag over a plot spans", async function () {
        const before = (await waitForState(page, (s) => s.live === "1h", 5000, "live")).range;
        await page.evaluate(`(() => {
            const over = document.querySelector('[data-plot="temperature"] .u-over');
            const r = over.getBoundingClientRect();
            const touch = (x) =>
                new Touch({ identifier: 1, target: over, clientX: r.left + x, clientY: r.top + r.height / 2 });
            const start = touch(r.width * 0.25);
            const end = touch(r.width * 0.75);
            over.dispatchEvent(new TouchEvent("touchstart", { touches: [start], changedTouches: [start] }));
            over.dispatchEvent(new TouchEvent("touchend", { touches: [], changedTouches: [end] }));
        })()`);
        const s = await waitForState(page, (st) => st.live === undefined, 5000, "zoomed");
        const span = s.range.toMs - s.range.fromMs;
        expect(span).to.be.within(0.45 * (before.toMs - before.fromMs), 0.55 * (before.toMs - before.fromMs));
        expect(page.url()).to.include("from=");
    });
});
