import { expect } from "chai";
import { exposeSensor } from "../../helpers/sensor-thing";
import { startVo, VoFixture } from "../../helpers/vo-fixture";
import { httpRequest, recordsOf } from "./http-helpers";

const THING = "urn:dev:ops:environment-sensor-1";

// binding-http 0.9.2 routes /observable for every property; for one that is not observable node-wot's
// handleObserveProperty throws in a route nobody awaits: an unhandled rejection and no answer at all.
describe("observing a property that is not observable: 405 at once, recorded (real server on 127.0.0.1)", function () {
    this.timeout(20_000);
    let vo: VoFixture;
    let base: string;

    before(async function () {
        vo = await startVo();
        await exposeSensor(vo.wot);
        base = `http://127.0.0.1:${vo.httpPort}/environmentsensor/properties`;
    });
    after(async function () {
        await vo?.close();
    });

    it("answers GET 405 with an empty Allow within a second, naming where to read it, and records the refusal", async function () {
        const res = await httpRequest(`${base}/humidity/observable`, { timeoutMs: 1000 });
        expect(res.status).to.equal(405);
        expect(res.headers.allow).to.equal("");
        expect(res.body.toString()).to.equal(
            'property "humidity" is not observable; read it with GET /environmentsensor/properties/humidity\n'
        );
        const rows = await recordsOf(vo, THING, "property", "humidity");
        expect(rows.map((r) => [r.op, r.ok, r.protocol])).to.deep.equal([["observeproperty", false, "http"]]);
        expect(rows[0].error).to.include("not observable");
        expect(await vo.vo.state.listObservers()).to.deep.equal([]);
    });

    it("answers every other method there 405 as well, without a record; an unknown property stays 404", async function () {
        for (const method of ["HEAD", "OPTIONS", "DELETE"]) {
            const res = await httpRequest(`${base}/label/observable`, { method, timeoutMs: 1000 });
            expect(res.status, method).to.equal(405);
            expect(res.headers.allow, method).to.equal("");
        }
        expect(await recordsOf(vo, THING, "property", "label")).to.deep.equal([]);
        expect((await httpRequest(`${base}/nothing/observable`, { timeoutMs: 1000 })).status).to.equal(404);
    });
});
