import path from "node:path";
import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import type * as WoT from "wot-typescript-definitions";
import { Database } from "../../src/sqlite/database";
import { migrate } from "../../src/sqlite/migrations";
import { SqliteTimeSeriesStore } from "../../src/timeseries/sqlite/sqlite-time-series-store";
import type { InteractionRecord } from "../../src";
import { propertyRecord } from "../helpers/records";
import { startVo, tempDir, VoFixture } from "../helpers/vo-fixture";
import { dashboardState, launchChromium, screenshot, waitForState } from "./browser";

const THING = "urn:dev:ops:meter-statistics";
const DAY = 86_400_000;

/** Eight days of a level read once a minute, a daily wave: written into the VO's file before it starts. */
async function prefill(file: string): Promise<void> {
    const db = await Database.open(file);
    await migrate(db);
    const store = new SqliteTimeSeriesStore(db);
    const t0 = Date.now() - 8 * DAY;
    const records: InteractionRecord[] = [];
    for (let m = 0; m < (8 * DAY) / 60_000; m++) {
        const t = t0 + m * 60_000;
        records.push(propertyRecord("level", 20 + 5 * Math.sin((2 * Math.PI * t) / DAY), t, { thing: THING }));
    }
    for (let i = 0; i < records.length; i += 1000) await store.write(records.slice(i, i + 1000));
    await store.close();
    await db.close();
}

describe("dashboard in headless Chromium: 7 days drawn from statistics once the raw points are gone", function () {
    this.timeout(120_000);
    let browser: Browser | undefined;
    let fx: VoFixture | undefined;
    let page: Page;

    before(async function () {
        browser = await launchChromium(this);
        const file = path.join(tempDir(), "vo.sqlite");
        await prefill(file);
        fx = await startVo({ sqlite: { path: file }, retention: { raw: "1d", purgeInterval: "1h" } });
        const thing = await fx.wot.produce({
            id: THING,
            title: "Meter",
            properties: { level: { type: "number", unit: "cm" } },
        } as WoT.ExposedThingInit);
        thing.setPropertyReadHandler("level", async () => 21);
        await thing.expose();
        await fx.vo.purge(); // the raw points older than a day go; their statistics stay
    });

    after(async () => {
        await browser?.close();
        await fx?.close();
    });

    for (const [width, height, name] of [
        [1400, 900, "statistics-7d"],
        [390, 844, "statistics-7d-phone"],
    ] as const) {
        it(`at ${width}x${height}: the week is drawn, its legend names the statistics it comes from`, async function () {
            page = await browser!.newPage({ viewport: { width, height } });
            await page.goto(`http://127.0.0.1:${fx!.httpPort}/dashboard/?range=7d#meter`);
            const s = await waitForState(
                page,
                (st) => st.views["property:level"]?.windows !== undefined,
                20_000,
                "the plot of level"
            );
            const view = s.views["property:level"];
            expect(view.mode).to.equal("windows");
            // a week of windows, from statistics whole: no hole in the six days whose raw points are gone
            expect(view.windows).to.be.greaterThan(300);
            // said where anyone looks: a line under the plot, and the legend of the plot's values
            expect(view.source).to.equal("from 5-minute statistics");
            const said = page.locator('[data-name="level"] p.empty', { hasText: "from 5-minute statistics" });
            expect(await said.isVisible()).to.equal(true);
            expect(await said.textContent()).to.equal(
                "from 5-minute statistics: this range reaches past the raw points' retention"
            );
            const legend = await page.locator('[data-plot="level"] .u-legend').textContent();
            expect(legend).to.match(/mean per \d+[mh] \(from 5-minute statistics\)/);
            await screenshot(page, name);
            expect((await dashboardState(page)).views["property:level"].error).to.equal(undefined);
            await page.close();
        });
    }
});
