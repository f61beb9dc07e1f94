import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { validateThingDescription } from "../../src/cli/td-validation";
import { conformsToSchema } from "../../src/model/value-check";
import { Mosquitto } from "../helpers/mosquitto";
import { exposeSensor } from "../helpers/sensor-thing";
import { startVo, VoFixture, waitFor } from "../helpers/vo-fixture";
import { FormCall, formCalls, sampleValue } from "./form-calls";
import { MqttWireClient, WireAnswer, wsCall } from "./wire-clients";

/** Ops answered by the client and the broker alone: the VO has no part in them, so records none. */
const CLIENT_SIDE = new Set(["mqtt unobserveproperty", "mqtt unsubscribeevent"]);

/**
 * The conformance walk's promise for MQTT and WebSocket: every form of every TD the VO serves with an
 * mqtt:// or ws:// href, each of its ops called with a real client (the mqtt package through Mosquitto,
 * the ws package), answered, and (where the VO takes part) recorded under that protocol.
 */
describe("conformance walk over MQTT and WebSocket: every mqtt and ws form of every served TD, called", function () {
    this.timeout(60_000);
    let broker: Mosquitto;
    let vo: VoFixture;
    let mqttClient: MqttWireClient;
    const things: WoT.ExposedThing[] = [];

    before(async function () {
        broker = await Mosquitto.start();
        vo = await startVo({ mqtt: { broker: broker.url }, websocket: { port: 0, address: "127.0.0.1" } });
        things.push((await exposeSensor(vo.wot)).thing);
        // names that are plain data in topics and paths
        const odd = await vo.wot.produce({
            title: "Odd, names 100%",
            id: "urn:test:odd-names",
            properties: {
                "a/b c": { type: "string", observable: true },
                "w-only": { type: "integer", writeOnly: true },
            },
            actions: { "do it?": { input: { type: "integer", minimum: 2 }, output: { type: "integer" } } },
            events: { "on#fire": { data: { type: "string" } } },
        });
        let text = "it's";
        odd.setPropertyReadHandler("a/b c", async () => text);
        odd.setPropertyWriteHandler("a/b c", async (io) => void (text = (await io.value()) as string));
        odd.setPropertyWriteHandler("w-only", async () => undefined);
        odd.setActionHandler("do it?", async (io) => ((await io.value()) as number) * 2);
        await odd.expose();
        things.push(odd);
        mqttClient = await MqttWireClient.connect(broker.url);
    });
    after(async function () {
        await mqttClient?.end();
        await vo?.close();
        await broker?.stop();
    });

    /** Makes the VO produce what an observation or subscription waits for. */
    async function provoke(thing: WoT.ExposedThing, call: FormCall): Promise<void> {
        if (call.scheme === "ws") {
            await waitFor(
                async () =>
                    (await vo.vo.state.listObservers()).some(
                        (o) => o.protocol === "ws" && o.thing === call.thingId && o.affordance === call.name
                    ),
                5000,
                `the ws observer of ${call.name}`
            );
        }
        if (call.kind === "property") await thing.emitPropertyChange(call.name);
        else thing.emitEvent(call.name, sampleValue(call.affordance?.data as Record<string, unknown>) as never);
    }

    async function callForm(thing: WoT.ExposedThing, call: FormCall): Promise<{ answer: WireAnswer; value?: unknown }> {
        const a = call.affordance ?? {};
        const sample = (): unknown => sampleValue((call.kind === "action" ? a.input : a) as Record<string, unknown>);
        if (call.scheme === "mqtt") {
            const topic = new URL(call.href).pathname.slice(1);
            switch (call.op) {
                case "readproperty":
                    return { answer: await mqttClient.firstMessage(topic) };
                case "observeproperty":
                case "subscribeevent":
                    return { answer: await mqttClient.firstMessage(topic, () => provoke(thing, call)) };
                case "unobserveproperty":
                case "unsubscribeevent":
                    return { answer: await mqttClient.unsubscribe(topic) };
                default: {
                    const value = sample();
                    const body = Buffer.from(value === undefined ? "" : JSON.stringify(value));
                    return { answer: await mqttClient.publishRequest(topic, body), value };
                }
            }
        }
        switch (call.op) {
            case "observeproperty":
                return {
                    answer: await wsCall(
                        call.href,
                        { op: call.op },
                        { push: "propertychange", trigger: () => provoke(thing, call) }
                    ),
                };
            case "subscribeevent":
                return {
                    answer: await wsCall(call.href, undefined, { push: "event", trigger: () => provoke(thing, call) }),
                };
            case "writeproperty":
                return { answer: await wsCall(call.href, { op: call.op, value: sample() }) };
            case "invokeaction":
                return { answer: await wsCall(call.href, { op: call.op, input: sample() }) };
            default:
                return { answer: await wsCall(call.href, { op: call.op }) };
        }
    }

    for (const scheme of ["mqtt", "ws"] as const) {
        it(`answers every ${scheme} form's every op, each recorded with protocol ${scheme}; the TDs stay valid TD 1.1`, async function () {
            const called: string[] = [];
            for (const thing of things) {
                const td = thing.getThingDescription();
                validateThingDescription(td, `${td.title} TD`);
                const calls = formCalls(td, scheme);
                const kinds = new Set(calls.map((c) => c.kind));
                expect([...kinds].sort(), `${td.title}: ${scheme} forms on every kind`).to.deep.equal(
                    ["action", "event", "property"].filter(
                        (k) =>
                            Object.keys(td[`${k === "property" ? "properties" : `${k}s`}` as "properties"] ?? {})
                                .length > 0
                    )
                );
                for (const call of calls) {
                    const what = `${scheme} ${call.op} ${td.title}/${call.name}`;
                    const before = Date.now();
                    const { answer } = await callForm(thing, call);
                    expect(["200", "ok", "message", "unsuback"], `${what}: ${answer.body.toString()}`).to.include(
                        answer.code
                    );
                    if (call.op === "readproperty" || call.op === "observeproperty") {
                        const value =
                            scheme === "mqtt"
                                ? JSON.parse(answer.body.toString())
                                : (JSON.parse(answer.body.toString()) as { value: unknown }).value;
                        expect(
                            conformsToSchema(call.affordance as object, value),
                            `${what}: ${JSON.stringify(value)}`
                        ).to.equal(true);
                    }
                    called.push(what);
                    if (CLIENT_SIDE.has(`${scheme} ${call.op}`)) continue;
                    await vo.vo.flush();
                    const rows = await vo.vo.history({
                        thing: call.thingId,
                        kind: call.kind as "property",
                        name: call.name,
                    });
                    // the VO's own record of an MQTT read or observation is its read or change published for the broker
                    const op =
                        scheme === "mqtt" && call.op === "observeproperty"
                            ? "propertychange"
                            : call.op === "subscribeevent" && scheme === "mqtt"
                              ? "emitevent"
                              : call.op;
                    const recorded = rows.filter(
                        (r) => r.op === op && (r.protocol === scheme || op === "propertychange" || op === "emitevent")
                    );
                    expect(recorded.length, `${what} recorded`).to.be.greaterThan(0);
                    if (op === call.op) {
                        expect(
                            Number(BigInt(recorded.at(-1)!.timestampNs) / 1_000_000n),
                            `${what} recorded now`
                        ).to.be.at.least(before - 60_000);
                    }
                }
            }
            expect(called.length).to.be.greaterThan(20);
        });
    }
});
