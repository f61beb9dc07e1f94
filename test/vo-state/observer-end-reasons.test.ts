import http from "node:http";
import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { exposeSensor } from "../helpers/sensor-thing";
import { startVo, VoFixture, waitFor } from "../helpers/vo-fixture";
import { emptyAck, Message, OPTION, pathOptions, rawSocket } from "../protocols/coap/coap-clients";

const TIMEOUT_MS = 1000;

interface ObserverRow {
    id: number;
    protocol: string;
    port: number;
    ended_at: string | null;
    end_reason: string | null;
}

// node-coap 1.4.1 drops an observer that stops acknowledging only when the notification's exchange times
// out (EXCHANGE_LIFETIME, 247 s), notifying it all along, and the row then closed with the operation's
// name, "unobserveproperty", as if the client had deregistered. Each end now says why.
describe("why an observer's row closed (end_reason)", function () {
    this.timeout(20_000);
    let vo: VoFixture;
    let thing: WoT.ExposedThing;
    let td: WoT.ThingDescription;
    let href: string;

    beforeEach(async function () {
        vo = await startVo({ protocols: { observerTimeoutMs: TIMEOUT_MS } });
        ({ thing, td } = await exposeSensor(vo.wot));
        href = td.properties!.temperature.forms.find((f) => f.href.startsWith("coap:"))!.href;
    });
    afterEach(async function () {
        await vo?.close();
    });

    const rows = async () =>
        (await vo.vo.sqliteDb.executeQuery(
            "SELECT id, protocol, port, ended_at, end_reason FROM observer ORDER BY id"
        )) as ObserverRow[];

    /** A bare CoAP client observing the temperature: acknowledges notifications while `answer` says so. */
    async function observer(answer: () => "ACK" | "RST" | "none", token = Buffer.from("cafe", "hex")) {
        const notifications: Message[] = [];
        const socket = await rawSocket((m) => {
            notifications.push(m);
            const how = answer();
            if (m.type === "CON" && how !== "none") socket.send(emptyAck(m.messageId, how), vo.coapPort);
        });
        const get = (observe: number, messageId: number) =>
            socket.send(
                {
                    type: "CON",
                    code: "0.01",
                    messageId,
                    token,
                    options: [
                        [OPTION.Observe, observe === 0 ? Buffer.alloc(0) : Buffer.from([observe])],
                        ...pathOptions(href),
                    ],
                    payload: Buffer.alloc(0),
                },
                vo.coapPort
            );
        get(0, 1);
        await waitFor(async () => (await rows()).some((r) => r.port === socket.port), 5000, "the observer row");
        return { socket, notifications, deregister: () => get(1, 2) };
    }

    async function notify(n: number): Promise<void> {
        for (let i = 0; i < n; i++) {
            thing.emitPropertyChange("temperature");
            await new Promise((r) => setTimeout(r, 100));
        }
    }

    it("closes a CoAP observer that stops acknowledging within observerTimeoutMs, as client gone", async function () {
        let alive = true;
        const o = await observer(() => (alive ? "ACK" : "none"));
        try {
            // acknowledged notifications keep it, past the bound
            await notify(Math.ceil((1.5 * TIMEOUT_MS) / 100));
            expect((await rows())[0]).to.include({ ended_at: null });
            alive = false;
            const stoppedAt = Date.now();
            await notify(1);
            await waitFor(async () => (await rows())[0].ended_at !== null, TIMEOUT_MS + 2000, "the row closed");
            expect(Date.now() - stoppedAt).to.be.lessThan(TIMEOUT_MS + 1500);
            expect((await rows())[0]).to.include({ protocol: "coap", end_reason: "client gone" });
            // and the VO stops notifying it: nothing more than the retransmissions already under way
            const seen = o.notifications.length;
            await notify(3);
            await new Promise((r) => setTimeout(r, 300));
            expect(o.notifications.length).to.equal(seen);
        } finally {
            o.socket.close();
        }
    });

    it("keeps deregistered and reset apart", async function () {
        const dereg = await observer(() => "ACK");
        // the same token from another port of the same host: a client of its own
        const reset = await observer(() => "RST");
        try {
            dereg.deregister();
            await waitFor(async () => (await rows())[0].ended_at !== null, 5000, "deregistered");
            await notify(1); // the reset observer answers this with RST
            await waitFor(async () => (await rows())[1].ended_at !== null, 5000, "reset");
            expect((await rows()).map((r) => r.end_reason)).to.deep.equal(["deregistered", "reset"]);
        } finally {
            dereg.socket.close();
            reset.socket.close();
        }
    });

    it("closes an HTTP observation whose client disconnects as client disconnected", async function () {
        const observable = td.properties!.temperature.forms.find(
            (f) => f.href.startsWith("http:") && [f.op].flat().includes("observeproperty")
        )!.href;
        const req = http.get(observable);
        req.on("error", () => undefined); // destroyed below
        await waitFor(async () => (await rows()).length === 1, 5000, "the HTTP observer row");
        req.destroy();
        await waitFor(async () => (await rows())[0].ended_at !== null, 5000, "the row closed");
        expect((await rows())[0]).to.include({ protocol: "http", end_reason: "client disconnected" });
    });

    // binding-http ends an event subscription itself on "close", outside any request: its row closed as
    // "unsubscribeevent", like an unsubscription the client asked for
    it("closes an HTTP event subscription whose client disconnects as client disconnected", async function () {
        const subscribe = td.events!.overheat.forms.find((f) => f.href.startsWith("http:"))!.href;
        const req = http.get(subscribe);
        req.on("error", () => undefined); // destroyed below
        await waitFor(async () => (await rows()).length === 1, 5000, "the HTTP subscriber row");
        req.destroy();
        await waitFor(async () => (await rows())[0].ended_at !== null, 5000, "the row closed");
        expect((await rows())[0]).to.include({ protocol: "http", end_reason: "client disconnected" });
    });
});
