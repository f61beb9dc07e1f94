import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { formIndex, startClient, startVo } from "../../helpers/vo-fixture";
import { coapRequest } from "./coap-clients";

// Regression test of the uriVariables part of src/protocols/coap/coap-server.ts: binding-coap 0.8.16 puts
// an encoded template in the CoAP href; reads answered the whole property map and writes reported
// success without calling the write handler.
describe("CoAP properties with uriVariables through VoCoapServer", function () {
    this.timeout(20_000);

    it("has an expandable href, and reads and writes reach the handlers with the variables", async function () {
        const vo = await startVo();
        const client = await startClient();
        try {
            const thing = await vo.wot.produce({
                title: "Dimmer",
                properties: {
                    brightness: { type: "integer", uriVariables: { channel: { type: "integer" } } },
                    other: { type: "string" },
                },
            } as unknown as WoT.ExposedThingInit);
            const channel = (o: WoT.InteractionOptions | undefined) =>
                Number((o?.uriVariables as Record<string, unknown> | undefined)?.channel);
            const levels = new Map<number, number>([[1, 10]]);
            const writes: [number, number][] = [];
            thing.setPropertyReadHandler("brightness", async (o) => levels.get(channel(o)) ?? 0);
            thing.setPropertyWriteHandler("brightness", async (io, o) => {
                const v = (await io.value()) as number;
                writes.push([channel(o), v]);
                levels.set(channel(o), v);
            });
            thing.setPropertyReadHandler("other", async () => "x");
            await thing.expose();
            const td = thing.getThingDescription();
            const form = td.properties!.brightness.forms.find((f) => f.href.startsWith("coap:"))!;
            expect(form.href).to.match(/\/properties\/brightness\{\?channel\}$/);

            const consumed = await client.wot.consume(td);
            const viaCoap = { formIndex: formIndex(td.properties!.brightness, "coap"), uriVariables: { channel: 1 } };
            expect(await (await consumed.readProperty("brightness", viaCoap)).value()).to.equal(10);
            await consumed.writeProperty("brightness", 42, {
                ...viaCoap,
                formIndex: formIndex(td.properties!.brightness, "coap", "writeproperty"),
                uriVariables: { channel: 2 },
            });
            expect(writes).to.deep.equal([[2, 42]]);

            const base = form.href.replace(/\{\?channel\}$/, "");
            const read = await coapRequest(`${base}?channel=2`);
            expect([read.code, JSON.parse(read.text)]).to.deep.equal(["2.05", 42]);
            const put = await coapRequest(`${base}?channel=3`, { method: "PUT", payload: "7" });
            expect(put.code).to.match(/^2\./);
            expect(writes).to.deep.equal([
                [2, 42],
                [3, 7],
            ]);
            // a malformed %-escape in the path gets an answer (no throw), and the server goes on serving
            await coapRequest(`${base.replace(/brightness$/, "bright%E0ness")}?channel=1`);
            expect(JSON.parse((await coapRequest(`${base}?channel=1`)).text)).to.equal(10);
        } finally {
            await client.close();
            await vo.close();
        }
    });
});
