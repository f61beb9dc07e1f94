import { expect } from "chai";
import { ContentSerdes } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import { exposeSensor, SensorState } from "../../helpers/sensor-thing";
import { startVo, VoFixture, waitFor } from "../../helpers/vo-fixture";
import { httpHref, httpRequest, lastRecordOf, recordsOf } from "./http-helpers";

const THING = "urn:dev:ops:environment-sensor-1";
const CBOR = "application/cbor";
const JSON_TYPE = "application/json";

function decode(type: string, body: Buffer): unknown {
    return ContentSerdes.get().contentToValue({ type, body }, {});
}

// binding-http 0.9.2 answers in the type of the form whose contentType equals the request's
// Content-Type and ignores Accept, so a GET asking for CBOR got JSON; http-content-negotiation.ts
// chooses among the types the TD's forms list for the affordance, by Accept as RFC 9110 reads it.
describe("HTTP content negotiation by Accept (real clients on 127.0.0.1)", function () {
    this.timeout(20_000);
    let vo: VoFixture;
    let td: WoT.ThingDescription;
    let thing: WoT.ExposedThing;
    let state: SensorState;

    before(async function () {
        vo = await startVo();
        ({ td, thing, state } = await exposeSensor(vo.wot));
    });
    after(async function () {
        await vo?.close();
    });

    it("the served TD offers every HTTP affordance in JSON and CBOR", function () {
        const affordances = [
            ...Object.values(td.properties!),
            ...Object.values(td.actions!),
            ...Object.values(td.events!),
            { forms: td.forms! },
        ];
        for (const a of affordances) {
            const types = new Set(a.forms.filter((f) => f.href.startsWith("http:")).map((f) => f.contentType));
            expect([...types]).to.deep.equal([JSON_TYPE, CBOR]);
        }
    });

    it("answers a read in CBOR when Accept asks for it, recorded as any read", async function () {
        const res = await httpRequest(httpHref(td.properties!.humidity), { headers: { accept: CBOR } });
        expect(res.status).to.equal(200);
        expect(res.headers["content-type"]).to.equal(CBOR);
        expect(decode(CBOR, res.body)).to.equal(40);
        expect(await lastRecordOf(vo, THING, "property", "humidity")).to.include({
            op: "readproperty",
            ok: true,
            value: 40,
        });
    });

    it("weighs media ranges and q-values as RFC 9110 says", async function () {
        const cases: [string, string | 406][] = [
            [JSON_TYPE, JSON_TYPE],
            [CBOR, CBOR],
            ["APPLICATION/CBOR", CBOR],
            ["application/cbor;q=0.5, application/json", JSON_TYPE],
            ["application/json;q=0.1, application/*;q=0.9", CBOR],
            ["*/*;q=0.1, application/cbor", CBOR],
            ["application/*", JSON_TYPE],
            ["*/*", JSON_TYPE],
            ["text/html, application/cbor;q=0.2", CBOR],
            ["application/json;q=0, */*", CBOR],
            ["application/json; q=0.001, application/cbor; q=0.002", CBOR],
            ["text/plain", 406],
            ["application/json;q=0, application/cbor;q=0", 406],
        ];
        for (const [accept, expected] of cases) {
            const res = await httpRequest(httpHref(td.properties!.humidity), { headers: { accept } });
            if (expected === 406) {
                expect(res.status, accept).to.equal(406);
                continue;
            }
            expect(res.status, accept).to.equal(200);
            expect(res.headers["content-type"], accept).to.equal(expected);
            expect(decode(expected, res.body), accept).to.equal(40);
        }
    });

    it("answers 406 naming the types offered, recorded as a refused read", async function () {
        const res = await httpRequest(httpHref(td.properties!.humidity), { headers: { accept: "text/plain" } });
        expect(res.status).to.equal(406);
        expect(res.body.toString()).to.equal(
            "not acceptable: Accept: text/plain; this resource is offered as application/json, application/cbor\n"
        );
        const r = await lastRecordOf(vo, THING, "property", "humidity");
        expect(r).to.include({ op: "readproperty", ok: false, protocol: "http" });
        expect(r.error).to.include("not acceptable");
    });

    it("sends an observed change in CBOR", async function () {
        const observeHref = td.properties!.temperature.forms.find(
            (f) =>
                f.href.startsWith("http:") && f.contentType === JSON_TYPE && [f.op].flat().includes("observeproperty")
        )!.href;
        const observes = async () =>
            (await recordsOf(vo, THING, "property", "temperature")).filter((r) => r.op === "observeproperty").length;
        const before = await observes();
        const answer = httpRequest(observeHref, { headers: { accept: CBOR } });
        await waitFor(async () => (await observes()) > before, 5000, "the observation");
        state.temperature = 30;
        await thing.emitPropertyChange("temperature");
        const res = await answer;
        expect(res.status).to.equal(200);
        expect(res.headers["content-type"]).to.equal(CBOR);
        expect(decode(CBOR, res.body)).to.equal(30);
    });

    it("sends an event in CBOR", async function () {
        const subscribes = async () =>
            (await recordsOf(vo, THING, "event", "overheat")).filter((r) => r.op === "subscribeevent").length;
        const before = await subscribes();
        const answer = httpRequest(httpHref(td.events!.overheat), {
            headers: { accept: `${CBOR}, ${JSON_TYPE};q=0.5` },
        });
        await waitFor(async () => (await subscribes()) > before, 5000, "the subscription");
        thing.emitEvent("overheat", { temperature: 85 });
        const res = await answer;
        expect(res.status).to.equal(200);
        expect(res.headers["content-type"]).to.equal(CBOR);
        expect(decode(CBOR, res.body)).to.deep.equal({ temperature: 85 });
    });

    it("answers readallproperties in CBOR, each property recorded", async function () {
        const href = td.forms!.find(
            (f) => f.href.startsWith("http:") && [f.op].flat().includes("readallproperties")
        )!.href;
        const res = await httpRequest(href, { headers: { accept: CBOR } });
        expect(res.status).to.equal(200);
        expect(res.headers["content-type"]).to.equal(CBOR);
        const all = decode(CBOR, res.body) as Record<string, unknown>;
        expect(all).to.include({ humidity: 40, label: "lab", enabled: true });
        expect(await lastRecordOf(vo, THING, "property", "label")).to.include({ op: "readallproperties", ok: true });
        const json = await httpRequest(href, { headers: { accept: "application/json" } });
        expect(json.headers["content-type"]).to.equal(JSON_TYPE);
        expect(JSON.parse(json.body.toString())).to.deep.equal(all);
    });

    it("answers an action in the type of its input, or 406 when Accept refuses it", async function () {
        const calibrate = httpHref(td.actions!.calibrate);
        const refused = await httpRequest(calibrate, {
            method: "POST",
            headers: { "content-type": JSON_TYPE, accept: CBOR },
            body: JSON.stringify({ offset: 1 }),
        });
        expect(refused.status).to.equal(406);
        expect(refused.body.toString()).to.include("offered as application/json\n");
        expect(state.offset).to.equal(0);

        const cborInput = (await ContentSerdes.get()
            .valueToContent({ offset: 2 }, undefined, CBOR)
            .toBuffer()) as Buffer;
        const res = await httpRequest(httpHref(td.actions!.calibrate, CBOR), {
            method: "POST",
            headers: { "content-type": CBOR, accept: CBOR },
            body: cborInput,
        });
        expect(res.status).to.equal(200);
        expect(res.headers["content-type"]).to.equal(CBOR);
        expect(decode(CBOR, res.body)).to.deep.equal({ offset: 2, applied: true });
        const r = await lastRecordOf(vo, THING, "action", "calibrate");
        expect(r).to.include({ ok: true, protocol: "http" });
        expect(r.value).to.deep.equal({ offset: 2 });
        state.offset = 0;
    });

    it("node-wot's client reads through a CBOR form", async function () {
        const { startClient } = await import("../../helpers/vo-fixture");
        const client = await startClient();
        try {
            const consumed = await client.wot.consume(td);
            const forms = td.properties!.humidity.forms;
            const formIndex = forms.findIndex((f) => f.href.startsWith("http:") && f.contentType === CBOR);
            expect(await (await consumed.readProperty("humidity", { formIndex })).value()).to.equal(40);
        } finally {
            await client.close();
        }
    });
});
