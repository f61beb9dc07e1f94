import { expect } from "chai";
import { exposeSensor, SensorState } from "../../helpers/sensor-thing";
import { startVo, VoFixture } from "../../helpers/vo-fixture";
import { httpRequest, recordsOf } from "./http-helpers";

const THING = "urn:dev:ops:environment-sensor-1";
const JSON_TYPE = { "content-type": "application/json" };

// binding-http 0.9.2 hands an empty body to the handler, whose value() throws node-wot's DataSchemaError:
// "500 Invalid value according to DataSchema", recorded as a valid value that failed (http-empty-body.ts).
describe("an empty body where a value is needed: 400 naming it, recorded as invalid (real server on 127.0.0.1)", function () {
    this.timeout(20_000);
    let vo: VoFixture;
    let base: string;
    let state: SensorState;

    before(async function () {
        vo = await startVo();
        ({ state } = await exposeSensor(vo.wot));
        base = `http://127.0.0.1:${vo.httpPort}/environmentsensor`;
    });
    after(async function () {
        await vo?.close();
    });

    const framings: [string, Record<string, string>][] = [
        ["Content-Length: 0", JSON_TYPE],
        ["an empty chunked body", { ...JSON_TYPE, "transfer-encoding": "chunked" }],
    ];

    it("refuses a property write without a body, however it is framed, and writes nothing", async function () {
        const before = (await recordsOf(vo, THING, "property", "label")).length;
        for (const [framing, headers] of framings) {
            const res = await httpRequest(`${base}/properties/label`, { method: "PUT", headers, body: "" });
            expect(res.status, framing).to.equal(400);
            expect(res.body.toString(), framing).to.equal(
                'property "label": the body is empty; a value is expected (string)\n'
            );
        }
        expect(state.label).to.equal("lab");
        const rows = (await recordsOf(vo, THING, "property", "label")).slice(before);
        expect(rows.map((r) => [r.op, r.ok, r.valid])).to.deep.equal(
            framings.map(() => ["writeproperty", false, false])
        );
        expect(rows[0].error).to.include("the body is empty");
    });

    it("refuses an action without the input its schema needs; an action without input still runs", async function () {
        const res = await httpRequest(`${base}/actions/calibrate`, { method: "POST", headers: JSON_TYPE, body: "" });
        expect(res.status).to.equal(400);
        expect(res.body.toString()).to.include('input of action "calibrate": the body is empty');
        expect(res.body.toString()).to.include('object with "offset"');
        const [row] = (await recordsOf(vo, THING, "action", "calibrate")).slice(-1);
        expect([row.op, row.ok, row.valid]).to.deep.equal(["invokeaction", false, false]);

        const reset = await httpRequest(`${base}/actions/reset`, { method: "POST", headers: JSON_TYPE, body: "" });
        expect(reset.status).to.equal(204);
        expect(state.resets).to.equal(1);
    });

    it("answers a body breaking the schema 400 as well, not 500", async function () {
        const res = await httpRequest(`${base}/properties/samplingInterval`, {
            method: "PUT",
            headers: JSON_TYPE,
            body: '"often"',
        });
        expect(res.status).to.equal(400);
        expect(res.body.toString()).to.include("must be integer");
        const [row] = (await recordsOf(vo, THING, "property", "samplingInterval")).slice(-1);
        expect([row.ok, row.valid]).to.deep.equal([false, false]);
    });
});
