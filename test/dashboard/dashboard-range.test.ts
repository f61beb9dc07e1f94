import { expect } from "chai";
import type { Browser, Page, Route } from "playwright-core";
import type * as WoT from "wot-typescript-definitions";
import { startVo, VoFixture } from "../helpers/vo-fixture";
import { DashboardState, dashboardState, launchChromium, screenshot, showRange, waitForState } from "./browser";

const HOUR = 3_600_000;

/** Every view that reads a range (plots, timelines, logs) and the range it last drew. */
function drawnRanges(s: DashboardState): [string, { fromMs: number; toMs: number } | undefined][] {
    return Object.entries(s.views).map(([id, v]) => [id, (v as { range?: { fromMs: number; toMs: number } }).range]);
}

function pageOf(s: DashboardState, id: string): number | undefined {
    return (s.views[id] as { page?: number } | undefined)?.page;
}

describe("dashboard in headless Chromium: the range after every action", function () {
    this.timeout(90_000);
    let browser: Browser | undefined;
    let page: Page;
    let fx: VoFixture | undefined;
    let url: string;

    before(async function () {
        browser = await launchChromium(this);
        fx = await startVo();
        const thing = await fx.wot.produce({
            title: "Meter",
            properties: { level: { type: "number" }, mode: { type: "string" } },
            actions: { reset: { input: { type: "integer" }, output: { type: "integer" } } },
        } as WoT.ExposedThingInit);
        thing.setPropertyReadHandler("level", async () => 42);
        thing.setPropertyReadHandler("mode", async () => "auto");
        thing.setActionHandler("reset", async (input) => (await input.value()) as number);
        await thing.expose();
        const base = `http://127.0.0.1:${fx.httpPort}/meter`;
        for (const name of ["level", "mode"]) expect((await fetch(`${base}/properties/${name}`)).status).to.equal(200);
        for (let i = 0; i < 15; i++) {
            const res = await fetch(`${base}/actions/reset`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: String(i),
            });
            expect(res.status).to.equal(200);
        }
        await fx.vo.flush();
        url = `http://127.0.0.1:${fx.httpPort}/dashboard/`;
        page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    });

    after(async () => {
        await browser?.close();
        await fx?.close();
    });

    const opened = async (query = ""): Promise<DashboardState> => {
        await page.goto(`${url}${query}#meter`);
        return waitForState(page, (s) => s.ticks > 0 && s.views["action:reset"]?.rows === 10, 15_000, "first draw");
    };

    it("a range chosen while a refresh is still reading wins: every view draws it (the old answers held back)", async function () {
        await opened("?range=1h");
        const held: Route[] = [];
        let holding = true;
        // the live hour's reads are held (a slow VO); the custom range's go through
        await page.route("**/history?*", async (route) => {
            const from = Date.parse(new URL(route.request().url()).searchParams.get("from") ?? "");
            if (holding && from > Date.now() - HOUR - 60_000) held.push(route);
            else await route.continue();
        });
        // the live hour read again (the page reads on a range change, not on a timer): its reads are held
        await page.click('#range [data-preset="1h"]');
        const deadline = Date.now() + 10_000;
        while (held.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(held.length, "a refresh of the live hour is reading").to.be.greaterThan(0);

        const custom = { fromMs: Date.now() - 3 * HOUR, toMs: Date.now() - 2 * HOUR };
        await showRange(page, custom.fromMs, custom.toMs);
        holding = false;
        for (const route of held.splice(0)) await route.continue().catch(() => undefined); // aborted by the page
        const wanted = (await dashboardState(page)).range;
        expect(wanted.toMs - wanted.fromMs).to.be.closeTo(HOUR, 2000);
        const s = await waitForState(
            page,
            (st) => drawnRanges(st).every(([, r]) => r?.fromMs === wanted.fromMs && r.toMs === wanted.toMs),
            10_000,
            "every view on the custom range"
        );
        await new Promise((r) => setTimeout(r, 1500)); // nothing older draws over it afterwards
        const later = await dashboardState(page);
        expect(drawnRanges(later)).to.deep.equal(drawnRanges(s));
        expect(later.live).to.equal(undefined);
        await page.unroute("**/history?*");
    });

    it("a range change takes every log back to its newest page", async function () {
        await opened("?range=1h");
        await page.locator('[data-kind="action"] .pager button', { hasText: "older" }).click();
        await waitForState(page, (s) => pageOf(s, "action:reset") === 2, 10_000, "page 2 of the action log");
        expect(await page.locator('[data-kind="action"] .pager span').textContent()).to.equal(
            "page 2 (last), entries 11-15"
        );
        expect(await page.locator('[data-kind="action"] .pager button', { hasText: "older" }).isDisabled()).to.equal(
            true
        );
        await page.click('#range [data-preset="24h"]');
        const s = await waitForState(
            page,
            (st) => st.live === "24h" && pageOf(st, "action:reset") === 1 && st.views["action:reset"].rows === 10,
            10_000,
            "the action log back on page 1 for 24 h"
        );
        expect(s.views["action:reset"].rows).to.equal(10);
    });

    it("keeps the range and the Thing in the address: reload, zoom out and back", async function () {
        await opened("?range=1h");
        const custom = { fromMs: Date.now() - 5 * HOUR, toMs: Date.now() - 4 * HOUR };
        await showRange(page, custom.fromMs, custom.toMs);
        await page.waitForURL(/from=/);
        const address = new URL(page.url());
        expect(Date.parse(address.searchParams.get("from")!)).to.equal(Math.floor(custom.fromMs / 1000) * 1000);
        expect(address.hash).to.equal("#meter");

        await page.reload();
        const reloaded = await waitForState(page, (s) => s.ticks > 0, 15_000, "reloaded");
        expect(reloaded.live).to.equal(undefined);
        expect(reloaded.selected).to.equal("meter");
        const shown = reloaded.range;
        expect(shown.toMs - shown.fromMs).to.equal(HOUR);

        await page.click("#range-zoom-out");
        const out = await waitForState(page, (s) => s.range.toMs - s.range.fromMs === 2 * HOUR, 10_000, "zoomed out");
        expect((out.range.fromMs + out.range.toMs) / 2).to.equal((shown.fromMs + shown.toMs) / 2);
        expect(page.url()).to.include(encodeURIComponent(new Date(out.range.fromMs).toISOString()));
        await screenshot(page, "range-zoomed-out");

        expect(await page.isDisabled("#range-back")).to.equal(false);
        await page.click("#range-back");
        await waitForState(
            page,
            (s) => s.range.fromMs === shown.fromMs && s.range.toMs === shown.toMs,
            10_000,
            "back on the range before"
        );
        await page.click('#range [data-preset="7d"]');
        await page.waitForURL(/range=7d/);
        await page.reload();
        const preset = await waitForState(page, (s) => s.ticks > 0, 15_000, "reloaded on 7 d");
        expect(preset.live).to.equal("7d");
        expect(await page.locator('#range [data-preset="7d"]').getAttribute("class")).to.include("active");
    });
});
