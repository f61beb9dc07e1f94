import dgram from "node:dgram";
import { expect } from "chai";
import { exposeSensor } from "../helpers/sensor-thing";
import { formIndex, startClient, startVo, waitFor } from "../helpers/vo-fixture";

const udpSockets = (): number =>
    (process as unknown as { _getActiveHandles(): unknown[] })
        ._getActiveHandles()
        .filter((h) => h instanceof dgram.Socket).length;

// Regression test of src/bindings/coap-client-factory.ts: binding-coap 0.8.16 opens a UDP agent per
// request, closes only the last one, and its factory's destroy() does nothing.
describe("VoCoapClientFactory", function () {
    this.timeout(20_000);

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
