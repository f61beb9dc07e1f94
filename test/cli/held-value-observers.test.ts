import fs from "node:fs";
import path from "node:path";
import * as coap from "coap";
import { expect } from "chai";
import { parseDescriptor } from "../../src/cli/descriptor";
import { runVo, RunningVo } from "../../src/cli/run-vo";
import { ROOT } from "../helpers/node-process";
import { tempDir, waitFor } from "../helpers/vo-fixture";

const ROOM_TD = path.join(ROOT, "thing-descriptions", "room-log.td.json");
const ROOM = "urn:dev:ops:room-log-1";

/** What changes occupancy, in order: a client's PUT, or addNote, whose script handler calls ctx.setValue. */
type Step = { put: number } | { note: string };

/**
 * The room VO's occupancy is observable; the script gives it no read handler, so the VO holds its
 * value. Every accepted change (a client's write, with or without a script write handler, or
 * ctx.setValue) reaches an HTTP long-poll observer, a CoAP observer and a composite VO observing it,
 * each exactly once, and is recorded as one propertychange.
 */
describe("node-wot-vo run: a change of a held observable value reaches every observer once (real servers and clients on 127.0.0.1)", function () {
    this.timeout(60_000);
    let dir: string;
    let room: RunningVo | undefined;
    let cvo: RunningVo | undefined;
    let coapObservation: { close(): void } | undefined;

    beforeEach(() => (dir = tempDir("node-wot-vo-held-")));
    afterEach(async () => {
        coapObservation?.close();
        coapObservation = undefined;
        await cvo?.stop();
        await room?.stop();
        cvo = room = undefined;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const descriptor = (name: string, extra: string[] = []) =>
        parseDescriptor(
            [`name: ${name}`, "http: { port: 0 }", "coap: { port: 0 }", "selfCheck: { interval: 0 }", ...extra].join(
                "\n"
            ),
            path.join(dir, `${name}.yaml`),
            {}
        );
    const script = (name: string, text: string) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, text);
        return file;
    };

    /** Observes a property with the coap package's client; its first answer is the value when it began. */
    async function observeOverCoap(port: number, pathname: string): Promise<unknown[]> {
        const values: unknown[] = [];
        const req = coap.request({ hostname: "127.0.0.1", port, pathname, observe: true });
        const stream = await new Promise<coap.IncomingMessage>((resolve, reject) => {
            req.on("response", resolve);
            req.on("error", reject);
            req.end();
        });
        coapObservation = stream as unknown as { close(): void };
        stream.on("data", (chunk: Buffer) =>
            values.push(chunk.length === 0 ? undefined : JSON.parse(chunk.toString()))
        );
        await waitFor(() => values.length === 1, 5000, "the CoAP observation's first answer");
        return values;
    }

    /** Runs the room VO with `properties` in its script, a composite VO observing its occupancy, and a CoAP observer. */
    async function observeRoom(properties: string) {
        const roomScript = script(
            "room.js",
            `module.exports = {
    properties: ${properties},
    actions: { addNote: async (input, ctx) => { await ctx.setValue("occupancy", input.text.length); return { id: 1 }; } },
};`
        );
        room = await runVo({
            config: descriptor("room"),
            tdFile: ROOM_TD,
            scriptFile: roomScript,
            log: () => undefined,
        });
        const base = `http://127.0.0.1:${room.httpPort}/roomlog`;
        const byCvo: unknown[] = [];
        const cvoScript = script(
            "cvo.js",
            "module.exports = { consumed: { room: { propertyChanges: { occupancy: (v, ctx) => ctx.log(`occupancy ${JSON.stringify(v)}`) } } } };"
        );
        cvo = await runVo({
            config: descriptor("cvo", [`consumedVOs: { room: { url: "${base}", propertyChanges: [occupancy] } }`]),
            scriptFile: cvoScript,
            log: (line) => {
                if (line.startsWith("occupancy ")) byCvo.push(JSON.parse(line.slice("occupancy ".length)));
            },
        });
        // the first answer is the value when the observation began: none yet (the TD gives no default)
        const byCoap = await observeOverCoap(room.coapPort!, "/roomlog/properties/occupancy");
        expect(byCoap.shift()).to.equal(undefined);
        return { base, byCvo, byCoap, vo: room };
    }

    /** Each step with a fresh long-poll open; returns what each long-poll answered. */
    async function change(
        base: string,
        vo: RunningVo,
        steps: Step[],
        seen: { byCvo: unknown[]; byCoap: unknown[] }
    ): Promise<unknown[]> {
        const byLongPoll: unknown[] = [];
        const occupancyObservers = async () =>
            (await vo.vo.state.listObservers()).filter((o) => o.affordance === "occupancy").length;
        for (const [i, step] of steps.entries()) {
            // the composite VO's long-poll, which it opens again after each notification, and the CoAP observer
            await waitFor(async () => (await occupancyObservers()) === 2, 5000, `step ${i}: two observers`);
            const poll = fetch(`${base}/properties/occupancy/observable`, { signal: AbortSignal.timeout(5000) });
            await waitFor(async () => (await occupancyObservers()) === 3, 5000, `step ${i}: the long-poll observing`);
            const res =
                "put" in step
                    ? await put(base, step.put)
                    : await fetch(`${base}/actions/addNote`, {
                          method: "POST",
                          headers: { "content-type": "application/json" },
                          body: JSON.stringify({ text: step.note }),
                      });
            expect(res.status, `step ${i}`).to.be.oneOf([200, 204]);
            byLongPoll.push(await (await poll).json());
            await waitFor(() => seen.byCvo.length > i && seen.byCoap.length > i, 5000, `step ${i}: notified`).catch(
                (err: Error) => {
                    throw new Error(`${err.message}; composite VO: ${seen.byCvo}; CoAP: ${seen.byCoap}`);
                }
            );
        }
        await new Promise((r) => setTimeout(r, 300)); // room for a duplicate to arrive
        return byLongPoll;
    }

    const put = (base: string, value: number) =>
        fetch(`${base}/properties/occupancy`, {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(value),
        });

    const recorded = async (vo: RunningVo, op: string) => {
        await vo.vo.flush();
        const rows = await vo.vo.history({ thing: ROOM, kind: "property", name: "occupancy", okOnly: false });
        return rows.filter((r) => r.op === op).map((r) => r.value);
    };

    it("without a script write handler: a client's write and ctx.setValue each notify once and record one propertychange", async function () {
        const { base, byCvo, byCoap, vo } = await observeRoom("{}");
        const byLongPoll = await change(base, vo, [{ put: 7 }, { put: 8 }, { note: "four" }], { byCvo, byCoap });
        expect(byLongPoll).to.deep.equal([7, 8, 4]);
        expect(byCoap).to.deep.equal([7, 8, 4]);
        expect(byCvo).to.deep.equal([7, 8, 4]);
        expect(await recorded(vo, "writeproperty")).to.deep.equal([7, 8]);
        expect(await recorded(vo, "propertychange")).to.deep.equal([7, 8, 4]);
        expect(await (await fetch(`${base}/properties/occupancy`)).json()).to.equal(4);
    });

    it("with a script write handler: its accepted write is held and notifies once, also when the handler sets the value itself", async function () {
        const { base, byCvo, byCoap, vo } = await observeRoom(
            `{ occupancy: { write: (v, ctx) => (v === 13 ? Promise.reject(new Error("unlucky")) : v > 100 ? ctx.setValue("occupancy", 100) : ctx.log("counted " + v)) } }`
        );
        const byLongPoll = await change(base, vo, [{ put: 7 }, { put: 300 }, { note: "four" }], { byCvo, byCoap });
        expect(byLongPoll).to.deep.equal([7, 100, 4]);
        expect(byCoap).to.deep.equal([7, 100, 4]);
        expect(byCvo).to.deep.equal([7, 100, 4]);
        expect(await recorded(vo, "writeproperty")).to.deep.equal([7, 300]);
        expect(await recorded(vo, "propertychange")).to.deep.equal([7, 100, 4]);
        // a write the handler refuses is not held and notifies nobody
        const refused = await put(base, 13);
        expect(refused.status).to.not.equal(204);
        await new Promise((r) => setTimeout(r, 300));
        expect([byCoap, byCvo]).to.deep.equal([
            [7, 100, 4],
            [7, 100, 4],
        ]);
        expect(await (await fetch(`${base}/properties/occupancy`)).json()).to.equal(4);
    });

    it("a proxied device's change, written through its mirror or to the device, reaches the mirror's observer once and is recorded once on each", async function () {
        room = await runVo({ config: descriptor("room"), tdFile: ROOM_TD, log: () => undefined });
        const device = `http://127.0.0.1:${room.httpPort}/roomlog`;
        expect((await put(device, 1)).status).to.equal(204);
        cvo = await runVo({ config: descriptor("mirror", [`proxy: { td: "${device}" }`]), log: () => undefined });
        const mirror = `http://127.0.0.1:${cvo.httpPort}/roomlogmirror`;
        const byCoap = await observeOverCoap(cvo.coapPort!, "/roomlogmirror/properties/occupancy");
        expect(byCoap.shift()).to.equal(1);
        const deviceObservers = async () =>
            (await room!.vo.state.listObservers()).filter((o) => o.affordance === "occupancy").length;
        for (const [i, [at, value]] of (
            [
                [mirror, 5],
                [device, 6],
                [mirror, 7],
            ] as const
        ).entries()) {
            // the mirror's relay: a long-poll on the device, opened again after each notification
            await waitFor(async () => (await deviceObservers()) === 1, 5000, `step ${i}: the relay observing`);
            expect((await put(at, value)).status).to.equal(204);
            await waitFor(() => byCoap.length > i, 5000, `step ${i}: the mirror's observer notified`);
        }
        await new Promise((r) => setTimeout(r, 300)); // room for a duplicate to arrive
        expect(byCoap).to.deep.equal([5, 6, 7]);
        const mirrorChanges = async () => {
            await cvo!.vo.flush();
            const rows = await cvo!.vo.history({
                thing: "urn:node-wot-vo:mirror:urn:dev:ops:room-log-1",
                kind: "property",
                name: "occupancy",
            });
            return rows.filter((r) => r.op === "propertychange").map((r) => r.value);
        };
        expect(await mirrorChanges()).to.deep.equal([5, 6, 7]);
        expect(await recorded(room, "propertychange")).to.deep.equal([1, 5, 6, 7]); // 1 before the mirror
    });
});
