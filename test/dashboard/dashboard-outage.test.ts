import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import type * as WoT from "wot-typescript-definitions";
import { freeTcpPort } from "../helpers/free-port";
import { startVo, tempDir, VoFixture } from "../helpers/vo-fixture";
import { launchChromium, screenshot, waitForState } from "./browser";

/** A Thing of ten numeric properties, each read once so every plot has a point. */
async function startMeterVo(dbPath: string, port: number): Promise<VoFixture> {
    const fx = await startVo({ sqlite: { path: dbPath } }, port);
    const names = Array.from({ length: 10 }, (_, i) => `p${i}`);
    const thing = await fx.wot.produce({
        id: "urn:test:meter", // the same Thing after the restart: its history goes on
        title: "Meter",
        properties: Object.fromEntries(names.map((n) => [n, { type: "number" }])),
    } as WoT.ExposedThingInit);
    for (const n of names) thing.setPropertyReadHandler(n, async () => 1);
    await thing.expose();
    for (const n of names) await fetch(`http://127.0.0.1:${port}/meter/properties/${n}`);
    await fx.vo.flush();
    return fx;
}

describe("dashboard in headless Chromium: the VO stops and comes back", function () {
    this.timeout(90_000);
    let browser: Browser | undefined;
    let page: Page;
    let fx: VoFixture | undefined;
    let dir: string;

    before(async function () {
        browser = await launchChromium(this);
        dir = tempDir();
    });

    after(async () => {
        await browser?.close();
        await fx?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("one banner naming since when, a few probes with growing delay instead of a storm, and recovery", async function () {
        const port = await freeTcpPort();
        const dbPath = path.join(dir, "vo.sqlite");
        fx = await startMeterVo(dbPath, port);
        page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
        await page.goto(`http://127.0.0.1:${port}/dashboard/?range=1h#meter`);
        await waitForState(page, (s) => s.ticks > 1 && s.views["property:p9"]?.points === 1, 15_000, "drawn");

        await fx.close(); // the VO stops: every read now fails without an answer
        fx = undefined;
        const banner = page.locator("#unreachable");
        await banner.waitFor({ state: "visible", timeout: 10_000 });
        expect(await banner.textContent()).to.match(
            /^VO unreachable since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC([+-]\d\d:\d\d)?: trying again in \d+ s$/
        );
        expect(await page.locator("#live").textContent()).to.match(/^not updated since /);
        expect(await page.locator("#thing .error:visible").count(), "no view repeats it").to.equal(0);

        const asked: number[] = [];
        page.on("request", (req) => req.url().startsWith(`http://127.0.0.1:${port}/`) && asked.push(Date.now()));
        await new Promise((r) => setTimeout(r, 6000));
        expect(asked.length, "requests in 6 s while the VO is down").to.be.at.most(4);
        await screenshot(page, "vo-unreachable");
        await page.setViewportSize({ width: 390, height: 844 });
        await screenshot(page, "vo-unreachable-phone");
        await page.setViewportSize({ width: 1400, height: 900 });

        fx = await startMeterVo(dbPath, port); // started again where the page knew it
        await banner.waitFor({ state: "hidden", timeout: 20_000 });
        const s = await waitForState(
            page,
            (st) => st.views["property:p0"]?.error === undefined && (st.views["property:p0"]?.points ?? 0) >= 2,
            10_000,
            "the views read again"
        );
        expect(s.views["property:p9"].error).to.equal(undefined);
        // the header says so once the whole refresh is done (the views draw before it); read from here: the page's
        // policy allows no evaluated script, so no waitForFunction
        const deadline = Date.now() + 5000;
        let live = "";
        while (!live.startsWith("live (1h), updated ") && Date.now() < deadline) {
            live = (await page.locator("#live").textContent()) ?? "";
            if (!live.startsWith("live (1h), updated ")) await new Promise((r) => setTimeout(r, 100));
        }
        expect(live).to.match(/^live \(1h\), updated /);
    });
});
