import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import { freshBuckets, InfluxServer, ownInfluxServer } from "../helpers/influxdb-server";
import { Influx1Server, ownInflux1Server } from "../helpers/influxdb1-server";
import { exposeSensor } from "../helpers/sensor-thing";
import { startVo, VoFixture } from "../helpers/vo-fixture";
import { launchChromium, screenshot, waitForState } from "./browser";

for (const engine of ["2.x", "1.8"] as const) {
    describe(`dashboard in headless Chromium on a VO recording to a real influxd ${engine}, which goes down and comes back`, function () {
        this.timeout(90_000);
        const shot = engine === "2.x" ? "influxdb" : "influxdb1";
        let browser: Browser | undefined;
        let server: InfluxServer | Influx1Server | undefined;
        let fx: VoFixture | undefined;
        let page: Page;
        let temperatureUrl: string;

        before(async function () {
            server = engine === "2.x" ? await ownInfluxServer(this) : await ownInflux1Server(this);
            browser = await launchChromium(this);
            fx = await startVo({
                influxdb: { url: server.url, org: server.org, token: server.token, buckets: freshBuckets() },
            });
            const { td } = await exposeSensor(fx.wot);
            temperatureUrl = td.properties!.temperature.forms.find((f) => f.href.startsWith("http:"))!.href;
            for (let i = 0; i < 5; i++) expect((await fetch(temperatureUrl)).status).to.equal(200);
            await fx.vo.flush();
            page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
            await page.goto(`http://127.0.0.1:${fx.httpPort}/dashboard/`);
        });

        after(async () => {
            await browser?.close();
            await fx?.close();
            await server?.stop();
        });

        it("plots what InfluxDB holds, shows the history resource's error while it is down, and recovers", async function () {
            await waitForState(page, (s) => s.views["property:temperature"]?.points === 5, 20_000, "5 reads plotted");
            expect(await page.locator('[data-plot="temperature"] canvas').count()).to.equal(1);
            await screenshot(page, `${shot}-plot`);

            await server!.kill();
            const down = await waitForState(
                page,
                (s) => s.views["property:temperature"]?.error !== undefined,
                30_000,
                "the history resource's error on the page"
            );
            expect(down.views["property:temperature"].error).to.match(/^HTTP 5\d\d: /);
            const shown = await page.locator('[data-name="temperature"] .error:not([hidden])').textContent();
            expect(shown).to.equal(down.views["property:temperature"].error);
            await screenshot(page, `${shot}-down`);

            await server!.restart();
            for (let i = 0; i < 2; i++) expect((await fetch(temperatureUrl)).status).to.equal(200);
            await fx!.vo.flush();
            const back = await waitForState(
                page,
                (s) =>
                    s.views["property:temperature"]?.error === undefined &&
                    s.views["property:temperature"]?.points === 7,
                30_000,
                "the plot back, with the reads made meanwhile"
            );
            expect(back.views["property:temperature"].mode).to.equal("points");
            expect(await page.locator('[data-name="temperature"] .error:not([hidden])').count()).to.equal(0);
            await screenshot(page, `${shot}-recovered`);
        });
    });
}
