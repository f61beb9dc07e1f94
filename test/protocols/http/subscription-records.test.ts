import http from "node:http";
import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import type { HistoryRecord } from "../../../src";
import { exposeSensor } from "../../helpers/sensor-thing";
import { ClientFixture, formIndex, startClient, startVo, VoFixture, waitFor } from "../../helpers/vo-fixture";
import { recordsOf } from "./http-helpers";

const THING = "urn:dev:ops:environment-sensor-1";

const httpForm = (affordance: unknown, op: string) => ({
    formIndex: formIndex(affordance as { forms: { href: string }[] }, "http", op),
});

/** Opens a long poll with node's http module; `close()` is the client going away. */
function longPoll(url: string): { close(): void } {
    const req = http.request(url, { method: "GET", headers: { accept: "application/json" } });
    req.on("error", () => undefined); // aborted by close()
    req.end();
    return { close: () => req.destroy() };
}

async function waitForOp(
    vo: VoFixture,
    kind: "property" | "event",
    name: string,
    op: string,
    count: number
): Promise<HistoryRecord[]> {
    let rows: HistoryRecord[] = [];
    await waitFor(
        async () => {
            rows = (await recordsOf(vo, THING, kind, name)).filter((r) => r.op === op);
            return rows.length >= count;
        },
        5000,
        `${count} ${op} record(s)`
    );
    return rows;
}

// binding-http 0.9.2 ends an HTTP observation or subscription from the response's close/finish
// events, which ran outside the request's async context: the records of their end said `local`.
// http-face.ts (emitInContext) runs those events in the request's context.
describe("HTTP unobserve and unsubscribe are recorded with protocol and client address (real clients on 127.0.0.1)", function () {
    this.timeout(20_000);
    let vo: VoFixture;
    let client: ClientFixture;
    let td: WoT.ThingDescription;

    before(async function () {
        vo = await startVo();
        client = await startClient();
        ({ td } = await exposeSensor(vo.wot));
    });
    after(async function () {
        await client?.close();
        await vo?.close();
    });

    it("node-wot's client stopping an observation and a subscription", async function () {
        const consumed = await client.wot.consume(td);
        const obs = await consumed.observeProperty(
            "temperature",
            () => undefined,
            undefined,
            httpForm(td.properties!.temperature, "observeproperty")
        );
        const sub = await consumed.subscribeEvent(
            "overheat",
            () => undefined,
            undefined,
            httpForm(td.events!.overheat, "subscribeevent")
        );
        const [observed] = await waitForOp(vo, "property", "temperature", "observeproperty", 1);
        const [subscribed] = await waitForOp(vo, "event", "overheat", "subscribeevent", 1);
        await obs.stop(httpForm(td.properties!.temperature, "unobserveproperty"));
        await sub.stop(httpForm(td.events!.overheat, "unsubscribeevent"));
        const [unobserved] = await waitForOp(vo, "property", "temperature", "unobserveproperty", 1);
        const [unsubscribed] = await waitForOp(vo, "event", "overheat", "unsubscribeevent", 1);
        expect(unobserved).to.include({ protocol: "http", ok: true, origin: observed.origin });
        expect(unsubscribed).to.include({ protocol: "http", ok: true, origin: subscribed.origin });
        expect(observed.origin).to.match(/^127\.0\.0\.1:\d+$/);
    });

    it("a plain HTTP client closing its long polls", async function () {
        const observeHref = td.properties!.temperature.forms.find(
            (f) => f.href.startsWith("http:") && [f.op].flat().includes("observeproperty")
        )!.href;
        const eventHref = td.events!.overheat.forms.find((f) => f.href.startsWith("http:"))!.href;
        const observation = longPoll(observeHref);
        const subscription = longPoll(eventHref);
        const observed = (await waitForOp(vo, "property", "temperature", "observeproperty", 2))[1];
        const subscribed = (await waitForOp(vo, "event", "overheat", "subscribeevent", 2))[1];
        observation.close();
        subscription.close();
        const unobserved = (await waitForOp(vo, "property", "temperature", "unobserveproperty", 2))[1];
        const unsubscribed = (await waitForOp(vo, "event", "overheat", "unsubscribeevent", 2))[1];
        expect(unobserved).to.include({ protocol: "http", origin: observed.origin });
        expect(unsubscribed).to.include({ protocol: "http", origin: subscribed.origin });
        expect(observed.origin).to.not.equal(subscribed.origin); // two connections, two ports
    });
});
