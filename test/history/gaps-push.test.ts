import { expect } from "chai";
import * as coap from "coap";
import { attachDevicePush } from "../../src";
import { coapCall } from "../conformance/wire-clients";
import { expandHistory } from "../helpers/history-template";
import { exposeSensor } from "../helpers/sensor-thing";
import { formIndex, startVo, VoFixture, waitFor } from "../helpers/vo-fixture";

interface Answer {
    gaps: { from: string; to: string; reason: string; open?: boolean }[];
}

/** A device with no WoT runtime: one raw CoAP PUT of a JSON value. */
function coapPut(url: string, value: unknown): Promise<string> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
        const req = coap.request({ hostname: u.hostname, port: Number(u.port), pathname: u.pathname, method: "PUT" });
        req.setOption("Content-Format", "application/json");
        req.on("response", (res) => resolve(res.code));
        req.on("error", reject);
        req.end(JSON.stringify(value));
    });
}

describe("gaps in history: a pushing device silent, then pushing again (real servient, HTTP and CoAP)", function () {
    this.timeout(20_000);
    let vo: VoFixture;
    let started: number;

    before(async function () {
        started = Date.now();
        vo = await startVo({
            vo: {
                thing: false,
                selfCheckIntervalMs: 0,
                device: { url: "push:", intervalMs: 500, lostAfter: 2, recoverAfter: 1 },
            },
        });
    });
    after(async () => vo?.close());

    it("the Thing the device pushes to has a device-lost gap while no push came; another Thing has none", async function () {
        const begin = Date.now();
        const { thing, td } = await exposeSensor(vo.wot);
        const { td: other } = await exposeSensor(vo.wot, { id: "urn:dev:ops:not-fronting" });
        attachDevicePush(thing, vo.vo, { properties: ["label"] });
        const links = (a: unknown) =>
            (a as { "vo:history": { href: string }[] })["vo:history"].map((l) => expandHistory(l.href));
        const [http, , coapHref] = links(td.properties!.label);
        const rangeEnd = Date.now() + 10_000;
        let open: Answer = { gaps: [] };
        await waitFor(
            async () => {
                open = (await (await fetch(`${http}?from=${begin}&to=${rangeEnd}`)).json()) as Answer;
                return open.gaps.length > 0;
            },
            5000,
            "no push yet: an open device-lost gap"
        );
        const lostSeenAt = Date.now();
        expect(vo.vo.state.deviceLiveness.state).to.equal("lost");
        expect(open.gaps).to.have.length(1);
        expect(open.gaps[0]).to.include({ reason: "device-lost", open: true, to: new Date(rangeEnd).toISOString() });
        // the first probe, at the VO's start, finds no push: suspect, where the gap starts (maybe before this range)
        expect(Date.parse(open.gaps[0].from)).to.be.within(started, lostSeenAt);

        const pushedAt = Date.now();
        const href = td.properties!.label.forms[formIndex(td.properties!.label, "coap", "writeproperty")].href;
        expect(await coapPut(href, "pushed")).to.equal("2.04");
        let closed: Answer = { gaps: [] };
        let to = 0;
        await waitFor(
            async () => {
                to = Date.now() + 1;
                closed = (await (await fetch(`${http}?from=${begin}&to=${to}`)).json()) as Answer;
                return closed.gaps[0]?.open === undefined;
            },
            3000,
            "the gap closed by the push"
        );
        const aliveAt = Date.now();
        expect(vo.vo.state.deviceLiveness.state).to.equal("alive");
        expect(closed.gaps).to.deep.equal([{ from: open.gaps[0].from, to: closed.gaps[0].to, reason: "device-lost" }]);
        expect(Date.parse(closed.gaps[0].to)).to.be.within(pushedAt, aliveAt);
        const overCoap = await coapCall(`${coapHref}?from=${begin}&to=${to}`, "GET");
        expect(overCoap.code).to.equal("2.05");
        expect((JSON.parse(overCoap.body.toString()) as Answer).gaps).to.deep.equal(closed.gaps);

        const [otherHttp] = links(other.properties!.label);
        expect(((await (await fetch(`${otherHttp}?from=${begin}&to=${to}`)).json()) as Answer).gaps).to.deep.equal([]);
    });
});
