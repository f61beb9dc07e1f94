import { expect } from "chai";
import * as coap from "coap";
import type * as WoT from "wot-typescript-definitions";
import { VoCoapServer } from "../../../src";
import { exposeSensor, SensorState } from "../../helpers/sensor-thing";
import { ClientFixture, formIndex, startClient, startVo, VoFixture, waitFor } from "../../helpers/vo-fixture";

const THING = "urn:dev:ops:environment-sensor-1";
const viaCoap = (affordance: unknown, op?: string) => ({
    formIndex: formIndex(affordance as { forms: { href: string }[] }, "coap", op),
});

// Regression tests of src/bindings/coap-server.ts: binding-coap 0.8.16 crashes the exposing process
// on property observation (node-wot issue 1233) and ends event subscriptions after one empty
// payload (node-wot issue 1239).
describe("CoAP observe and events through VoCoapServer (node-wot issues 1233, 1239)", function () {
    this.timeout(20_000);
    let vo: VoFixture;
    let client: ClientFixture;
    let thing: WoT.ExposedThing;
    let state: SensorState;
    let td: WoT.ThingDescription;
    let consumed: WoT.ConsumedThing;

    beforeEach(async function () {
        vo = await startVo();
        client = await startClient();
        ({ thing, state, td } = await exposeSensor(vo.wot));
        consumed = await client.wot.consume(td);
    });
    afterEach(async function () {
        await client?.close();
        await vo?.close();
    });

    it("asks its socket for the port once, not at every request (a getsockname system call each)", async function () {
        const server = vo.servient.getServers().find((s) => s instanceof VoCoapServer) as VoCoapServer;
        const socket = server.getSocket() as { address(): { port: number } };
        const address = socket.address.bind(socket);
        let asked = 0;
        socket.address = () => (asked++, address());
        for (let i = 0; i < 20; i++) {
            expect(
                await (await consumed.readProperty("temperature", viaCoap(td.properties!.temperature))).value()
            ).to.equal(21.5);
        }
        // what binding-coap and the redirect hook call at every request
        for (let i = 0; i < 20; i++) expect(server.getPort()).to.equal(address().port);
        expect(asked).to.equal(0);
    });

    it("delivers the current value and every property change, in order, to node-wot's CoAP client", async function () {
        const seen: unknown[] = [];
        const sub = await consumed.observeProperty(
            "temperature",
            async (v) => void seen.push(await v.value()),
            undefined,
            viaCoap(td.properties!.temperature, "observeproperty")
        );
        await waitFor(() => seen.length === 1, 5000, "the current value");
        for (let i = 1; i <= 5; i++) {
            state.temperature = 20 + i;
            thing.emitPropertyChange("temperature");
            await waitFor(() => seen.length === i + 1, 5000, `change ${i}`);
        }
        expect(seen).to.deep.equal([21.5, 21, 22, 23, 24, 25]);
        await waitFor(async () => (await vo.vo.state.listObservers()).length === 1, 5000, "one CoAP observer");
        const [row] = await vo.vo.state.listObservers();
        expect(row).to.include({ protocol: "coap", ip: "127.0.0.1", affordance: "temperature", op: "observeproperty" });

        // VoCoapClientFactory deregisters (binding-coap's client would only close its socket)
        await sub.stop();
        await waitFor(async () => (await vo.vo.state.listObservers()).length === 0, 5000, "observation ended");
        state.temperature = 30;
        thing.emitPropertyChange("temperature");
        await new Promise((r) => setTimeout(r, 200));
        expect(seen).to.have.length(6);
        await vo.vo.flush();
        const ops = (await vo.vo.history({ thing: THING, kind: "property", name: "temperature" })).map((r) => r.op);
        expect(ops).to.include.members(["observeproperty", "unobserveproperty", "propertychange"]);
    });

    it("delivers every event with its payload, in order, until the subscription is cancelled", async function () {
        const received: unknown[] = [];
        const sub = await consumed.subscribeEvent(
            "overheat",
            async (d) => void received.push(await d.value()),
            undefined,
            viaCoap(td.events!.overheat, "subscribeevent")
        );
        await waitFor(async () => (await vo.vo.state.listObservers()).length === 1, 5000, "the subscription");
        for (let i = 0; i < 10; i++) thing.emitEvent("overheat", { temperature: 80 + i });
        await waitFor(() => received.length === 10, 5000, "ten events");
        expect(received).to.deep.equal(Array.from({ length: 10 }, (_, i) => ({ temperature: 80 + i })));
        await sub.stop();
        await waitFor(async () => (await vo.vo.state.listObservers()).length === 0, 5000, "subscription ended");
        thing.emitEvent("overheat", { temperature: 99 });
        await new Promise((r) => setTimeout(r, 200));
        expect(received).to.have.length(10);
    });

    it("serves a raw coap client's observation and ends it when the client deregisters (Observe: 1)", async function () {
        const url = new URL(td.properties!.temperature.forms.find((f) => f.href.startsWith("coap:"))!.href);
        const values: number[] = [];
        const req = coap.request({
            hostname: url.hostname,
            port: Number(url.port),
            pathname: url.pathname,
            observe: true,
        });
        const stream = await new Promise<coap.IncomingMessage>((resolve, reject) => {
            req.on("response", resolve);
            req.on("error", reject);
            req.end();
        });
        stream.on("data", (chunk: Buffer) => values.push(JSON.parse(chunk.toString())));
        await waitFor(() => values.length === 1, 5000, "first notification");
        state.temperature = 18;
        thing.emitPropertyChange("temperature");
        await waitFor(() => values.length === 2, 5000, "second notification");
        expect(values).to.deep.equal([21.5, 18]);
        await waitFor(async () => (await vo.vo.state.listObservers()).length === 1, 5000, "one observer");
        // deregistration (RFC 7641 section 3.6): GET with Observe: 1 and the observation's token
        const token = (req as unknown as { _packet: { token: Buffer } })._packet.token;
        const deregAgent = new coap.Agent();
        const answer = await new Promise<coap.IncomingMessage>((resolve, reject) => {
            const dereg = coap.request({
                hostname: url.hostname,
                port: Number(url.port),
                pathname: url.pathname,
                observe: 1,
                token,
                agent: deregAgent,
            } as coap.CoapRequestParams);
            dereg.on("response", resolve);
            dereg.on("error", reject);
            dereg.end();
        });
        expect(answer.code).to.equal("2.05");
        (stream as unknown as { close(): void }).close();
        deregAgent.close();
        await waitFor(async () => (await vo.vo.state.listObservers()).length === 0, 5000, "observation ended");
        await vo.vo.flush();
        const ops = (await vo.vo.history({ thing: THING, kind: "property", name: "temperature" })).map((r) => r.op);
        expect(ops).to.include("unobserveproperty");
    });
});
