import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { exposeSensor, SensorState } from "../../helpers/sensor-thing";
import { startVo, VoFixture } from "../../helpers/vo-fixture";
import { httpHref, httpRequest, lastRecordOf } from "./http-helpers";

const THING = "urn:dev:ops:environment-sensor-1";
const JSON_HEADERS = { "content-type": "application/json" };

// What the recorder refuses before a handler runs, seen from an HTTP client: binding-http 0.9.2
// answers every handler error 500; http-answers.ts answers the refusal's own status.
describe("the recorder's refusals over HTTP, and names that need escaping (real clients on 127.0.0.1)", function () {
    let vo: VoFixture;
    let td: WoT.ThingDescription;
    let state: SensorState;

    before(async function () {
        vo = await startVo();
        ({ td, state } = await exposeSensor(vo.wot));
    });
    after(async function () {
        await vo?.close();
    });

    it("a malformed JSON write: 400 naming the problem, recorded refused with what was sent", async function () {
        const res = await httpRequest(httpHref(td.properties!.location), {
            method: "PUT",
            headers: JSON_HEADERS,
            body: '{"a":',
        });
        expect(res.status).to.equal(400);
        expect(res.body.toString()).to.match(/^property "location": body is malformed JSON: /);
        expect(state.location).to.deep.equal({ room: "A-1", floor: 2, tags: ["north"] });
        const r = await lastRecordOf(vo, THING, "property", "location");
        expect(r).to.include({ op: "writeproperty", protocol: "http", ok: false, valid: false, value: '{"a":' });
        expect(r.error).to.include("malformed JSON");
    });

    it("a write breaking the schema: 400 with the schema's message, recorded refused", async function () {
        const res = await httpRequest(httpHref(td.properties!.samplingInterval), {
            method: "PUT",
            headers: JSON_HEADERS,
            body: "99999",
        });
        expect(res.status).to.equal(400);
        expect(res.body.toString()).to.equal('property "samplingInterval": the value must be <= 3600');
        expect(state.samplingInterval).to.equal(10);
        expect(await lastRecordOf(vo, THING, "property", "samplingInterval")).to.include({
            op: "writeproperty",
            ok: false,
            valid: false,
            value: 99999,
            error: 'property "samplingInterval": the value must be <= 3600',
        });
    });

    it("an action input breaking the schema: 400, the handler not called, recorded refused", async function () {
        const res = await httpRequest(httpHref(td.actions!.calibrate), {
            method: "POST",
            headers: JSON_HEADERS,
            body: JSON.stringify({ offset: "high" }),
        });
        expect(res.status).to.equal(400);
        expect(res.body.toString()).to.equal('input of action "calibrate": /offset must be number');
        expect(state.offset).to.equal(0);
        const r = await lastRecordOf(vo, THING, "action", "calibrate");
        expect(r).to.include({ op: "invokeaction", ok: false, valid: false, protocol: "http" });
        expect(r.value).to.deep.equal({ offset: "high" });
    });

    it("names with spaces, commas, quotes, %, / and newlines reach their property through the TD's href", async function () {
        const names = ["a b", "x,y", 'say "hi"', "it's", "50%", "in/out", "two\nlines"];
        const properties: Record<string, object> = {};
        for (const name of names) properties[name] = { type: "string" };
        const thing = await vo.wot.produce({ title: "Odd Names", id: "urn:test:odd-names", properties });
        const values: Record<string, unknown> = {};
        for (const name of names) {
            values[name] = "initial";
            thing.setPropertyReadHandler(name, async () => values[name] as string);
            thing.setPropertyWriteHandler(name, async (io) => void (values[name] = await io.value()));
        }
        await thing.expose();
        const served = thing.getThingDescription();
        for (const name of names) {
            const href = httpHref(served.properties![name]);
            const write = await httpRequest(href, {
                method: "PUT",
                headers: JSON_HEADERS,
                body: JSON.stringify(`v ${name}`),
            });
            expect(write.status, JSON.stringify(name)).to.equal(204);
            expect(values[name], JSON.stringify(name)).to.equal(`v ${name}`);
            const read = await httpRequest(href);
            expect(JSON.parse(read.body.toString()), JSON.stringify(name)).to.equal(`v ${name}`);
            const r = await lastRecordOf(vo, "urn:test:odd-names", "property", name);
            expect(r, JSON.stringify(name)).to.include({
                name,
                op: "readproperty",
                value: `v ${name}`,
                protocol: "http",
            });
        }
    });
});
