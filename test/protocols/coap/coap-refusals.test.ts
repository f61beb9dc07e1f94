import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { exposeSensor } from "../../helpers/sensor-thing";
import { startVo, VoFixture } from "../../helpers/vo-fixture";
import { coapRequest, libcoap } from "./coap-clients";

const THING = "urn:dev:ops:environment-sensor-1";

describe("CoAP refusals and meta operations through VoCoapServer", function () {
    this.timeout(20_000);
    let vo: VoFixture;
    let td: WoT.ThingDescription;
    let second: WoT.ThingDescription;
    let base: string;

    before(async function () {
        vo = await startVo();
        ({ td } = await exposeSensor(vo.wot));
        ({ td: second } = await exposeSensor(vo.wot, { id: "urn:dev:ops:environment-sensor-2" }));
        base = `coap://127.0.0.1:${vo.coapPort}/environmentsensor`;
    });
    after(async function () {
        await vo?.close();
    });

    async function last(kind: "property" | "action", name: string) {
        await vo.vo.flush();
        const [row] = await vo.vo.history({ thing: THING, kind, name, descending: true, limit: 1 });
        return row;
    }

    // binding-coap 0.8.16 answers "4.00 Property readOnly" itself, before node-wot sees the write: nothing recorded.
    it("answers a PUT to a readOnly property 4.05 and records it refused", async function () {
        const r = await coapRequest(`${base}/properties/humidity`, { method: "PUT", payload: "55" });
        expect([r.code, r.text]).to.deep.equal(["4.05", 'property "humidity" is read-only']);
        expect(await last("property", "humidity")).to.include({ op: "writeproperty", ok: false, value: 55 });
        expect((await libcoap(["-m", "put", "-e", "56", `${base}/properties/temperature`])).code).to.equal("4.05");
        expect(await last("property", "temperature")).to.include({ op: "writeproperty", ok: false, value: 56 });
    });

    it("answers a malformed JSON write 4.00 naming the problem, and records it refused", async function () {
        const r = await coapRequest(`${base}/properties/location`, { method: "PUT", payload: '{"a":' });
        expect(r.code).to.equal("4.00");
        expect(r.text).to.match(/^property "location": body is malformed JSON: /);
        expect(await last("property", "location")).to.include({ op: "writeproperty", ok: false, valid: false });
    });

    it("answers a write or an action input that breaks its schema 4.00 with the schema's message", async function () {
        const write = await coapRequest(`${base}/properties/samplingInterval`, { method: "PUT", payload: "0" });
        expect(write.code).to.equal("4.00");
        expect(write.text).to.match(/^property "samplingInterval": .*>= 1/);
        expect(await last("property", "samplingInterval")).to.include({ ok: false, value: 0, valid: false });
        const action = await coapRequest(`${base}/actions/calibrate`, { method: "POST", payload: "{}" });
        expect(action.code).to.equal("4.00");
        expect(action.text).to.match(/^input of action "calibrate": .*offset/);
        expect(await last("action", "calibrate")).to.include({ op: "invokeaction", ok: false, valid: false });
    });

    // node-wot took an empty body for no value and refused it as a server error: "5.00 Invalid value according to
    // DataSchema", recorded as failed with a valid value; the client sent nothing where a value was needed
    it("answers an empty write or action input 4.00 naming what was expected, and records it refused as invalid", async function () {
        const write = await coapRequest(`${base}/properties/samplingInterval`, { method: "PUT" });
        expect([write.code, write.text]).to.deep.equal([
            "4.00",
            'property "samplingInterval": the body is empty; expected an integer in application/json',
        ]);
        expect(await last("property", "samplingInterval")).to.include({ op: "writeproperty", ok: false, valid: false });
        const action = await coapRequest(`${base}/actions/calibrate`, { method: "POST" });
        expect([action.code, action.text]).to.deep.equal([
            "4.00",
            'input of action "calibrate": the body is empty; expected an object in application/json',
        ]);
        expect(await last("action", "calibrate")).to.include({ op: "invokeaction", ok: false, valid: false });
        const viaLibcoap = await libcoap(["-m", "put", "-t", "50", `${base}/properties/location`]);
        expect(viaLibcoap.code).to.equal("4.00");
        expect(await last("property", "location")).to.include({ op: "writeproperty", ok: false, valid: false });
        // an empty text/plain body is the empty string, which a string property takes
        const empty = await coapRequest(`${base}/properties/label`, { method: "PUT", contentFormat: "text/plain" });
        expect(empty.code).to.equal("2.04");
        expect((await coapRequest(`${base}/properties/label`)).text).to.equal('""');
        await coapRequest(`${base}/properties/label`, { method: "PUT", payload: '"lab"' });
        // an action without input needs no body
        expect((await coapRequest(`${base}/actions/reset`, { method: "POST" })).code).to.equal("2.04");
    });

    // binding-coap 0.8.16 reads all properties with handleReadMultipleProperties: the same operation was
    // recorded readallproperties over HTTP and readmultipleproperties over CoAP.
    it("records a GET of all properties as readallproperties, over node-coap and libcoap", async function () {
        const r = await coapRequest(`${base}/properties`);
        expect(r.code).to.equal("2.05");
        expect(JSON.parse(r.text)).to.include({ humidity: 40, label: "lab", enabled: true });
        await vo.vo.flush();
        const names = Object.keys(td.properties!);
        const ops = async () =>
            Promise.all(
                names.map(async (name) => {
                    const [row] = await vo.vo.history({
                        thing: THING,
                        kind: "property",
                        name,
                        descending: true,
                        limit: 1,
                    });
                    return row.op;
                })
            );
        expect(await ops()).to.deep.equal(names.map(() => "readallproperties"));
        // (node-wot's client 0.9.2 reads all properties one readproperty at a time: consumed-thing.js)
        expect((await libcoap(["-m", "get", `${base}/properties`])).code).to.equal("2.05");
        await vo.vo.flush();
        expect(await ops()).to.deep.equal(names.map(() => "readallproperties"));

        // naming some in the body reads those: readmultipleproperties
        const some = await coapRequest(`${base}/properties`, { payload: JSON.stringify(["humidity", "label"]) });
        expect(JSON.parse(some.text)).to.deep.equal({ humidity: 40, label: "lab" });
        expect(await last("property", "humidity")).to.include({ op: "readmultipleproperties" });
        const unknown = await coapRequest(`${base}/properties`, { payload: JSON.stringify(["nope"]) });
        expect([unknown.code, unknown.text]).to.deep.equal([
            "4.04",
            'no readable property "nope" in Thing "EnvironmentSensor"',
        ]);
    });

    it("lists every exposed Thing at GET /", async function () {
        const r = await coapRequest(`coap://127.0.0.1:${vo.coapPort}/`);
        expect(r.code).to.equal("2.05");
        const thingUrl = (t: WoT.ThingDescription) =>
            t.properties!.label.forms.find((f) => f.href.startsWith("coap:"))!.href.replace(/\/properties\/label$/, "");
        expect(JSON.parse(r.text)).to.have.members([thingUrl(td), thingUrl(second)]);
        expect(thingUrl(td)).to.not.equal(thingUrl(second));
    });
});
