import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { exposeSensor } from "../../helpers/sensor-thing";
import { ClientFixture, formIndex, startClient, startVo, VoFixture } from "../../helpers/vo-fixture";
import { coapRequest, libcoap } from "./coap-clients";

const THING = "urn:dev:ops:environment-sensor-1";
const coapHref = (affordance: { forms: { href: string }[] }) =>
    affordance.forms.find((f) => f.href.startsWith("coap:"))!.href;

describe("CoAP affordance names through VoCoapServer", function () {
    this.timeout(30_000);
    let vo: VoFixture;
    let client: ClientFixture;
    let td: WoT.ThingDescription;
    let base: string;

    before(async function () {
        vo = await startVo();
        client = await startClient();
        ({ td } = await exposeSensor(vo.wot));
        base = `coap://127.0.0.1:${vo.coapPort}/environmentsensor`;
    });
    after(async function () {
        await client?.close();
        await vo?.close();
    });

    /** Every record of the sensor's affordances and of the names asked for. */
    async function records(): Promise<{ op: string; name: string; ok: boolean }[]> {
        await vo.vo.flush();
        const rows: { op: string; name: string; ok: boolean }[] = [];
        for (const kind of ["property", "action", "event"] as const) {
            const names = Object.keys((td as Record<string, object>)[kind === "property" ? "properties" : `${kind}s`]);
            for (const name of [...names, "nope", "temp\u0000erature", "%ZZ", "x".repeat(255)]) {
                rows.push(...(await vo.vo.history({ thing: THING, kind, name, limit: 1000 })));
            }
        }
        return rows;
    }

    // binding-coap 0.8.16 falls back to reading every property for a name it does not know (2.05 with the
    // whole map, one readmultipleproperties record per property) and answers a PUT to one with 4.05.
    it("answers 4.04 naming an unknown property, action or event, and records nothing", async function () {
        const before = (await records()).length;
        for (const segment of ["nope", "temp%00erature", "%ZZ", "x".repeat(255)]) {
            const read = await coapRequest(`${base}/properties/${segment}`);
            expect([read.code, read.text], segment).to.deep.equal([
                "4.04",
                `no property ${JSON.stringify(segment === "temp%00erature" ? "temp\u0000erature" : segment)} in Thing "EnvironmentSensor"`,
            ]);
        }
        const put = await coapRequest(`${base}/properties/nope`, { method: "PUT", payload: "1" });
        expect([put.code, put.text]).to.deep.equal(["4.04", 'no property "nope" in Thing "EnvironmentSensor"']);
        const post = await coapRequest(`${base}/actions/nope`, { method: "POST", payload: "{}" });
        expect([post.code, post.text]).to.deep.equal(["4.04", 'no action "nope" in Thing "EnvironmentSensor"']);
        const event = await coapRequest(`${base}/events/nope`, { observe: true });
        expect([event.code, event.text]).to.deep.equal(["4.04", 'no event "nope" in Thing "EnvironmentSensor"']);
        const other = await coapRequest(`${base}/things/temperature`);
        expect(other.code).to.equal("4.04");
        // libcoap decodes "%ZZ"-free escapes itself (RFC 7252 section 6.4): the same answers
        expect((await libcoap(["-m", "get", `${base}/properties/nope`])).code).to.equal("4.04");
        expect(await records()).to.have.length(before);

        // the names that exist still answer
        const ok = await coapRequest(`${base}/properties/humidity`);
        expect([ok.code, JSON.parse(ok.text)]).to.deep.equal(["2.05", 40]);
    });

    // binding-coap 0.8.16 encodes a name twice in the TD (core encodes it, createAffordanceForm again:
    // "a%2520b") and decodes requests to match; a client that encodes a name once never reaches it.
    it("puts each name in an href encoded once, which raw, libcoap and node-wot clients all reach", async function () {
        const names = ["a b", "c,d", 'e"f', "50%", "g/h", "i?j", "k\nl", "ünï☃", 'all of: /?%," \n☃'];
        const thing = await vo.wot.produce({
            title: "Names",
            properties: Object.fromEntries(names.map((n) => [n, { type: "string" }])),
        } as unknown as WoT.ExposedThingInit);
        for (const n of names) thing.setPropertyReadHandler(n, async () => `value of ${n}`);
        await thing.expose();
        const served = thing.getThingDescription();
        const consumed = await client.wot.consume(served);
        for (const n of names) {
            const href = coapHref(served.properties![n]);
            expect(href, n).to.equal(`coap://127.0.0.1:${vo.coapPort}/names/properties/${encodeURIComponent(n)}`);
            const raw = await coapRequest(href);
            expect([raw.code, JSON.parse(raw.text)], `raw coap, ${n}`).to.deep.equal(["2.05", `value of ${n}`]);
            const viaLibcoap = await libcoap(["-m", "get", href]);
            expect([viaLibcoap.code, viaLibcoap.stdout], `libcoap, ${n}`).to.deep.equal([
                "2.05",
                JSON.stringify(`value of ${n}`),
            ]);
            const viaWot = await consumed.readProperty(n, { formIndex: formIndex(served.properties![n], "coap") });
            expect(await viaWot.value(), `node-wot, ${n}`).to.equal(`value of ${n}`);
        }
    });
});
