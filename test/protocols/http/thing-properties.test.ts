import { expect } from "chai";
import { ContentSerdes } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import { exposeSensor, SensorState } from "../../helpers/sensor-thing";
import { startVo, VoFixture } from "../../helpers/vo-fixture";
import { httpRequest, lastRecordOf, recordsOf } from "./http-helpers";

const THING = "urn:dev:ops:environment-sensor-1";
const JSON_HEADERS = { "content-type": "application/json" };

// binding-http 0.9.2 routes only GET on /:thing/properties, yet its TDs list writeallproperties and
// writemultipleproperties there (one form, no method: PUT for both by the TD 1.1 defaults), and PUT,
// PATCH and POST answered 404. http-td-forms.ts gives each operation its own form and method,
// http-thing-properties.ts serves them.
describe("HTTP writeallproperties (PUT) and writemultipleproperties (PATCH) (real clients on 127.0.0.1)", function () {
    let vo: VoFixture;
    let td: WoT.ThingDescription;
    let state: SensorState;
    let href: string;

    before(async function () {
        vo = await startVo();
        ({ td, state } = await exposeSensor(vo.wot));
        href = td.forms!.find((f) => f.href.startsWith("http:"))!.href;
    });
    after(async function () {
        await vo?.close();
    });

    it("the served TD has one form per operation with its method, and no readmultipleproperties", function () {
        const forms = td.forms!.filter((f) => f.href.startsWith("http:") && f.contentType === "application/json");
        const byOp = forms.map((f) => [[f.op].flat().join(","), (f as Record<string, unknown>)["htv:methodName"]]);
        expect(byOp).to.deep.equal([
            ["readallproperties", "GET"],
            ["writeallproperties", "PUT"],
            ["writemultipleproperties", "PATCH"],
            ["readallproperties", "GET"],
            ["writeallproperties", "PUT"],
            ["writemultipleproperties", "PATCH"],
        ]);
        expect(new Set(forms.map((f) => f.href)).size).to.equal(2); // under the title's slug and the id
    });

    it("PATCH writes some properties, each through its handler and recorded", async function () {
        const res = await httpRequest(href, {
            method: "PATCH",
            headers: JSON_HEADERS,
            body: JSON.stringify({ label: "patched", samplingInterval: 20 }),
        });
        expect(res.status).to.equal(204);
        expect(state).to.include({ label: "patched", samplingInterval: 20, enabled: true });
        const label = await lastRecordOf(vo, THING, "property", "label");
        expect(label).to.include({ op: "writemultipleproperties", ok: true, value: "patched", protocol: "http" });
        expect(label.origin).to.match(/^127\.0\.0\.1:\d+$/);
        expect(await lastRecordOf(vo, THING, "property", "samplingInterval")).to.include({ value: 20, ok: true });
    });

    it("PUT writes every writable property, and refuses a body missing one, naming it", async function () {
        const all = { samplingInterval: 5, enabled: false, label: "all", location: { room: "C", floor: 0, tags: [] } };
        const missing = await httpRequest(href, {
            method: "PUT",
            headers: JSON_HEADERS,
            body: JSON.stringify({ label: "only" }),
        });
        expect(missing.status).to.equal(400);
        expect(missing.body.toString()).to.include('missing "samplingInterval", "enabled", "location"');
        expect(state.label).to.equal("patched");

        const res = await httpRequest(href, { method: "PUT", headers: JSON_HEADERS, body: JSON.stringify(all) });
        expect(res.status).to.equal(204);
        expect(state).to.deep.include(all);
        // recorded under the operation the client asked for, not the node-wot method that served it
        expect(await lastRecordOf(vo, THING, "property", "label")).to.include({
            op: "writeallproperties",
            value: "all",
        });
    });

    it("checks the whole request first: 400 naming each problem, nothing written, each refused write recorded", async function () {
        const before = { ...state };
        const labelRecords = (await recordsOf(vo, THING, "property", "label")).length;
        const res = await httpRequest(href, {
            method: "PATCH",
            headers: JSON_HEADERS,
            body: JSON.stringify({ label: "never", humidity: 1, samplingInterval: 0, nosuch: 1 }),
        });
        expect(res.status).to.equal(400);
        const text = res.body.toString();
        expect(text).to.include('property "humidity" is read-only');
        expect(text).to.include('property "samplingInterval": the value must be >= 1');
        expect(text).to.include('no property "nosuch"');
        expect(text).to.include("nothing written");
        expect(state).to.deep.equal(before);
        expect(await recordsOf(vo, THING, "property", "label")).to.have.length(labelRecords); // valid, not written
        expect(await lastRecordOf(vo, THING, "property", "humidity")).to.include({
            op: "writemultipleproperties",
            ok: false,
            value: 1,
        });
        const interval = await lastRecordOf(vo, THING, "property", "samplingInterval");
        expect(interval).to.include({ op: "writemultipleproperties", ok: false, value: 0, protocol: "http" });
        expect(interval.error).to.include("must be >= 1");
    });

    it("refuses malformed JSON and what is not an object of name: value", async function () {
        for (const body of ['{"label":', "[1]", "42", ""]) {
            const res = await httpRequest(href, { method: "PATCH", headers: JSON_HEADERS, body });
            expect(res.status, body).to.equal(400);
            expect(res.body.toString(), body).to.include("nothing written");
        }
        const malformed = await httpRequest(href, { method: "PATCH", headers: JSON_HEADERS, body: '{"label":' });
        expect(malformed.body.toString()).to.match(/^writemultipleproperties: body is malformed JSON: /);
        expect(state.label).to.equal("all");
    });

    it("takes a CBOR body, as the TD's CBOR forms say", async function () {
        const body = await ContentSerdes.get()
            .valueToContent({ label: "cbor", enabled: true }, undefined, "application/cbor")
            .toBuffer();
        const res = await httpRequest(href, { method: "PATCH", headers: { "content-type": "application/cbor" }, body });
        expect(res.status).to.equal(204);
        expect(state).to.include({ label: "cbor", enabled: true });
    });

    it("answers POST, which no form declares, 405 with the methods that are served", async function () {
        const res = await httpRequest(href, { method: "POST", headers: JSON_HEADERS, body: '{"label":"post"}' });
        expect(res.status).to.equal(405);
        expect(res.headers.allow).to.equal("GET, PUT, PATCH, OPTIONS");
        expect(state.label).to.equal("cbor");
    });
});
