import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import type { HistoryRecord } from "../../src";
import { exposeSensor, SensorState } from "../helpers/sensor-thing";
import { ClientFixture, formIndex, startClient, startVo, VoFixture, waitFor } from "../helpers/vo-fixture";

const THING = "urn:dev:ops:environment-sensor-1";

describe("recording over HTTP (real node-wot client and server on 127.0.0.1)", function () {
    let vo: VoFixture;
    let client: ClientFixture;
    let thing: WoT.ExposedThing;
    let state: SensorState;
    let consumed: WoT.ConsumedThing;
    let td: WoT.ThingDescription;

    before(async function () {
        vo = await startVo();
        client = await startClient();
        ({ thing, state, td } = await exposeSensor(vo.wot, { setHandlersAfterExpose: true }));
        consumed = await client.wot.consume(td);
    });
    after(async function () {
        await client?.close();
        await vo?.close();
    });

    const http = (affordance: unknown, op?: string) => ({
        formIndex: formIndex(affordance as { forms: { href: string }[] }, "http", op),
    });

    async function lastRecord(kind: "property" | "action" | "event", name: string): Promise<HistoryRecord> {
        await vo.vo.flush();
        const rows = await vo.vo.history({ thing: THING, kind, name, descending: true, limit: 1 });
        expect(rows, `a ${kind} record for ${name}`).to.have.length(1);
        return rows[0];
    }

    it("records a property read with the value returned, protocol and client address", async function () {
        const value = await (await consumed.readProperty("temperature", http(td.properties!.temperature))).value();
        expect(value).to.equal(21.5);
        const r = await lastRecord("property", "temperature");
        expect(r).to.include({
            op: "readproperty",
            protocol: "http",
            ok: true,
            value: 21.5,
            valid: true,
            thing: THING,
        });
        expect(r.origin).to.match(/^127\.0\.0\.1:\d+$/);
        expect(BigInt(r.timestampNs) > BigInt(Date.now() - 60_000) * 1_000_000n).to.equal(true);
        expect(r.durationMs).to.be.a("number");
    });

    it("records property writes typed: integer, boolean, string, nested object", async function () {
        await consumed.writeProperty("samplingInterval", 30, http(td.properties!.samplingInterval, "writeproperty"));
        await consumed.writeProperty("enabled", false, http(td.properties!.enabled, "writeproperty"));
        await consumed.writeProperty("label", 'ÄÖ, "quoted"\nline', http(td.properties!.label, "writeproperty"));
        const location = { room: "B 2", floor: -1, tags: ["a,b", "c=d", ""] };
        await consumed.writeProperty("location", location, http(td.properties!.location, "writeproperty"));
        expect(state).to.include({ samplingInterval: 30, enabled: false, label: 'ÄÖ, "quoted"\nline' });
        expect((await lastRecord("property", "samplingInterval")).value).to.equal(30);
        expect((await lastRecord("property", "enabled")).value).to.equal(false);
        expect((await lastRecord("property", "label")).value).to.equal('ÄÖ, "quoted"\nline');
        const loc = await lastRecord("property", "location");
        expect(loc).to.include({ op: "writeproperty", ok: true, valid: true });
        expect(loc.value).to.deep.equal(location);
    });

    it("records a write that breaks the schema, flagged invalid, with the handler's refusal", async function () {
        let failed = false;
        try {
            await consumed.writeProperty(
                "samplingInterval",
                99999,
                http(td.properties!.samplingInterval, "writeproperty")
            );
        } catch {
            failed = true;
        }
        expect(failed, "node-wot refuses a value above maximum").to.equal(true);
        const r = await lastRecord("property", "samplingInterval");
        expect(r).to.include({ op: "writeproperty", ok: false, valid: false, value: 99999 });
        expect(r.error).to.be.a("string").with.length.greaterThan(0);
        expect(state.samplingInterval).to.equal(30);
    });

    it("records read-all (GET on the Thing's properties form) as one record per property", async function () {
        const form = (td.forms ?? []).find(
            (f) => f.href.startsWith("http:") && [f.op].flat().includes("readallproperties")
        );
        expect(form, "a readallproperties form").to.not.equal(undefined);
        const res = await fetch(form!.href);
        expect(res.status).to.equal(200);
        expect(((await res.json()) as Record<string, unknown>).humidity).to.equal(40);
        const r = await lastRecord("property", "humidity");
        expect(r).to.include({ op: "readallproperties", protocol: "http", value: 40, ok: true });
        expect(r.origin).to.match(/^127\.0\.0\.1:\d+$/);
    });

    // node-wot's HTTP server serves neither read-multiple nor write-multiple, so the Thing's own
    // entry points (the ones a protocol server would call) are used.
    it("records read-multiple and write-multiple per property, named by the operation", async function () {
        const { Content } = await import("@node-wot/core");
        const { Readable } = await import("node:stream");
        const json = (v: unknown) => new Content("application/json", Readable.from([Buffer.from(JSON.stringify(v))]));
        const exposed = vo.servient.getThing(THING)!;
        await exposed.handleReadMultipleProperties(["humidity", "label"], { formIndex: 0 });
        expect((await lastRecord("property", "humidity")).op).to.equal("readmultipleproperties");
        // Typed as a Map, but node-wot 0.9.2 iterates it with Object.entries: a plain object it is.
        await exposed.handleWriteMultipleProperties({ label: json("multi"), enabled: json(true) } as never, {
            formIndex: 0,
        });
        const label = await lastRecord("property", "label");
        expect(label).to.include({ op: "writemultipleproperties", value: "multi", ok: true, protocol: "local" });
        expect(await lastRecord("property", "enabled")).to.include({ op: "writemultipleproperties", value: true });
        expect(state).to.include({ label: "multi", enabled: true });
    });

    it("records an action's input, output and duration, and a failing action's error", async function () {
        const output = await consumed.invokeAction("calibrate", { offset: 1.5 }, http(td.actions!.calibrate));
        const out = await output!.value();
        expect(out).to.deep.equal({ offset: 1.5, applied: true });
        const ok = await lastRecord("action", "calibrate");
        expect(ok).to.include({ op: "invokeaction", ok: true, protocol: "http", valid: true });
        expect(ok.value).to.deep.equal({ offset: 1.5 });
        expect(ok.output).to.deep.equal({ offset: 1.5, applied: true });
        expect(ok.durationMs).to.be.a("number").and.at.least(0);

        let failed = false;
        try {
            await consumed.invokeAction("calibrate", { offset: 500 }, http(td.actions!.calibrate));
        } catch {
            failed = true;
        }
        expect(failed).to.equal(true);
        const bad = await lastRecord("action", "calibrate");
        expect(bad).to.include({ ok: false, error: "offset out of range" });
        expect(bad.value).to.deep.equal({ offset: 500 });

        await consumed.invokeAction("reset", undefined, http(td.actions!.reset));
        const reset = await lastRecord("action", "reset");
        expect(reset).to.include({ ok: true });
        expect(reset.value).to.equal(undefined);
        expect(state.resets).to.equal(1);
    });

    it("records subscribe, every emitted event with its payload, and unsubscribe", async function () {
        const received: unknown[] = [];
        const sub = await consumed.subscribeEvent(
            "overheat",
            async (data) => {
                received.push(await data.value());
            },
            undefined,
            http(td.events!.overheat, "subscribeevent")
        );
        await waitFor(
            async () => {
                await vo.vo.flush();
                const s = await vo.vo.history({ thing: THING, kind: "event", name: "overheat" });
                return s.some((r) => r.op === "subscribeevent");
            },
            5000,
            "subscribe record"
        );
        for (let i = 0; i < 3; i++) {
            thing.emitEvent("overheat", { temperature: 80 + i });
            await waitFor(() => received.length === i + 1, 5000, `event ${i}`);
        }
        await sub.stop(http(td.events!.overheat, "unsubscribeevent"));
        await vo.vo.flush();
        const rows = await vo.vo.history({ thing: THING, kind: "event", name: "overheat" });
        const emitted = rows.filter((r) => r.op === "emitevent");
        expect(emitted.map((r) => r.value)).to.deep.equal([
            { temperature: 80 },
            { temperature: 81 },
            { temperature: 82 },
        ]);
        expect(emitted.every((r) => r.protocol === "local" && r.ok)).to.equal(true);
        expect(received).to.deep.equal([{ temperature: 80 }, { temperature: 81 }, { temperature: 82 }]);
        await waitFor(
            async () => {
                await vo.vo.flush();
                const all = await vo.vo.history({ thing: THING, kind: "event", name: "overheat" });
                return all.some((r) => r.op === "unsubscribeevent");
            },
            5000,
            "unsubscribe record"
        );
    });

    it("records observe and each property change with the value observers received", async function () {
        const seen: unknown[] = [];
        const sub = await consumed.observeProperty(
            "temperature",
            async (data) => {
                seen.push(await data.value());
            },
            undefined,
            http(td.properties!.temperature, "observeproperty")
        );
        await new Promise((r) => setTimeout(r, 100));
        state.temperature = 30;
        await thing.emitPropertyChange("temperature");
        await waitFor(() => seen.length >= 1, 5000, "observed change");
        await sub.stop(http(td.properties!.temperature, "unobserveproperty"));
        expect(seen[0]).to.equal(31.5);
        await vo.vo.flush();
        const rows = await vo.vo.history({ thing: THING, kind: "property", name: "temperature" });
        const change = rows.find((r) => r.op === "propertychange");
        expect(change).to.include({ value: 31.5, ok: true });
        expect(rows.map((r) => r.op)).to.include("observeproperty");
        expect((await vo.vo.latest(THING, "temperature"))?.value).to.equal(31.5);
    });

    it("keeps the records in SQL too: ts_interaction rows match the history API", async function () {
        await vo.vo.flush();
        const rows = await vo.servient.sqliteDb.executeQuery<{ n: number; kinds: string }>(
            "SELECT COUNT(*) AS n, group_concat(DISTINCT kind) AS kinds FROM ts_interaction WHERE thing = ?",
            [THING]
        );
        expect(rows[0].n).to.be.greaterThan(15);
        expect(rows[0].kinds.split(",").sort()).to.deep.equal(["action", "event", "property"]);
        const typed = await vo.servient.sqliteDb.executeQuery<{ value: unknown; t: string }>(
            "SELECT value, typeof(value) AS t FROM ts_interaction WHERE name = 'samplingInterval' AND op = 'writeproperty' AND ok = 1"
        );
        expect(typed[0]).to.deep.equal({ value: 30, t: "integer" });
        expect(vo.vo.stats()).to.include({ dropped: 0, errors: 0, queued: 0 });
    });
});
