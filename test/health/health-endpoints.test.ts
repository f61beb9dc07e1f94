import { expect } from "chai";
import { exposeSensor } from "../helpers/sensor-thing";
import { startVo, VoFixture } from "../helpers/vo-fixture";
import { httpRequest, RawAnswer } from "../protocols/http/http-helpers";

/** Asks `url` until `done` holds for its answer, at most `ms`; the last answer. */
async function pollUntil(url: string, done: (a: RawAnswer) => boolean, ms = 15_000): Promise<RawAnswer> {
    const deadline = Date.now() + ms;
    let answer = await httpRequest(url);
    while (!done(answer) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        answer = await httpRequest(url);
    }
    return answer;
}

describe("/livez and /readyz on the VO's HTTP server", function () {
    this.timeout(60_000);
    let vo: VoFixture;
    const url = (p: string) => `http://127.0.0.1:${vo.httpPort}/${p}`;

    beforeEach(async function () {
        vo = await startVo();
        await exposeSensor(vo.wot);
    });
    afterEach(async () => vo?.close());

    it("answers 200 naming each check, in Kubernetes' verbose form, or in JSON when Accept asks for it", async function () {
        const live = await httpRequest(url("livez"));
        expect(live.status).to.equal(200);
        expect(live.headers["content-type"]).to.equal("text/plain; charset=utf-8");
        expect(live.headers["cache-control"]).to.equal("no-store");
        expect(live.body.toString()).to.equal(
            "[+]ping ok: serving\n[+]recorder ok: taking records\nlivez check passed\n"
        );
        const ready = await httpRequest(url("readyz"));
        expect(ready.status).to.equal(200);
        expect(ready.body.toString()).to.match(
            /^\[\+\]sqlite ok: .*vo\.sqlite answers\n\[\+\]timeseries ok: \d+ queued, \d+ written\nreadyz check passed\n$/
        );
        const json = await httpRequest(url("readyz"), { headers: { accept: "application/json" } });
        expect(json.headers["content-type"]).to.equal("application/json");
        const report = JSON.parse(json.body.toString());
        expect(report).to.include({ probe: "readyz", ok: true });
        expect(report.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).to.deep.equal([
            ["sqlite", true],
            ["timeseries", true],
        ]);
    });

    it("answers HEAD and OPTIONS; any other method 405 with Allow", async function () {
        const head = await httpRequest(url("readyz"), { method: "HEAD" });
        expect(head.status).to.equal(200);
        expect(head.body.length).to.equal(0);
        const options = await httpRequest(url("livez"), { method: "OPTIONS" });
        expect(options.status).to.equal(204);
        expect(options.headers.allow).to.equal("GET, HEAD, OPTIONS");
        const del = await httpRequest(url("livez"), { method: "DELETE" });
        expect(del.status).to.equal(405);
        expect(del.headers.allow).to.equal("GET, HEAD, OPTIONS");
        expect(del.body.toString()).to.equal("DELETE is not allowed on /livez; it answers GET, HEAD, OPTIONS\n");
    });

    it("is answered here while the VO redirects its clients elsewhere (health is this process's)", async function () {
        await vo.vo.state.setRedirects(["127.0.0.2:1"]);
        expect((await httpRequest(url("environmentsensor"))).status).to.equal(307);
        expect((await httpRequest(url("livez"))).status).to.equal(200);
        expect((await httpRequest(url("readyz"))).status).to.equal(200);
        expect((await httpRequest(url("metrics"))).status).to.equal(200);
    });

    it("/readyz turns 503 with Retry-After, naming timeseries, while SQLite refuses writes; 200 once it takes them again", async function () {
        // query_only: every write is refused with SQLITE_READONLY, as with a file the VO may not write to
        await vo.vo.sqliteDb.executeQuery("PRAGMA query_only = ON");
        const read = await httpRequest(url("environmentsensor/properties/temperature"));
        expect(read.status).to.equal(200); // answered; its record waits in memory
        const down = await pollUntil(url("readyz"), (a) => a.status !== 200);
        expect(down.status).to.equal(503);
        expect(Number(down.headers["retry-after"])).to.be.within(1, 5);
        const text = down.body.toString();
        expect(text).to.match(/^\[-\]timeseries failed: records not taken: the store is failing: .*readonly/m);
        expect(text).to.include("[+]sqlite ok:");
        expect(text).to.match(/\nreadyz check failed\n$/);
        // alive all the same: a restart would not mend a store that refuses writes
        expect((await httpRequest(url("livez"))).status).to.equal(200);

        await vo.vo.sqliteDb.executeQuery("PRAGMA query_only = OFF");
        const up = await pollUntil(url("readyz"), (a) => a.status === 200);
        expect(up.status, up.body.toString()).to.equal(200);
        await vo.vo.flush();
        expect(vo.vo.stats()).to.include({ dropped: 0, queued: 0 });
    });

    it("after vo.close() with the servers still up: /readyz 503 naming sqlite and timeseries, /livez 503 naming recorder", async function () {
        await vo.vo.close();
        const ready = await httpRequest(url("readyz"));
        expect(ready.status).to.equal(503);
        expect(ready.headers["retry-after"]).to.equal("5");
        expect(ready.body.toString()).to.match(/^\[-\]sqlite failed: SQLite database .* is closed$/m);
        expect(ready.body.toString()).to.match(/^\[-\]timeseries failed: records not taken: the recorder is closed/m);
        const live = await httpRequest(url("livez"));
        expect(live.status).to.equal(503);
        expect(live.body.toString()).to.equal(
            "[+]ping ok: serving\n[-]recorder failed: closed: interactions are no longer recorded\nlivez check failed\n"
        );
        expect(live.headers["retry-after"]).to.equal("5");
    });

    it("runs checks a VO adds (vo.health.add), and answers a check that hangs as failed within a second", async function () {
        const remove = vo.vo.health.add("readyz", "warm-up", () => ({
            ok: false,
            detail: "loading",
            retryAfterSeconds: 2,
        }));
        const r = await httpRequest(url("readyz"));
        expect(r.status).to.equal(503);
        expect(r.headers["retry-after"]).to.equal("2");
        expect(r.body.toString()).to.include("[-]warm-up failed: loading\n");
        remove();
        vo.vo.health.add("readyz", "stuck", () => new Promise(() => undefined));
        const started = Date.now();
        const stuck = await httpRequest(url("readyz"));
        expect(Date.now() - started).to.be.below(1500);
        expect(stuck.status).to.equal(503);
        expect(stuck.body.toString()).to.include("[-]stuck failed: no answer in 900 ms\n");
    });
});
