import { expect } from "chai";
import { CborCodec } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import { exposeSensor } from "../../helpers/sensor-thing";
import { startVo, VoFixture, waitFor } from "../../helpers/vo-fixture";
import { coapRequest, emptyAck, libcoap, OPTION, pathOptions, rawSocket } from "./coap-clients";

const THING = "urn:dev:ops:environment-sensor-1";
const cbor = new CborCodec();
const fromCbor = (body: Buffer) => cbor.bytesToValue(body, {} as never);
const toCbor = (value: unknown) => cbor.valueToBytes(value as never, {} as never);

// binding-coap 0.8.16 ignores the Accept option on everything but a TD: it picks the form by the request's
// Content-Format, so a client asking for CBOR (which the served TD offers on every CoAP affordance) got JSON.
describe("CoAP content negotiation through VoCoapServer", function () {
    this.timeout(20_000);
    let vo: VoFixture;
    let thing: WoT.ExposedThing;
    let td: WoT.ThingDescription;
    let base: string;

    before(async function () {
        vo = await startVo();
        ({ thing, td } = await exposeSensor(vo.wot));
        base = `coap://127.0.0.1:${vo.coapPort}/environmentsensor`;
    });
    after(async function () {
        await vo?.close();
    });

    it("offers JSON and CBOR on the CoAP forms of the served TD", function () {
        const types = (forms: { href: string; contentType?: string }[]) =>
            [...new Set(forms.filter((f) => f.href.startsWith("coap:")).map((f) => f.contentType))].sort();
        expect(types(td.properties!.temperature.forms)).to.deep.equal(["application/cbor", "application/json"]);
        expect(types(td.events!.overheat.forms)).to.deep.equal(["application/cbor", "application/json"]);
        expect(types(td.forms!)).to.deep.equal(["application/cbor", "application/json"]);
    });

    it("answers a read, a read of all properties and an action in the format Accept asks for", async function () {
        const read = await coapRequest(`${base}/properties/humidity`, { accept: "application/cbor" });
        expect([read.code, read.headers["Content-Format"], fromCbor(read.body)]).to.deep.equal([
            "2.05",
            "application/cbor",
            40,
        ]);
        const json = await coapRequest(`${base}/properties/humidity`);
        expect([json.headers["Content-Format"], JSON.parse(json.text)]).to.deep.equal(["application/json", 40]);
        const all = await coapRequest(`${base}/properties`, { accept: "application/cbor" });
        expect(all.headers["Content-Format"]).to.equal("application/cbor");
        expect(fromCbor(all.body)).to.include({ humidity: 40, label: "lab" });
        const action = await coapRequest(`${base}/actions/calibrate`, {
            method: "POST",
            payload: JSON.stringify({ offset: 1 }),
            accept: "application/cbor",
        });
        expect([action.code, fromCbor(action.body)]).to.deep.equal(["2.05", { offset: 1, applied: true }]);
        // libcoap's -A takes the Content-Format number: 60 is application/cbor
        const viaLibcoap = await libcoap(["-m", "get", "-A", "60", `${base}/properties/label`]);
        expect(viaLibcoap.code).to.equal("2.05");
        expect(viaLibcoap.pdus.some((l) => /c:2\.05 .*Content-Format:application\/cbor/.test(l))).to.equal(true);
    });

    it("answers 4.06 naming what is offered for a format the TD does not offer", async function () {
        for (const accept of ["application/xml", "text/plain"]) {
            const r = await coapRequest(`${base}/properties/humidity`, { accept });
            expect([r.code, r.text]).to.deep.equal([
                "4.06",
                `Accept ${accept} is not offered for readproperty; offered: application/json, application/cbor`,
            ]);
        }
        const event = await coapRequest(`${base}/events/overheat`, { observe: true, accept: "application/xml" });
        expect(event.code).to.equal("4.06");
        expect(event.text).to.match(/offered: application\/json, application\/cbor$/);
        expect((await libcoap(["-m", "get", "-A", "41", `${base}/properties/humidity`])).code).to.equal("4.06");
        const action = await coapRequest(`${base}/actions/calibrate`, {
            method: "POST",
            payload: JSON.stringify({ offset: 1 }),
            accept: "application/xml",
        });
        expect(action.code).to.equal("4.06");

        // each refusal recorded, as binding-http's 406 are
        await vo.vo.flush();
        const refused = async (kind: "property" | "action" | "event", name: string) =>
            (await vo.vo.history({ thing: THING, kind, name })).filter((r) => !r.ok).map((r) => [r.op, r.error]);
        const offered = /is not offered for \w+; offered: application\/json, application\/cbor$/;
        const humidity = await refused("property", "humidity");
        expect(humidity.map(([op]) => op)).to.deep.equal(["readproperty", "readproperty", "readproperty"]);
        for (const [, error] of humidity) expect(error).to.match(offered);
        expect((await refused("event", "overheat")).map(([op]) => op)).to.deep.equal(["subscribeevent"]);
        expect((await refused("action", "calibrate")).map(([op]) => op)).to.deep.equal(["invokeaction"]);
    });

    it("sends the notifications of an observation and of an event subscription in CBOR when asked", async function () {
        const received: { token: string; payload: Buffer; format?: number }[] = [];
        const socket = await rawSocket((m) => {
            const format = m.options.find(([n]) => n === OPTION.ContentFormat)?.[1];
            received.push({ token: m.token.toString("hex"), payload: m.payload, format: format?.[0] });
            if (m.type === "CON") socket.send(emptyAck(m.messageId), vo.coapPort);
        });
        try {
            const accept: [number, Buffer] = [OPTION.Accept, Buffer.from([60])];
            const observe: [number, Buffer] = [OPTION.Observe, Buffer.alloc(0)];
            for (const [token, path] of [
                ["01", "properties/temperature"],
                ["02", "events/overheat"],
            ]) {
                socket.send(
                    {
                        type: "CON",
                        code: "0.01",
                        messageId: Number.parseInt(token, 16),
                        token: Buffer.from(token, "hex"),
                        options: [observe, accept, ...pathOptions(`${base}/${path}`)],
                        payload: Buffer.alloc(0),
                    },
                    vo.coapPort
                );
            }
            await waitFor(() => received.length >= 2, 5000, "both registrations answered");
            thing.emitPropertyChange("temperature");
            thing.emitEvent("overheat", { temperature: 90 });
            await waitFor(() => received.filter((r) => r.payload.length > 0).length >= 3, 5000, "the notifications");
            const values = received.filter((r) => r.payload.length > 0);
            expect(values.every((r) => r.format === 60)).to.equal(true);
            const temperature = JSON.parse((await coapRequest(`${base}/properties/temperature`)).text) as number;
            expect(values.map((r) => [r.token, fromCbor(r.payload)])).to.have.deep.members([
                ["01", temperature], // the current value, answering the registration
                ["01", temperature], // the change
                ["02", { temperature: 90 }],
            ]);
        } finally {
            socket.close();
        }
    });

    it("decodes a CBOR write (Content-Format 60) as CBOR, and records the value", async function () {
        const location = { room: "B-2", floor: 1, tags: ["cbor"] };
        const put = await coapRequest(`${base}/properties/location`, {
            method: "PUT",
            payload: toCbor(location),
            contentFormat: "application/cbor",
        });
        expect(put.code).to.equal("2.04");
        const read = await coapRequest(`${base}/properties/location`);
        expect(JSON.parse(read.text)).to.deep.equal(location);
        await vo.vo.flush();
        const [row] = await vo.vo.history({
            thing: THING,
            kind: "property",
            name: "location",
            descending: true,
            limit: 2,
        });
        expect(row).to.include({ op: "readproperty", ok: true });
        const [, write] = await vo.vo.history({
            thing: THING,
            kind: "property",
            name: "location",
            descending: true,
            limit: 2,
        });
        expect(write).to.include({ op: "writeproperty", ok: true, valid: true });
        expect(write.value).to.deep.equal(location);
    });
});
