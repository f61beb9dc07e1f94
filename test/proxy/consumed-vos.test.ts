import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { ConsumedVoError, ConsumedVoOptions, consumeVos, subscribeConsumed } from "../../src/proxy/consumed-vos";
import { freeTcpPort } from "../helpers/free-port";
import { exposeSensor } from "../helpers/sensor-thing";
import { startVo, VoFixture, waitFor } from "../helpers/vo-fixture";

const SENSOR = "urn:dev:ops:environment-sensor-1";

describe("consumed VOs: another VO consumed at start, its interactions through this VO recorded (real servients on 127.0.0.1)", function () {
    this.timeout(30_000);
    let device: VoFixture;
    let cvo: VoFixture;
    let emit: () => Promise<void>;
    const logs: string[] = [];

    before(async function () {
        device = await startVo();
        const { thing, state } = await exposeSensor(device.wot);
        emit = async () => {
            state.temperature += 1;
            await thing.emitPropertyChange("temperature");
            await thing.emitEvent("overheat", { temperature: state.temperature });
        };
        cvo = await startVo();
    });
    after(async function () {
        await cvo?.close();
        await device?.close();
    });

    it("reads, writes and invokes through the consumed VO, and records each under its id with the peer it went to", async function () {
        const url = `http://127.0.0.1:${device.httpPort}/environmentsensor`;
        const { sensor } = await consumeVos(
            cvo.wot,
            { sensor: { url } },
            (t) => cvo.vo.recordConsumed(t),
            (l) => logs.push(l)
        );
        expect(await (await sensor.readProperty("temperature")).value()).to.equal(21.5);
        await sensor.writeProperty("samplingInterval", 7);
        const out = await sensor.invokeAction("calibrate", { offset: 2 });
        expect(await out!.value()).to.deep.equal({ offset: 2, applied: true });
        let refused: Error | undefined;
        await sensor.invokeAction("calibrate", { offset: 500 }).catch((e: Error) => (refused = e));
        expect(refused).to.not.equal(undefined);
        await cvo.vo.flush();
        const peer = `127.0.0.1:${device.httpPort}`;
        const rows = async (kind: "property" | "action", name: string) =>
            (await cvo.vo.history({ thing: SENSOR, kind, name, okOnly: false })).map((r) => ({
                op: r.op,
                protocol: r.protocol,
                origin: r.origin,
                ok: r.ok,
                value: r.value,
                output: r.output,
            }));
        expect(await rows("property", "temperature")).to.deep.equal([
            { op: "readproperty", protocol: "http", origin: peer, ok: true, value: 21.5, output: undefined },
        ]);
        expect(await rows("property", "samplingInterval")).to.deep.equal([
            { op: "writeproperty", protocol: "http", origin: peer, ok: true, value: 7, output: undefined },
        ]);
        const calibrations = await rows("action", "calibrate");
        expect(calibrations.map((r) => [r.ok, r.value, r.output])).to.deep.equal([
            [true, { offset: 2 }, { offset: 2, applied: true }],
            [false, { offset: 500 }, undefined],
        ]);
        const failed = (await cvo.vo.history({ thing: SENSOR, kind: "action", name: "calibrate", okOnly: false }))[1];
        expect(failed.error).to.be.a("string").and.not.equal("");
        expect(failed.durationMs).to.be.a("number");
    });

    it("subscribes the listed events and observes the listed property changes; each delivery is recorded", async function () {
        const url = `http://127.0.0.1:${device.httpPort}/environmentsensor`;
        const vos = { sensor: { url, events: ["overheat"], propertyChanges: ["temperature"] } };
        const consumed = await consumeVos(
            cvo.wot,
            vos,
            (t) => cvo.vo.recordConsumed(t),
            () => undefined
        );
        const seen: string[] = [];
        const subs: WoT.Subscription[] = await subscribeConsumed(consumed, vos, {
            event: (vo, name, data) => seen.push(`${vo} ${name} ${JSON.stringify(data)}`),
            propertyChange: (vo, name, value) => seen.push(`${vo} ${name} ${JSON.stringify(value)}`),
        });
        try {
            await waitFor(
                async () => {
                    await emit();
                    return (
                        seen.some((s) => s.startsWith("sensor overheat")) &&
                        seen.some((s) => s.startsWith("sensor temperature"))
                    );
                },
                15_000,
                "an event and a property change delivered"
            );
        } finally {
            for (const s of subs) await s.stop();
        }
        await cvo.vo.flush();
        const ops = async (kind: "property" | "event", name: string) =>
            (await cvo.vo.history({ thing: SENSOR, kind, name, okOnly: false })).map((r) => r.op);
        expect(await ops("event", "overheat")).to.include.members(["subscribeevent", "emitevent"]);
        expect(await ops("property", "temperature")).to.include.members(["observeproperty", "propertychange"]);
    });

    it("tries again while a consumed VO is not up, for at most its timeout, then fails naming it", async function () {
        const port = await freeTcpPort();
        const url = `http://127.0.0.1:${port}/environmentsensor`;
        const started = Date.now();
        let error: Error | undefined;
        try {
            await consumeVos(
                cvo.wot,
                { late: { url, timeoutMs: 2500 } },
                (t) => t,
                (l) => logs.push(l)
            );
        } catch (err) {
            error = err as Error;
        }
        expect(error).to.be.instanceOf(ConsumedVoError);
        expect(error!.message).to.match(new RegExp(`^consumed VO late: ${url} not reachable after [2-9] attempts: `));
        // the first wait is 1 s less its jitter (up to a quarter): 750 ms at the least
        expect(Date.now() - started).to.be.within(750, 10_000);
        expect(logs).to.include.members([
            `consumed VO late not up yet at ${url} (${error!.message.split(": ").slice(2).join(": ")}); trying again`,
        ]);
    });

    it("refuses to follow a property its TD does not make observable, or an event it lacks, naming it", async function () {
        const url = `http://127.0.0.1:${device.httpPort}/environmentsensor`;
        const cases: [ConsumedVoOptions, string][] = [
            [{ url, propertyChanges: ["humidity"] }, "does not make observable the property humidity"],
            [{ url, events: ["nope"] }, "its TD has no event nope"],
        ];
        for (const [o, text] of cases) {
            const consumed = await consumeVos(
                cvo.wot,
                { s: o },
                (t) => t,
                () => undefined
            );
            let error: Error | undefined;
            await subscribeConsumed(consumed, { s: o }, {}).catch((e: Error) => (error = e));
            expect(error?.message).to.include(text);
        }
    });
});
