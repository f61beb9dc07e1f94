import { expect } from "chai";
import * as coap from "coap";
import type * as WoT from "wot-typescript-definitions";
import { exposeSensor } from "../helpers/sensor-thing";
import { ClientFixture, formIndex, startClient, startVo, VoFixture, waitFor } from "../helpers/vo-fixture";

const http = (affordance: unknown, op?: string) => ({
    formIndex: formIndex(affordance as { forms: { href: string }[] }, "http", op),
});

function coapGet(url: string): Promise<{ code: string; body: string }> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
        const req = coap.request({ hostname: u.hostname, port: Number(u.port), pathname: u.pathname, method: "GET" });
        req.on("response", (res) => resolve({ code: res.code, body: res.payload.toString() }));
        req.on("error", reject);
        req.end();
    });
}

describe("observers and redirects (real clients on 127.0.0.1)", function () {
    this.timeout(20_000);
    let vo: VoFixture;
    let client: ClientFixture;
    let td: WoT.ThingDescription;
    let thing: WoT.ExposedThing;
    let statusTd: WoT.ThingDescription;

    before(async function () {
        vo = await startVo({ vo: { thing: {}, selfCheckIntervalMs: 0 } });
        client = await startClient();
        ({ thing, td } = await exposeSensor(vo.wot));
        statusTd = await client.wot.requestThingDescription(`http://127.0.0.1:${vo.httpPort}/vostatus`);
    });
    after(async function () {
        await client?.close();
        await vo?.close();
    });

    // A cancelled HTTP observation ends at once: binding-http 0.9.2 only ends it when the response finishes
    // (regression test of src/bindings/http-observe-close.ts).
    it("keeps an HTTP event subscription and a property observation in `observer` while they last", async function () {
        const consumed = await client.wot.consume(td);
        const events: unknown[] = [];
        const sub = await consumed.subscribeEvent(
            "overheat",
            async (d) => void events.push(await d.value()),
            undefined,
            http(td.events!.overheat, "subscribeevent")
        );
        const obs = await consumed.observeProperty(
            "temperature",
            async () => undefined,
            undefined,
            http(td.properties!.temperature, "observeproperty")
        );
        await waitFor(async () => (await vo.vo.state.listObservers()).length === 2, 5000, "two observers");
        const rows = await vo.vo.state.listObservers();
        expect(rows.map((r) => [r.protocol, r.thing, r.affordance, r.op, r.ip])).to.have.deep.members([
            ["http", "urn:dev:ops:environment-sensor-1", "overheat", "subscribeevent", "127.0.0.1"],
            ["http", "urn:dev:ops:environment-sensor-1", "temperature", "observeproperty", "127.0.0.1"],
        ]);
        expect(rows.every((r) => typeof r.port === "number" && r.started_at !== null)).to.equal(true);

        // the same list through the VO Thing
        const status = await client.wot.consume(statusTd);
        const listed = (await (await status.readProperty("observers")).value()) as { affordance: string }[];
        expect(listed.map((o) => o.affordance).sort()).to.deep.equal(["overheat", "temperature"]);

        thing.emitEvent("overheat", { temperature: 90 });
        await waitFor(() => events.length === 1, 5000, "the event");
        await sub.stop(http(td.events!.overheat, "unsubscribeevent"));
        await obs.stop(http(td.properties!.temperature, "unobserveproperty"));
        await waitFor(async () => (await vo.vo.state.listObservers()).length === 0, 5000, "no observers");
        const ended = (await vo.vo.sqliteDb.executeQuery(
            "SELECT affordance, ended_at IS NOT NULL AS ended FROM observer ORDER BY id"
        )) as { affordance: string; ended: number }[];
        expect(ended.every((r) => r.ended === 1)).to.equal(true);
    });

    it("answers HTTP with 307 to the same path on the target, CoAP with 5.03 naming it; the VO Thing stays served", async function () {
        const status = await client.wot.consume(statusTd);
        await status.writeProperty("redirects", ["192.0.2.50:8080", "[2001:db8::1]"]);
        try {
            expect(
                await vo.vo.sqliteDb.executeQuery("SELECT ip FROM redirect_ip WHERE active = 1 ORDER BY id")
            ).to.deep.equal([{ ip: "192.0.2.50:8080" }, { ip: "[2001:db8::1]" }]);
            const path = "/environmentsensor/properties/temperature?x=1";
            const res = await fetch(`http://127.0.0.1:${vo.httpPort}${path}`, { redirect: "manual" });
            expect(res.status).to.equal(307);
            expect(res.headers.get("location")).to.equal(`http://192.0.2.50:8080${path}`);
            await res.body?.cancel();

            const coapUrl = td.properties!.temperature.forms.find((f) => f.href.startsWith("coap:"))!.href;
            const answer = await coapGet(coapUrl);
            expect(answer.code).to.equal("5.03");
            expect(answer.body).to.equal(`redirected: coap://192.0.2.50:8080${new URL(coapUrl).pathname}`);

            // the VO Thing itself is not redirected, so the redirect can be lifted
            expect(await (await status.readProperty("redirects")).value()).to.deep.equal([
                "192.0.2.50:8080",
                "[2001:db8::1]",
            ]);
        } finally {
            await status.writeProperty("redirects", []);
        }
        const back = await fetch(`http://127.0.0.1:${vo.httpPort}/environmentsensor/properties/humidity`);
        expect(back.status).to.equal(200);
        expect(await back.json()).to.equal(40);
    });

    it("node-wot's HTTP client follows the redirect of a read to another VO", async function () {
        const other = await startVo({ vo: { thing: false, selfCheckIntervalMs: 0 } });
        try {
            const { state: otherState } = await exposeSensor(other.wot);
            otherState.humidity = 77;
            await vo.vo.state.setRedirects([`127.0.0.1:${other.httpPort}`]);
            const consumed = await client.wot.consume(td); // the TD of the redirecting VO
            const humidity = await consumed.readProperty("humidity", http(td.properties!.humidity));
            expect(await humidity.value()).to.equal(77);
        } finally {
            await vo.vo.state.setRedirects([]);
            await other.close();
        }
    });

    it("refuses a malformed redirect target, naming it, and keeps the list it had", async function () {
        for (const bad of ["http://x/", "a b", "1.2.3.4:99999", "[not-v6]:80", "host,other", ""]) {
            const err = await vo.vo.state.setRedirects([bad]).then(
                () => undefined,
                (e: Error) => e
            );
            expect(err?.message, bad).to.include(JSON.stringify(bad));
        }
        expect(vo.vo.state.redirects.all).to.deep.equal([]);
    });
});
