import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { coapCall, hasLibcoapClient, libcoapCall } from "../conformance/wire-clients";
import { expandHistory } from "../helpers/history-template";
import { exposeSensor, SensorState } from "../helpers/sensor-thing";
import { startVo, VoFixture } from "../helpers/vo-fixture";
import { embedded, storesUnderTest } from "./stores-under-test";

interface Page {
    items: { timestampNs: string; value: unknown; op: string }[];
    next?: string;
}

/** The CoAP history href of an affordance, from the TD alone. */
function coapHistory(affordance: unknown): string {
    const links = (affordance as { "vo:history"?: { href: string }[] })["vo:history"] ?? [];
    const link = links.find((l) => l.href.startsWith("coap:"));
    if (link === undefined) throw new Error("no CoAP vo:history on the affordance");
    return expandHistory(link.href);
}

for (const store of storesUnderTest()) {
    describe(`history over CoAP: GET <affordance>/history (the coap package, libcoap's coap-client, ${store.name})`, function () {
        this.timeout(60_000);
        let vo: VoFixture;
        let td: WoT.ThingDescription;
        let href: string;
        const POINTS = 1200;

        before(async function () {
            vo = await startVo(await store.options(this));
            expect(vo.vo.timeSeriesTarget).to.match(store === embedded ? /^sqlite:/ : /^influxdb:/);
            let thing: WoT.ExposedThing;
            let state: SensorState;
            ({ td, thing, state } = await exposeSensor(vo.wot));
            for (let i = 0; i < POINTS; i++) {
                state.temperature = i;
                await thing.emitPropertyChange("temperature");
            }
            await vo.vo.flush();
            href = coapHistory(td.properties!.temperature);
        });
        after(async () => {
            await vo?.close();
            await store.stop();
        });

        it("is named in the TD next to the HTTP one, and pages with the body's cursor", async function () {
            expect(href).to.match(/^coap:\/\/127\.0\.0\.1:\d+\/.+\/properties\/temperature\/history$/);
            const seen: string[] = [];
            let cursor: string | undefined;
            for (let n = 0; n < 3; n++) {
                const query = `?limit=400${cursor === undefined ? "" : `&cursor=${cursor}`}`;
                const answer = await coapCall(`${href}${query}`, "GET");
                expect(answer.code, answer.body.toString()).to.equal("2.05");
                const page = JSON.parse(answer.body.toString()) as Page;
                seen.push(...page.items.map((i) => i.timestampNs));
                cursor = page.next;
            }
            expect(cursor).to.equal(undefined);
            expect(seen).to.have.length(POINTS);
            expect(new Set(seen).size).to.equal(POINTS);
        });

        // libcoap's coap-client 4.3.1 drops a Uri-Query option past about 100 bytes and asks for page 1 again: a
        // cursor of 112 characters (JSON in base64url) left a libcoap user on the first page for good
        it("pages with libcoap's coap-client through three pages: the cursor is short enough for it", async function () {
            if (!(await hasLibcoapClient())) {
                if (process.env.CI === "true") throw new Error("coap-client-notls (libcoap3-bin) is missing");
                this.skip();
            }
            const seen: string[] = [];
            let cursor: string | undefined;
            for (let n = 0; n < 3; n++) {
                const query = `?limit=400${cursor === undefined ? "" : `&cursor=${cursor}`}`;
                const answer = await libcoapCall(`${href}${query}`, "GET", { waitSeconds: 40 });
                expect(answer.code, answer.body.toString().slice(0, 200)).to.equal("2.05");
                const page = JSON.parse(answer.body.toString()) as Page;
                seen.push(...page.items.map((i) => i.timestampNs));
                cursor = page.next;
                if (n < 2)
                    expect(cursor, `page ${n + 1}'s cursor`)
                        .to.be.a("string")
                        .with.length.below(48);
            }
            expect(cursor, "no page after the third").to.equal(undefined);
            expect(seen).to.have.length(POINTS);
            expect(new Set(seen).size, "no point repeated").to.equal(POINTS);
        });

        it("refuses a bad parameter (4.00 naming it), an unknown name (4.04), another format (4.06)", async function () {
            const bad = await coapCall(`${href}?fn=median&every=1m`, "GET");
            expect(bad.code).to.equal("4.00");
            expect(bad.body.toString()).to.match(/^fn:/);
            const unknown = await coapCall(href.replace("/temperature/history", "/nope/history"), "GET");
            expect(unknown.code).to.equal("4.04");
            expect((await coapCall(href, "GET", { accept: 60 })).code).to.equal("4.06");
            // a cursor is bound to its query, and a garbled one (a character changed) is told apart
            const { next } = JSON.parse(
                (await coapCall(`${href}?limit=1&order=newest`, "GET")).body.toString()
            ) as Page;
            const other = await coapCall(`${href}?limit=1&cursor=${next}`, "GET");
            expect([other.code, other.body.toString()]).to.match(/^4.00,cursor: belongs to another query/);
            const flipped = `${next!.slice(0, 20)}${next![20] === "A" ? "B" : "A"}${next!.slice(21)}`;
            const garbled = await coapCall(`${href}?limit=1&order=newest&cursor=${flipped}`, "GET");
            expect([garbled.code, garbled.body.toString()]).to.match(/^4.00,cursor: does not parse/);
        });

        // node-coap 1.4.1 keeps the later blocks of a large answer under the request's token and copies its
        // Content-Format into that cache before an async handler has answered: libcoap asked for each block
        // afresh (a history ending "now" changes, a new ETag each time) or refused a block without Content-Format,
        // and never read past the first blocks (node-coap-block2-continuation.ts)
        it("sends a large answer block-wise, read whole by libcoap's coap-client", async function () {
            if (!(await hasLibcoapClient())) {
                if (process.env.CI === "true") throw new Error("coap-client-notls (libcoap3-bin) is missing");
                this.skip();
            }
            // a 1000-point query can take seconds on a loaded machine: coap-client waits up to 40 s for the answer
            const answer = await libcoapCall(`${href}?limit=1000`, "GET", { waitSeconds: 40 });
            expect(answer.code).to.equal("2.05");
            const page = JSON.parse(answer.body.toString()) as Page;
            expect(answer.body.length).to.be.greaterThan(64 * 1024);
            expect(page.items).to.have.length(1000);
            expect(page.items[999].value).to.equal(999);
        });
    });
}
