import { expect } from "chai";
import * as coap from "coap";
import { Servient } from "@node-wot/core";
import { HttpClientFactory } from "@node-wot/binding-http";
import type * as WoT from "wot-typescript-definitions";
import { CoapResponseError } from "../../src";
import { freeUdpPort } from "../helpers/free-port";
import { exposeSensor, SensorState } from "../helpers/sensor-thing";
import { ClientFixture, formIndex, startClient, startVo, VoFixture } from "../helpers/vo-fixture";

const via = (scheme: string, affordance: unknown, op?: string) => ({
    formIndex: formIndex(affordance as { forms: { href: string }[] }, scheme, op),
});

async function rejection(p: Promise<unknown>): Promise<Error> {
    return p.then(
        () => {
            throw new Error("expected a rejection");
        },
        (err: Error) => err
    );
}

// Regression tests of src/protocols/http/http-client-factory.ts and coap/coap-client-factory.ts: binding-http 0.9.2
// cannot follow a redirected write or action (node-fetch refuses to re-send a stream body), binding-coap
// 0.8.16 resolves every CoAP answer, errors included, and follows nothing.
describe("this package's clients follow a redirecting VO (real VOs on 127.0.0.1)", function () {
    this.timeout(20_000);
    let moved: VoFixture; // redirects everything to `target`
    let target: VoFixture;
    let client: ClientFixture;
    let td: WoT.ThingDescription;
    let movedState: SensorState;
    let targetState: SensorState;

    before(async function () {
        moved = await startVo();
        target = await startVo();
        ({ td, state: movedState } = await exposeSensor(moved.wot));
        ({ state: targetState } = await exposeSensor(target.wot));
        targetState.humidity = 77;
        client = await startClient();
    });
    beforeEach(async function () {
        await moved.vo.state.setRedirects([`127.0.0.1:${target.httpPort}`]);
    });
    after(async function () {
        await client?.close();
        await moved?.close();
        await target?.close();
    });

    for (const scheme of ["http", "coap"]) {
        it(`reads, writes and invokes through the redirect over ${scheme.toUpperCase()}`, async function () {
            // a CoAP redirect names the target's CoAP port, so the target is given per protocol
            const port = scheme === "http" ? target.httpPort : target.coapPort;
            await moved.vo.state.setRedirects([`127.0.0.1:${port}`]);
            const thing = await client.wot.consume(td);
            const humidity = await thing.readProperty("humidity", via(scheme, td.properties!.humidity));
            expect(await humidity.value()).to.equal(77);
            await thing.writeProperty(
                "label",
                `moved over ${scheme}`,
                via(scheme, td.properties!.label, "writeproperty")
            );
            expect(targetState.label).to.equal(`moved over ${scheme}`);
            expect(movedState.label).to.equal("lab");
            const out = await thing.invokeAction("calibrate", { offset: 2 }, via(scheme, td.actions!.calibrate));
            expect(await out!.value()).to.deep.equal({ offset: 2, applied: true });
            expect(targetState.offset).to.equal(2);
            expect(movedState.offset).to.equal(0);
        });
    }

    it("gives up on a redirect loop with an error naming it", async function () {
        await target.vo.state.setRedirects([`127.0.0.1:${moved.httpPort}`]);
        try {
            const thing = await client.wot.consume(td);
            const err = await rejection(thing.writeProperty("label", "x", via("http", td.properties!.label)));
            expect(err.message).to.match(/after 5 redirects/);
            await moved.vo.state.setRedirects([`127.0.0.1:${target.coapPort}`]);
            await target.vo.state.setRedirects([`127.0.0.1:${moved.coapPort}`]);
            const coapErr = await rejection(thing.readProperty("humidity", via("coap", td.properties!.humidity)));
            expect(coapErr).to.be.instanceOf(CoapResponseError);
            expect(coapErr.message).to.match(/^CoAP 5\.03 from coap:\/\/.*gave up after 5 redirects/);
        } finally {
            await target.vo.state.setRedirects([]);
        }
    });

    it("binding-http's own client still fails a redirected write (why VoHttpClientFactory exists)", async function () {
        const servient = new Servient();
        servient.addClientFactory(new HttpClientFactory());
        const wot = await servient.start();
        try {
            const thing = await wot.consume(td);
            const err = await rejection(thing.writeProperty("label", "x", via("http", td.properties!.label)));
            expect(err.message).to.match(/redirect/i);
            expect(targetState.label).to.not.equal("x");
        } finally {
            await servient.shutdown();
        }
    });
});

describe("VoCoapClientFactory turns CoAP error responses into errors", function () {
    this.timeout(10_000);

    it("rejects a 4.04 and a 5.00 with the code, the URL and the payload", async function () {
        const server = coap.createServer();
        server.on("request", (req: coap.IncomingMessage, res: coap.OutgoingMessage) => {
            res.code = req.url.startsWith("/missing") ? "4.04" : "5.00";
            res.end(req.url.startsWith("/missing") ? "no such resource" : "sensor bus fault");
        });
        const port = await freeUdpPort();
        await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
        const client = await startClient();
        try {
            const thing = await client.wot.consume({
                "@context": "https://www.w3.org/2022/wot/td/v1.1",
                title: "Broken",
                securityDefinitions: { nosec_sc: { scheme: "nosec" } },
                security: ["nosec_sc"],
                properties: {
                    missing: { type: "number", forms: [{ href: `coap://127.0.0.1:${port}/missing` }] },
                    faulty: { type: "number", forms: [{ href: `coap://127.0.0.1:${port}/faulty` }] },
                },
            } as unknown as WoT.ThingDescription);
            const missing = await rejection(thing.readProperty("missing"));
            expect(missing).to.be.instanceOf(CoapResponseError);
            expect(missing.message).to.equal(`CoAP 4.04 from coap://127.0.0.1:${port}/missing: no such resource`);
            const faulty = await rejection(thing.writeProperty("faulty", 3));
            expect(faulty.message).to.equal(`CoAP 5.00 from coap://127.0.0.1:${port}/faulty: sensor bus fault`);
        } finally {
            await client.close();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        }
    });
});
