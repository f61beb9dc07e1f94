import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import type { HistoryRecord } from "../../../src";
import { exposeSensor, SensorState } from "../../helpers/sensor-thing";
import { startVo, VoFixture, waitFor } from "../../helpers/vo-fixture";
import { TestWsClient } from "./ws-clients";

const THING = "urn:dev:ops:environment-sensor-1";

type Forms = { forms: { href: string; op?: string | string[] }[] };
function wsHref(affordance: unknown, op: string): string {
    const form = (affordance as Forms).forms.find((f) => f.href.startsWith("ws:") && [f.op].flat().includes(op));
    if (form === undefined) throw new Error(`no ws form for ${op}`);
    return form.href;
}

describe("a VO over WebSocket (binding-websockets' server fixed, the ws package as client)", function () {
    this.timeout(20_000);
    let vo: VoFixture;
    let thing: WoT.ExposedThing;
    let state: SensorState;
    let td: WoT.ThingDescription;
    let wsPort: number;
    const open: TestWsClient[] = [];
    const connect = async (url: string): Promise<TestWsClient> => {
        const c = await TestWsClient.open(url);
        open.push(c);
        return c;
    };

    before(async function () {
        vo = await startVo({ websocket: { port: 0, address: "127.0.0.1" } });
        ({ thing, state, td } = await exposeSensor(vo.wot));
        wsPort = Number(new URL(wsHref(td.properties!.temperature, "readproperty")).port);
    });
    after(async function () {
        for (const c of open) await c.close();
        await vo?.close();
    });

    async function lastRecord(kind: "property" | "action" | "event", name: string, op: string): Promise<HistoryRecord> {
        await vo.vo.flush();
        const rows = (await vo.vo.history({ thing: THING, kind, name })).filter((r) => r.op === op);
        expect(rows.length, `a ${op} record of ${name}`).to.be.greaterThan(0);
        return rows[rows.length - 1];
    }

    it("advertises ws forms at the static address for every affordance, observe only where observable", function () {
        expect(wsHref(td.properties!.temperature, "readproperty")).to.equal(
            `ws://127.0.0.1:${wsPort}/environmentsensor/properties/temperature`
        );
        const ops = (a: unknown) =>
            (a as Forms).forms.filter((f) => f.href.startsWith("ws:")).flatMap((f) => [f.op].flat());
        expect(ops(td.properties!.temperature)).to.deep.equal(["readproperty", "observeproperty", "unobserveproperty"]);
        expect(ops(td.properties!.samplingInterval)).to.deep.equal(["readproperty", "writeproperty"]);
        expect(ops(td.actions!.calibrate)).to.deep.equal(["invokeaction"]);
        expect(ops(td.events!.overheat)).to.deep.equal(["subscribeevent", "unsubscribeevent"]);
    });

    it("reads and writes a property, each recorded with protocol ws and the peer's address", async function () {
        const c = await connect(wsHref(td.properties!.samplingInterval, "writeproperty"));
        expect(await c.request({ op: "readproperty" })).to.deep.include({ op: "readproperty", value: 10 });
        const read = await lastRecord("property", "samplingInterval", "readproperty");
        expect(read).to.include({ protocol: "ws", ok: true, value: 10 });
        expect(read.origin).to.match(/^127\.0\.0\.1:\d+$/);
        expect(await c.request({ op: "writeproperty", value: 42 })).to.deep.include({ op: "writeproperty", ok: true });
        expect(state.samplingInterval).to.equal(42);
        expect(await lastRecord("property", "samplingInterval", "writeproperty")).to.include({
            protocol: "ws",
            ok: true,
            value: 42,
        });
    });

    it("refuses a value invalid for the property (400) and a read-only write (405), both recorded as refused", async function () {
        const c = await connect(wsHref(td.properties!.samplingInterval, "writeproperty"));
        const bad = await c.request({ op: "writeproperty", value: 99999 });
        expect((bad.error as { status: number }).status).to.equal(400);
        expect(state.samplingInterval).to.equal(42);
        expect(await lastRecord("property", "samplingInterval", "writeproperty")).to.include({
            protocol: "ws",
            ok: false,
            valid: false,
        });
        const ro = await connect(wsHref(td.properties!.temperature, "readproperty"));
        const refused = await ro.request({ op: "writeproperty", value: 1 });
        expect((refused.error as { status: number }).status).to.equal(405);
        expect((refused.error as { message: string }).message).to.match(/read-only/);
        expect(await lastRecord("property", "temperature", "writeproperty")).to.include({ protocol: "ws", ok: false });
        const unknown = await ro.request({ op: "invokeaction" });
        expect(unknown.error).to.deep.include({ status: 400 });
        expect((unknown.error as { message: string }).message).to.match(/"op" must be one of readproperty/);
    });

    it("answers a message that is not JSON with a clear error and records it refused", async function () {
        const c = await connect(wsHref(td.properties!.label, "writeproperty"));
        c.ws.send("{not json");
        const answer = await c.waitFor((m) => m.error !== undefined);
        expect(answer.error).to.deep.include({ status: 400 });
        expect((answer.error as { message: string }).message).to.match(/^message is not JSON/);
        const r = await lastRecord("property", "label", "writeproperty");
        expect(r).to.include({ protocol: "ws", ok: false, valid: false, value: "{not json" });
        expect(r.error).to.match(/not JSON/);
        // the socket still serves
        expect(await c.request({ op: "readproperty" })).to.deep.include({ value: "lab" });
    });

    it("invokes an action with its output answered, recorded with protocol ws", async function () {
        const c = await connect(wsHref(td.actions!.calibrate, "invokeaction"));
        const answer = await c.request({ op: "invokeaction", input: { offset: 2 } });
        expect(answer.output).to.deep.equal({ offset: 2, applied: true });
        const r = await lastRecord("action", "calibrate", "invokeaction");
        expect(r).to.include({ protocol: "ws", ok: true });
        expect(r.output).to.deep.equal({ offset: 2, applied: true });
        const failed = await c.request({ op: "invokeaction", input: { offset: 500 } });
        expect(failed.error).to.deep.include({ status: 500 });
    });

    it("observes a property and subscribes an event, kept in observer with protocol ws until the client leaves", async function () {
        const p = await connect(wsHref(td.properties!.temperature, "observeproperty"));
        expect(await p.request({ op: "observeproperty" })).to.deep.include({ ok: true });
        const e = await connect(wsHref(td.events!.overheat, "subscribeevent"));
        await waitFor(
            async () => (await vo.vo.state.listObservers()).filter((o) => o.protocol === "ws").length === 2,
            5000,
            "two ws observers"
        );
        const rows = (await vo.vo.state.listObservers()).filter((o) => o.protocol === "ws");
        expect(rows.map((o) => `${o.op} ${o.affordance}`).sort()).to.deep.equal([
            "observeproperty temperature",
            "subscribeevent overheat",
        ]);
        expect(rows[0].ip).to.equal("127.0.0.1");

        state.temperature = 30;
        await thing.emitPropertyChange("temperature");
        expect(await p.waitFor((m) => m.op === "propertychange")).to.deep.equal({
            op: "propertychange",
            name: "temperature",
            value: 32,
        });
        thing.emitEvent("overheat", { temperature: 32 });
        expect(await e.waitFor((m) => m.op === "event")).to.deep.equal({
            op: "event",
            name: "overheat",
            data: { temperature: 32 },
        });
        expect((await lastRecord("property", "temperature", "observeproperty")).protocol).to.equal("ws");
        expect((await lastRecord("event", "overheat", "subscribeevent")).protocol).to.equal("ws");

        expect(await p.request({ op: "unobserveproperty" })).to.deep.include({ ok: true });
        await e.close();
        await waitFor(
            async () => (await vo.vo.state.listObservers()).every((o) => o.protocol !== "ws"),
            5000,
            "ws observers closed"
        );
        expect((await lastRecord("property", "temperature", "unobserveproperty")).protocol).to.equal("ws");
    });

    it("the self-check probes the WebSocket server by a handshake; a plain HTTP request gets 426", async function () {
        const check = await vo.vo.state.selfCheck();
        expect(check.checks.ws).to.deep.equal({ ok: true, detail: `WebSocket handshake from 127.0.0.1:${wsPort}` });
        const res = await fetch(`http://127.0.0.1:${wsPort}/environmentsensor/properties/temperature`);
        expect(res.status).to.equal(426);
        await res.body?.cancel();
    });
});
