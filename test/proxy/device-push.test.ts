import { expect } from "chai";
import * as coap from "coap";
import { attachDevicePush, InvalidProxyError } from "../../src";
import { exposeSensor } from "../helpers/sensor-thing";
import { formIndex, startVo, VoFixture, waitFor } from "../helpers/vo-fixture";

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

describe("device push (a raw CoAP device writing to the VO on 127.0.0.1)", function () {
    this.timeout(20_000);
    let vo: VoFixture;

    before(async function () {
        vo = await startVo({
            vo: {
                thing: false,
                selfCheckIntervalMs: 0,
                device: { url: "push:", intervalMs: 150, lostAfter: 2, recoverAfter: 1 },
            },
        });
    });
    after(async function () {
        await vo?.close();
    });

    it("records the push, counts it as liveness and learns the device's address; silence makes it lost", async function () {
        const { thing, td, state } = await exposeSensor(vo.wot);
        attachDevicePush(thing, vo.vo, { properties: ["label"] });
        const href = td.properties!.label.forms[formIndex(td.properties!.label, "coap", "writeproperty")].href;
        await waitFor(() => vo.vo.state.deviceLiveness.state === "lost", 5000, "no push yet: lost");
        expect(await coapPut(href, "pushed")).to.equal("2.04");
        expect(state.label).to.equal("pushed");
        await waitFor(() => vo.vo.state.deviceLiveness.state === "alive", 2000, "alive after a push");
        expect(vo.vo.state.deviceLiveness.reason).to.match(/push from 127\.0\.0\.1:\d+/);
        await waitFor(async () => (await vo.vo.state.deviceIp()) === "127.0.0.1", 2000, "the device's address learned");
        await vo.vo.flush();
        const rows = await vo.vo.sqliteDb.executeQuery(
            "SELECT op, protocol, value FROM ts_interaction WHERE thing = ? AND name = 'label'",
            [td.id!]
        );
        expect(rows).to.deep.equal([{ op: "writeproperty", protocol: "coap", value: "pushed" }]);
        await waitFor(() => vo.vo.state.deviceLiveness.state === "lost", 5000, "lost again after silence");
    });

    it("refuses a push affordance the Thing does not have, naming it", async function () {
        const { thing } = await exposeSensor(vo.wot, { id: "urn:dev:ops:second" });
        expect(() => attachDevicePush(thing, vo.vo, { properties: ["lable"] }))
            .to.throw(InvalidProxyError)
            .with.property("message", 'push.properties: EnvironmentSensor has no "lable"');
    });
});
