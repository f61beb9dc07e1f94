import dgram from "node:dgram";
import { expect } from "chai";
import { exposeSensor } from "../../helpers/sensor-thing";
import { formIndex, startClient, startVo, waitFor } from "../../helpers/vo-fixture";

const udpSockets = (): number =>
    (process as unknown as { _getActiveHandles(): unknown[] })
        ._getActiveHandles()
        .filter((h) => h instanceof dgram.Socket).length;

// Regression test of src/bindings/coap-client-factory.ts: binding-coap 0.8.16 opens a UDP agent per
// request, closes only the last one, and its factory's destroy() does nothing.
describe("VoCoapClientFactory", function () {
    this.timeout(20_000);

    // binding-coap 0.8.16's client hands the empty answer to the registration to the listener as a first
    // event (the server side of event subscriptions is node-wot issue 1239); its value() then throws
    // inside a listener node-wot does not await.
    it("gives an event subscriber the events only, each with its own payload, in order", async function () {
        const vo = await startVo();
        const client = await startClient();
        try {
            const { td, thing } = await exposeSensor(vo.wot);
            const consumed = await client.wot.consume(td);
            const payloads: string[] = [];
            const sub = await consumed.subscribeEvent(
                "overheat",
                async (d) => void payloads.push(Buffer.from(await d.arrayBuffer()).toString()),
                undefined,
                { formIndex: formIndex(td.events!.overheat, "coap", "subscribeevent") }
            );
            await waitFor(async () => (await vo.vo.state.listObservers()).length === 1, 5000, "the subscription");
            for (const temperature of [31, 32, 33]) thing.emitEvent("overheat", { temperature });
            await waitFor(() => payloads.length >= 3, 5000, "three events");
            await new Promise((r) => setTimeout(r, 100)); // nothing else arrives
            expect(payloads).to.deep.equal(['{"temperature":31}', '{"temperature":32}', '{"temperature":33}']);
            await sub.stop();
            await waitFor(async () => (await vo.vo.state.listObservers()).length === 0, 5000, "deregistered");
        } finally {
            await client.close();
            await vo.close();
        }
    });

    // node-coap 1.4.1 sends a request block-wise only when asked to (a Block1 option set by the caller);
    // binding-coap's client never asks, so a write over one datagram failed with "Max packet size is 1280".
    it("writes a payload larger than one datagram block-wise, and reads it back whole", async function () {
        const vo = await startVo();
        const client = await startClient();
        try {
            const { td, state } = await exposeSensor(vo.wot);
            const consumed = await client.wot.consume(td);
            const label = "z".repeat(5000);
            await consumed.writeProperty("label", label, {
                formIndex: formIndex(td.properties!.label, "coap", "writeproperty"),
            });
            expect(state.label).to.equal(label);
            const read = await consumed.readProperty("label", {
                formIndex: formIndex(td.properties!.label, "coap", "readproperty"),
            });
            expect(await read.value()).to.equal(label);
        } finally {
            await client.close();
            await vo.close();
        }
    });

    it("rejects an observation whose registration fails instead of waiting for good", async function () {
        const client = await startClient();
        try {
            const td = {
                "@context": "https://www.w3.org/2022/wot/td/v1.1",
                title: "Nowhere",
                securityDefinitions: { nosec_sc: { scheme: "nosec" } },
                security: "nosec_sc",
                properties: { p: { type: "number", observable: true, forms: [{ href: "coap://[::1]:0/p" }] } },
            };
            const consumed = await client.wot.consume(td as never);
            const err = await consumed
                .observeProperty("p", () => undefined)
                .then(
                    () => undefined,
                    (e: Error) => e
                );
            expect(err).to.be.instanceOf(Error);
        } finally {
            await client.close();
        }
    });

    it("closes the socket of a deregistration the server had no time to answer", async function () {
        const before = udpSockets();
        const vo = await startVo();
        const client = await startClient();
        const { td, thing } = await exposeSensor(vo.wot);
        const consumed = await client.wot.consume(td);
        const seen: unknown[] = [];
        const sub = await consumed.subscribeEvent("overheat", async (v) => void seen.push(await v.value()), undefined, {
            formIndex: formIndex(td.events!.overheat, "coap", "subscribeevent"),
        });
        await waitFor(async () => (await vo.vo.state.listObservers()).length === 1, 5000, "the subscription");
        thing.emitEvent("overheat", { temperature: 40 });
        await waitFor(() => seen.length === 1, 5000, "an event");
        // the VO shuts down as the client cancels: nobody answers the deregistration, which coap's agent
        // would retransmit for CoAP's exchange lifetime (minutes), keeping the process alive
        await sub.stop();
        await client.close();
        await vo.close();
        await waitFor(() => udpSockets() === before, 4000, "every socket closed, the deregistration's too");
    });

    it("leaves no UDP socket open after the client servient shuts down, even with an observation open", async function () {
        const vo = await startVo();
        try {
            const { td, thing } = await exposeSensor(vo.wot);
            const before = udpSockets();
            const client = await startClient();
            const consumed = await client.wot.consume(td);
            const seen: unknown[] = [];
            const options = { formIndex: formIndex(td.properties!.temperature, "coap", "observeproperty") };
            await consumed.observeProperty(
                "temperature",
                async (v) => void seen.push(await v.value()),
                undefined,
                options
            );
            await consumed.readProperty("humidity", { formIndex: formIndex(td.properties!.humidity, "coap") });
            thing.emitPropertyChange("temperature");
            await waitFor(() => seen.length === 2, 5000, "a notification");
            expect(udpSockets()).to.be.greaterThan(before);
            await client.close();
            await waitFor(() => udpSockets() === before, 5000, "client sockets closed");
        } finally {
            await vo.close();
        }
    });
});
