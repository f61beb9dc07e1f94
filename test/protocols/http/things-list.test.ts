import { expect } from "chai";
import { exposeSensor } from "../../helpers/sensor-thing";
import { startVo, VoFixture } from "../../helpers/vo-fixture";

// binding-http 0.9.2 (routes/things.js, unchanged on node-wot master) walks its Map of Things with
// `for...in` and answers `GET /` with `[]`; http-things-list.ts answers the TD URLs it means to.
describe("HTTP GET / lists the exposed Things (real server on 127.0.0.1)", function () {
    let vo: VoFixture;

    before(async function () {
        vo = await startVo({ vo: { thing: {}, selfCheckIntervalMs: 0 } }); // the VO Thing is exposed too
        await exposeSensor(vo.wot);
        await exposeSensor(vo.wot, { id: "urn:dev:ops:environment-sensor-2" });
    });
    after(async function () {
        await vo?.close();
    });

    it("answers one TD URL per exposed Thing, each serving that Thing's TD", async function () {
        const res = await fetch(`http://127.0.0.1:${vo.httpPort}/`);
        expect(res.status).to.equal(200);
        expect(res.headers.get("content-type")).to.equal("application/json");
        const list = (await res.json()) as string[];
        expect(list).to.have.length(3);
        const ids: string[] = [];
        for (const url of list) {
            expect(url.startsWith(`http://127.0.0.1:${vo.httpPort}/`), url).to.equal(true);
            const td = await fetch(url);
            expect(td.status, url).to.equal(200);
            ids.push(((await td.json()) as { id: string }).id);
        }
        expect(ids.sort()).to.deep.equal([
            "urn:dev:ops:environment-sensor-1",
            "urn:dev:ops:environment-sensor-2",
            "urn:node-wot-vo:status",
        ]);
    });

    it("reads / with a query as / (the path is what names the list)", async function () {
        const res = await fetch(`http://127.0.0.1:${vo.httpPort}/?expanded=false`);
        expect(res.status).to.equal(200);
        expect((await res.json()) as string[]).to.have.length(3);
    });
});
