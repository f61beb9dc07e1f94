import { expect } from "chai";
import type { Browser } from "playwright-core";
import { exposeSensor, startVo, VoFixture } from "../helpers/vo-fixture";
import { launchChromium, waitForState } from "./browser";

/** Rows recorded by a protocol (the VO's own emissions, `local`, left out), by Thing, name and op. */
async function remoteRows(fx: VoFixture): Promise<{ thing: string; name: string; op: string; n: number }[]> {
    await fx.vo.flush();
    return (await fx.vo.sqliteDb.executeQuery(
        "SELECT thing, name, op, count(*) AS n FROM ts_interaction WHERE protocol <> 'local' GROUP BY thing, name, op"
    )) as { thing: string; name: string; op: string; n: number }[];
}

describe("dashboard in headless Chromium: its own reads are not recorded", function () {
    this.timeout(60_000);
    let browser: Browser | undefined;
    let fx: VoFixture | undefined;

    before(async function () {
        browser = await launchChromium(this);
        // the status Thing on (the fixture turns it off), its self-check every half second
        fx = await startVo({ vo: { selfCheckIntervalMs: 500 } });
        await exposeSensor(fx);
    });
    after(async () => {
        await browser?.close();
        await fx?.close();
    });

    it("records nothing of an open page's stream and reads, and still records a client's read of the same property", async function () {
        const base = `http://127.0.0.1:${fx!.httpPort}`;
        const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
        const asked: string[] = [];
        page.on("request", (r) => asked.push(new URL(r.url()).pathname));
        await page.goto(`${base}/dashboard/?range=1h#sensor`);
        await waitForState(page, (s) => s.ticks > 1, 15_000, "two live ticks");
        await page.locator("#observers .empty").waitFor({ timeout: 10_000 });
        expect(await page.locator("#observers").textContent()).to.equal("no observers now");
        expect(await page.locator("#redirects").textContent()).to.equal("no redirect: clients are served here");

        const before = await remoteRows(fx!);
        const ticks = (await waitForState(page, () => true, 1000, "state")).ticks;
        await new Promise((r) => setTimeout(r, 4000));
        const after = await waitForState(page, (s) => s.ticks >= ticks + 3, 5000, "three more ticks");
        expect(after.ticks).to.be.at.least(ticks + 3);
        // the lists come through the page's one stream, not read once a second
        expect(asked.filter((p) => p.endsWith("/dashboard/live")).length, "one stream").to.equal(1);
        expect(asked.filter((p) => p.endsWith("/vo-state.json")).length, "no polling of the lists").to.equal(0);
        expect(await remoteRows(fx!), "nothing recorded of the page's reads").to.deep.equal(before);
        expect(before, "nor of its first load").to.deep.equal([]);
        await page.close();

        // the same property read by a client elsewhere is an interaction like any other
        const res = await fetch(`${base}/vostatus/properties/observers`);
        expect(res.status).to.equal(200);
        expect(await res.json()).to.deep.equal([]);
        expect(await remoteRows(fx!)).to.deep.equal([
            { thing: "urn:node-wot-vo:status", name: "observers", op: "readproperty", n: 1 },
        ]);
    });

    it("answers vo-state.json with what the status Thing's properties read, not recorded", async function () {
        const base = `http://127.0.0.1:${fx!.httpPort}`;
        const before = await remoteRows(fx!);
        const res = await fetch(`${base}/dashboard/vo-state.json`);
        expect(res.status).to.equal(200);
        expect(res.headers.get("content-type")).to.equal("application/json");
        expect(res.headers.get("cache-control")).to.equal("no-store");
        const read = async (name: string) => (await fetch(`${base}/vostatus/properties/${name}`)).json();
        expect(await res.json()).to.deep.equal({
            observers: await read("observers"),
            redirects: await read("redirects"),
        });
        expect(await remoteRows(fx!)).to.deep.equal([
            { thing: "urn:node-wot-vo:status", name: "observers", op: "readproperty", n: (before[0]?.n ?? 0) + 1 },
            { thing: "urn:node-wot-vo:status", name: "redirects", op: "readproperty", n: 1 },
        ]);
    });
});
