import { expect } from "chai";
import { exposeSensor } from "../../helpers/sensor-thing";
import { startVo, VoFixture } from "../../helpers/vo-fixture";
import { httpRequest, recordsOf } from "./http-helpers";

const THING = "urn:dev:ops:environment-sensor-1";

// JSON.stringify overflows the stack past a few thousand levels of nesting: the record of a refused
// body that deep was dropped ("could not record ... Maximum call stack size exceeded") while the client
// got its 400. Every refusal is recorded, whatever the depth (src/model/value-check.ts, limitValue).
describe("a JSON body nested thousands of levels deep: 400 and recorded (real server on 127.0.0.1)", function () {
    this.timeout(20_000);
    let vo: VoFixture;
    let base: string;

    before(async function () {
        vo = await startVo();
        await exposeSensor(vo.wot);
        base = `http://127.0.0.1:${vo.httpPort}/environmentsensor`;
    });
    after(async function () {
        await vo?.close();
    });

    for (const [kind, name, path] of [
        ["property", "location", "/properties/location"],
        ["action", "calibrate", "/actions/calibrate"],
    ] as const) {
        it(`records each refused ${kind} body, 2 000 to 200 000 levels deep, as text flagged truncated`, async function () {
            const before = (await recordsOf(vo, THING, kind, name)).length;
            const depths = [2000, 5000, 200_000];
            for (const depth of depths) {
                const res = await httpRequest(`${base}${path}`, {
                    method: kind === "property" ? "PUT" : "POST",
                    headers: { "content-type": "application/json" },
                    body: "[".repeat(depth) + "]".repeat(depth),
                });
                expect(res.status, `${depth} levels`).to.equal(400);
                expect(res.body.toString(), `${depth} levels`).to.include("must be object");
            }
            const rows = (await recordsOf(vo, THING, kind, name)).slice(before);
            expect(rows.map((r) => [r.ok, r.valid])).to.deep.equal(depths.map(() => [false, false]));
            for (const row of rows.slice(1)) {
                expect(row.truncated).to.equal(true);
                expect(String(row.value)).to.match(/^\[{100}/);
            }
        });
    }
});
