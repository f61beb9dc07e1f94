import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import { freeTcpPort, freeUdpPort } from "../helpers/free-port";
import { NodeProcess, ROOT } from "../helpers/node-process";
import { tempDir } from "../helpers/vo-fixture";
import { dashboardState, launchChromium, screenshot, SCREENSHOTS, showRange, waitForState } from "./browser";

/** Whether a pid is gone (the demo's device, killed here). */
function gone(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return false;
    } catch {
        return true;
    }
}

describe("dashboard in headless Chromium, against the demo (device + proxy VO as real processes)", function () {
    this.timeout(120_000);
    let browser: Browser | undefined;
    let page: Page;
    let demo: NodeProcess | undefined;
    let device: NodeProcess | undefined;
    let dir: string;
    let httpPort: number;
    let devicePort: number;
    let devicePid: number;
    let startedAt: number;
    const pageErrors: string[] = [];
    const base = () => `http://127.0.0.1:${httpPort}`;

    before(async function () {
        browser = await launchChromium(this);
        dir = tempDir();
        [httpPort, devicePort] = [await freeTcpPort(), await freeUdpPort()];
        startedAt = Date.now();
        demo = new NodeProcess(["dist/examples/demo.js"], {
            DEMO_HTTP_PORT: String(httpPort),
            DEMO_COAP_PORT: String(await freeUdpPort()),
            DEMO_DEVICE_PORT: String(devicePort),
            DEMO_SQLITE_PATH: path.join(dir, "demo.sqlite"),
        });
        await demo.waitForOutput("Ctrl-C stops both", 30_000);
        devicePid = Number(/^device started \(pid (\d+)\)$/m.exec(demo.output)![1]);
        page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        page.on("pageerror", (err) => pageErrors.push(err.message));
        await page.goto(`${base()}/dashboard/`);
    });

    after(async () => {
        await browser?.close();
        await device?.stop("SIGKILL");
        await demo?.stop("SIGTERM");
        if (devicePid !== undefined && !gone(devicePid)) process.kill(devicePid, "SIGKILL");
        if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    });

    afterEach(function () {
        expect(pageErrors, "errors thrown in the page").to.deep.equal([]);
    });

    it("npm start prints the dashboard's URL", function () {
        expect(demo!.output).to.include(`Dashboard: http://127.0.0.1:${httpPort}/dashboard/`);
    });

    it("the temperature plot has the recorded points, as many as the history resource holds for its range", async function () {
        await waitForState(
            page,
            (s) => (s.views["property:temperature"]?.points ?? 0) >= 5,
            20_000,
            "5 temperature points"
        );
        // a range that ended a second ago: nothing recorded in it is still on its way to the store
        const to = Math.floor((Date.now() - 1000) / 1000) * 1000;
        await showRange(page, startedAt - 60_000, to);
        const s = await waitForState(
            page,
            (st) =>
                st.live === undefined && st.range.toMs === to && st.views["property:temperature"]?.points !== undefined,
            10_000,
            "the custom range drawn"
        );
        const url = `${base()}/environmentsensorvo/properties/temperature/history?from=${new Date(s.range.fromMs).toISOString()}&to=${new Date(to).toISOString()}&limit=2000`;
        const recorded = ((await (await fetch(url)).json()) as { items: { ok: boolean }[] }).items.filter((p) => p.ok);
        // the page read the same resource once more after the range was set; wait for that reading
        const drawn = await waitForState(
            page,
            (st) => st.views["property:temperature"]?.points === recorded.length,
            10_000,
            `${recorded.length} temperature points drawn`
        );
        expect(drawn.views["property:temperature"].mode).to.equal("points");
        expect(recorded.length).to.be.greaterThan(2);
        expect(await page.locator('[data-plot="temperature"] canvas').count()).to.equal(1);
        await screenshot(page, "temperature-points");
    });

    it("zooms every view to a range selected by dragging over a plot", async function () {
        const before = (await dashboardState(page)).range;
        const box = (await page.locator('[data-plot="temperature"] .u-over').boundingBox())!;
        await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 5 });
        await page.mouse.up();
        const s = await waitForState(
            page,
            (st) => st.range.toMs - st.range.fromMs < (before.toMs - before.fromMs) * 0.5,
            5000,
            "the selected range"
        );
        const span = before.toMs - before.fromMs;
        expect(s.live).to.equal(undefined);
        expect(s.range.fromMs).to.be.closeTo(before.fromMs + span * 0.5, span * 0.05);
        expect(s.range.toMs).to.be.closeTo(before.fromMs + span * 0.7, span * 0.05);
        await screenshot(page, "zoomed");
    });

    it("a write made with an HTTP client appears live, without a reload", async function () {
        await page.click('#range [data-preset="1h"]');
        await waitForState(page, (s) => s.live === "1h", 5000, "live again");
        const label = `kitchen ${Date.now()}`;
        const ticksBefore = (await dashboardState(page)).ticks;
        const sent = Date.now();
        const res = await fetch(`${base()}/environmentsensorvo/properties/label`, {
            method: "PUT",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify(label),
        });
        expect(res.status).to.be.oneOf([200, 204]);
        const s = await waitForState(
            page,
            (st) => st.views["property:label"]?.values?.includes(label) === true,
            10_000,
            "the written label on the page"
        );
        console.log(`      (write shown ${Date.now() - sent} ms after it was sent)`);
        expect(s.ticks).to.be.greaterThan(ticksBefore); // read by a live refresh, not a reload
        expect(await page.locator('[data-timeline="label"]').textContent()).to.include(label);
        await screenshot(page, "write-live");
    });

    it("an action invocation appears in the action log with its input and output", async function () {
        const res = await fetch(`${base()}/environmentsensorvo/actions/calibrate`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ offset: 0.25 }),
        });
        expect(res.status).to.equal(200);
        const row = page.locator('[data-kind="action"][data-name="calibrate"] tbody tr').first();
        const deadline = Date.now() + 10_000;
        let cells: string[] = [];
        while (Date.now() < deadline) {
            cells = await row.locator("td").allTextContents();
            if (cells[1] === '{"offset":0.25}') break;
            await new Promise((r) => setTimeout(r, 100));
        }
        expect(cells[1]).to.equal('{"offset":0.25}');
        expect(JSON.parse(cells[2])).to.deep.equal({ offset: 0.25, applied: true });
        expect(cells[3]).to.match(/^\d+(\.\d)? ms$/);
        expect(cells[4]).to.match(/^127\.0\.0\.1:\d+$/);
        expect(cells[5]).to.equal("http");
        await screenshot(page, "action-log");
    });

    it("the device killed a few seconds and restarted: the liveness timeline shows the lost interval, the plot a gap", async function () {
        process.kill(devicePid, "SIGKILL");
        await waitForState(page, (s) => s.liveness.lost.length > 0, 30_000, "the device lost on the liveness timeline");
        await new Promise((r) => setTimeout(r, 3000)); // lost for a few seconds
        device = new NodeProcess(["dist/examples/sensor-device.js"], { SENSOR_PORT: String(devicePort) });
        await device.waitForOutput("simulated");
        const s = await waitForState(
            page,
            (st) => {
                const segs = st.liveness.segments;
                const lost = segs.findIndex((x) => x.label === "lost");
                return lost >= 0 && segs.slice(lost + 1).some((x) => x.label === "alive");
            },
            30_000,
            "alive again after the lost interval"
        );
        const lost = s.liveness.lost[0];
        expect(lost.toMs - lost.fromMs).to.be.greaterThan(2000);
        // new temperatures after the return: the gap sits between points
        await waitForState(
            page,
            (st) => (st.views["property:temperature"]?.gaps ?? []).some((g) => g.reason === "device-lost" && !g.open),
            15_000,
            "the lost interval as a closed gap of the temperature plot"
        );
        const t = (await dashboardState(page)).views["property:temperature"];
        expect(t.bridged).to.equal(0);
        expect(
            await page.locator('[data-plot="temperature"] .gap[data-reason="device-lost"]').count()
        ).to.be.greaterThan(0);
        expect(await page.locator("#liveness .seg.lost").count()).to.be.greaterThan(0);
        expect(await page.locator('[data-plot="temperature"] .gap-handle').first().getAttribute("data-tip")).to.match(
            /^gap: device lost\n/
        );
        await screenshot(page, "device-lost-gap");
        const wide = page.viewportSize()!;
        await page.setViewportSize({ width: 390, height: 844 });
        await page.reload();
        await waitForState(
            page,
            (st) => (st.views["property:temperature"]?.gaps ?? []).some((g) => g.reason === "device-lost" && !g.open),
            15_000,
            "the lost interval on a phone"
        );
        await screenshot(page, "device-lost-gap-phone");
        await page.setViewportSize(wide);
        await page.reload();
        // the demo's dashboard, from its start: the screenshot the README shows
        await showRange(page, startedAt - 5000, Date.now() + 2000);
        await waitForState(
            page,
            (st) => st.live === undefined && (st.views["property:temperature"]?.points ?? 0) > 0,
            10_000,
            "the demo's range"
        );
        await new Promise((r) => setTimeout(r, 500));
        const file = await screenshot(page, "demo");
        // and on a phone, its first screen
        const desktop = page.viewportSize()!;
        await page.setViewportSize({ width: 390, height: 844 });
        await page.reload(); // as a phone opens it: the address keeps the range
        await waitForState(
            page,
            (st) => st.live === undefined && (st.views["property:temperature"]?.points ?? 0) > 0,
            10_000,
            "the demo's range on a phone"
        );
        await new Promise((r) => setTimeout(r, 500));
        const phone = path.join(SCREENSHOTS, "demo-phone.png");
        await page.screenshot({ path: phone });
        await page.setViewportSize(desktop);
        if (process.env.UPDATE_DOCS_SCREENSHOT === "1") {
            fs.copyFileSync(file, path.join(ROOT, "docs", "dashboard.png"));
            fs.copyFileSync(phone, path.join(ROOT, "docs", "dashboard-phone.png"));
        }
    });
});
