import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { Servient } from "@node-wot/core";
import { DeviceProxy, DeviceProxyError, InvalidProxyError, setStaticAddress, VoCoapServer } from "../../src";
import type { HistoryRecord } from "../../src";
import { freeUdpPort } from "../helpers/free-port";
import { exposeSensor, SensorState } from "../helpers/sensor-thing";
import { ClientFixture, formIndex, startClient, startVo, VoFixture, waitFor } from "../helpers/vo-fixture";

/** A WoT device that speaks CoAP only, on a fixed port so it can be restarted where it was. */
async function startDevice(port: number): Promise<{ state: SensorState; emit(): void; close(): Promise<void> }> {
    setStaticAddress("127.0.0.1"); // its TD names the loopback address only
    const servient = new Servient();
    servient.addServer(new VoCoapServer({ port, address: "127.0.0.1" }) as never);
    const wot = await servient.start();
    const { state, thing } = await exposeSensor(wot);
    return {
        state,
        emit: () => thing.emitEvent("overheat", { temperature: state.temperature }),
        close: () => servient.shutdown(),
    };
}

const via = (scheme: string, affordance: unknown, op?: string) => ({
    formIndex: formIndex(affordance as { forms: { href: string }[] }, scheme, op),
});

describe("DeviceProxy: a VO mirroring a CoAP device (real device, VO and clients on 127.0.0.1)", function () {
    this.timeout(30_000);
    let port: number;
    let device: Awaited<ReturnType<typeof startDevice>>;
    let vo: VoFixture;
    let client: ClientFixture;
    let proxy: DeviceProxy;

    /** Subscribes to the mirror's overheat over HTTP and has the device emit one; the first one relayed. */
    async function relayedEvent(mirror: WoT.ConsumedThing, td: WoT.ThingDescription, temperature: number) {
        const events: unknown[] = [];
        const sub = await mirror.subscribeEvent(
            "overheat",
            async (d) => void events.push(await d.value()),
            undefined,
            via("http", td.events!.overheat, "subscribeevent")
        );
        try {
            device.state.temperature = temperature;
            // the long-poll behind subscribeEvent connects just after it resolves: emit until one arrives
            await waitFor(() => (events.length > 0 ? true : (device.emit(), false)), 5000, "a relayed event");
            return events[0];
        } finally {
            await sub.stop();
        }
    }

    before(async function () {
        port = await freeUdpPort();
        device = await startDevice(port);
        const td = `coap://127.0.0.1:${port}/environmentsensor`;
        vo = await startVo({
            vo: {
                thing: false,
                selfCheckIntervalMs: 0,
                device: { url: td, intervalMs: 100, timeoutMs: 100, retries: 0, lostAfter: 2, recoverAfter: 1 },
            },
        });
        proxy = await DeviceProxy.start(vo.wot, vo.vo, { td, timeoutMs: 2000 });
        client = await startClient();
    });
    after(async function () {
        await proxy?.close();
        await client?.close();
        await vo?.close();
        await device?.close();
    });

    it("exposes a mirror with its own id and title whose interactions reach the device, over HTTP and CoAP", async function () {
        const td = proxy.mirror.getThingDescription();
        expect(td.id).to.equal("urn:node-wot-vo:mirror:urn:dev:ops:environment-sensor-1");
        expect(td.title).to.equal("EnvironmentSensorMirror");
        const mirror = await client.wot.consume(td);
        for (const scheme of ["http", "coap"]) {
            device.state.humidity = scheme === "http" ? 41 : 42;
            const h = await mirror.readProperty("humidity", via(scheme, td.properties!.humidity));
            expect(await h.value()).to.equal(device.state.humidity);
            await mirror.writeProperty("label", `via ${scheme}`, via(scheme, td.properties!.label, "writeproperty"));
            expect(device.state.label).to.equal(`via ${scheme}`);
            const out = await mirror.invokeAction("calibrate", { offset: 1 }, via(scheme, td.actions!.calibrate));
            expect(await out!.value()).to.deep.equal({ offset: 1, applied: true });
        }
        await vo.vo.flush();
        const writes = (await vo.vo.history({ thing: td.id!, kind: "property", name: "label" })) as HistoryRecord[];
        expect(writes.map((r) => [r.op, r.protocol, r.value])).to.deep.equal([
            ["writeproperty", "http", "via http"],
            ["writeproperty", "coap", "via coap"],
        ]);
    });

    it("relays the device's events and property changes to the mirror's subscribers", async function () {
        const td = proxy.mirror.getThingDescription();
        const mirror = await client.wot.consume(td);
        expect(await relayedEvent(mirror, td, 30)).to.deep.equal({ temperature: 30 });
        expect(proxy.relayState.every((r) => r.active)).to.equal(true);
    });

    it("answers reads from the last value, marked stale, while the device is lost; refuses writes; recovers", async function () {
        const td = proxy.mirror.getThingDescription();
        const mirror = await client.wot.consume(td);
        device.state.humidity = 55;
        expect(await (await mirror.readProperty("humidity", via("http", td.properties!.humidity))).value()).to.equal(
            55
        );
        await device.close();
        await waitFor(() => vo.vo.state.deviceLiveness.state === "lost", 5000, "device lost");
        const stale = await mirror.readProperty("humidity", via("http", td.properties!.humidity));
        expect(await stale.value()).to.equal(55);
        const err = await mirror.writeProperty("label", "x", via("http", td.properties!.label)).then(
            () => undefined,
            (e: Error) => e
        );
        expect(err?.message).to.match(/Server error|lost/);
        await vo.vo.flush();
        const reads = (await vo.vo.history({
            thing: td.id!,
            kind: "property",
            name: "humidity",
            descending: true,
            limit: 1,
        })) as HistoryRecord[];
        expect(reads[0]).to.include({ value: 55, stale: true, ok: true });
        const writes = (await vo.vo.history({
            thing: td.id!,
            kind: "property",
            name: "label",
            descending: true,
            limit: 1,
        })) as HistoryRecord[];
        expect(writes[0].ok).to.equal(false);
        expect(writes[0].error).to.match(
            /^device coap:\/\/127\.0\.0\.1:\d+\/environmentsensor is lost since .*: write of property "label" not forwarded$/
        );

        device = await startDevice(port); // the same device back on its port
        await waitFor(() => vo.vo.state.deviceLiveness.state === "alive", 5000, "device recovered");
        await waitFor(() => proxy.relayState.every((r) => r.active), 5000, "relays subscribed again");
        expect(await relayedEvent(mirror, td, 31)).to.deep.equal({ temperature: 31 });
        device.state.humidity = 60;
        const fresh = await mirror.readProperty("humidity", via("coap", td.properties!.humidity));
        expect(await fresh.value()).to.equal(60);
    });

    it("refuses an unknown device affordance in a name map and an unreachable TD, naming them", async function () {
        const td = `coap://127.0.0.1:${port}/environmentsensor`;
        const bad = await DeviceProxy.start(vo.wot, vo.vo, { td, properties: { temp: "temprature" } }).then(
            () => undefined,
            (e: Error) => e
        );
        expect(bad).to.be.instanceOf(InvalidProxyError);
        expect(bad!.message).to.match(
            /^proxy\.properties\.temp: the device has no property "temprature" \(it has: .*humidity/
        );
        const gone = await DeviceProxy.start(vo.wot, vo.vo, { td: `http://127.0.0.1:1/nothing`, timeoutMs: 1000 }).then(
            () => undefined,
            (e: Error) => e
        );
        expect(gone).to.be.instanceOf(DeviceProxyError);
        expect(gone!.message).to.match(/^cannot fetch the device TD from http:\/\/127\.0\.0\.1:1\/nothing: /);
    });
});
