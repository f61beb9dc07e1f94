import { expect } from "chai";
import * as coap from "coap";
import type * as WoT from "wot-typescript-definitions";
import { coapCall, hasLibcoapClient } from "../../conformance/wire-clients";
import { exposeSensor } from "../../helpers/sensor-thing";
import { startVo, VoFixture, waitFor } from "../../helpers/vo-fixture";
import { libcoap, libcoapPayload } from "./coap-clients";

const THING = "urn:dev:ops:environment-sensor-1";

/** The answers libcoap received (its -v 7 trace), with their options. */
const answers = (pdus: string[]) => pdus.filter((l) => /^v:1 t:(ACK|CON|NON) c:[2-5]\./.test(l));

// node-coap 1.4.1 opens an observe stream for every GET with Observe: 0, whatever it names. Every answer then
// carried Observe, a property nobody can observe got its value with Observe: 1 and then a 5.00 notification
// with node-wot's internal error ("no property listener from found"), and anything larger than one datagram
// (a TD, a history page, a large value) was never sent: "Max packet size is 1152", the client timed out.
describe("CoAP GET with Observe through VoCoapServer (RFC 7641 with RFC 7959)", function () {
    this.timeout(40_000);
    let vo: VoFixture;
    let thing: WoT.ExposedThing;
    let journal: WoT.ExposedThing;
    let base: string;
    let libcoapHere = false;
    let big = "";

    before(async function () {
        libcoapHere = await hasLibcoapClient();
        if (!libcoapHere && process.env.CI === "true") throw new Error("coap-client-notls (libcoap3-bin) is missing");
        vo = await startVo();
        ({ thing } = await exposeSensor(vo.wot));
        for (let i = 0; i < 60; i++) await thing.emitPropertyChange("temperature");
        journal = await vo.wot.produce({
            title: "Journal",
            id: "urn:test:journal",
            properties: { text: { type: "string", observable: true, readOnly: true } },
        });
        journal.setPropertyReadHandler("text", async () => big);
        big = "a".repeat(3000);
        await journal.expose();
        await vo.vo.flush();
        base = `coap://127.0.0.1:${vo.coapPort}`;
    });
    after(async () => {
        await vo?.close();
    });

    const needLibcoap = (ctx: Mocha.Context) => {
        if (!libcoapHere) ctx.skip();
    };

    it("answers a property that is not observable as a plain GET: 2.05, its value, no Observe, no observer", async function () {
        const href = `${base}/environmentsensor/properties/humidity`;
        const viaPackage = await coapCall(href, "GET", { observe: true });
        expect([viaPackage.code, viaPackage.body.toString(), viaPackage.headers.Observe]).to.deep.equal([
            "2.05",
            "40",
            undefined,
        ]);
        if (libcoapHere) {
            const viaLibcoap = await libcoap(["-s", "2", "-m", "get", href], 10_000);
            expect(viaLibcoap.stdout).to.equal("40");
            const got = answers(viaLibcoap.pdus);
            expect(got, got.join("\n")).to.have.length(1);
            expect(got[0])
                .to.match(/c:2\.05 /)
                .and.not.match(/Observe/);
        }
        expect(await vo.vo.state.listObservers()).to.deep.equal([]);
        await vo.vo.flush();
        const rows = await vo.vo.history({ thing: THING, kind: "property", name: "humidity" });
        expect(rows.map((r) => [r.op, r.ok])).to.deep.equal(rows.map(() => ["readproperty", true]));
        expect(rows).to.have.length(libcoapHere ? 2 : 1);
    });

    it("answers a TD and a history page asked for with Observe whole, block-wise, without Observe", async function () {
        const resources = [`${base}/environmentsensor`, `${base}/environmentsensor/properties/temperature/history`];
        for (const href of resources) {
            const plain = await coapCall(href, "GET");
            expect(plain.body.length, href).to.be.greaterThan(2048);
            const viaPackage = await coapCall(href, "GET", { observe: true });
            expect([viaPackage.code, viaPackage.headers.Observe], href).to.deep.equal(["2.05", undefined]);
            expect(viaPackage.body.length, href).to.equal(plain.body.length);
            if (!libcoapHere) continue;
            const viaLibcoap = await libcoapPayload(["-s", "2", "-m", "get", href], 10_000);
            const got = answers(viaLibcoap.pdus);
            expect(got.join("\n"), href).to.not.match(/Observe/);
            expect(got.filter((l) => /Block2:\d+\/M\//.test(l)).length, href).to.be.greaterThan(1);
            // a history's range ends "now": its items are the same, its "to" is later
            const withoutTo = (body: Buffer) => ({ ...(JSON.parse(body.toString()) as object), to: undefined });
            expect(withoutTo(viaLibcoap.payload), href).to.deep.equal(withoutTo(plain.body));
        }
    });

    it("answers errors to an Observe request without Observe, and registers nothing", async function () {
        const refusals: [string, string, number?][] = [
            [`${base}/environmentsensor/properties/nope`, "4.04"],
            [`${base}/nothing`, "4.04"],
            [`${base}/environmentsensor/events/nope`, "4.04"],
            [`${base}/environmentsensor/properties/temperature/history?limit=0`, "4.00"],
            [`${base}/environmentsensor/properties/temperature`, "4.06", 41],
        ];
        for (const [href, code, accept] of refusals) {
            const viaPackage = await coapCall(href, "GET", { observe: true, accept });
            expect([viaPackage.code, viaPackage.headers.Observe], href).to.deep.equal([code, undefined]);
            if (!libcoapHere) continue;
            const args = accept === undefined ? [] : ["-A", String(accept)];
            const got = answers((await libcoap(["-s", "2", ...args, "-m", "get", href], 10_000)).pdus);
            expect(got, href).to.have.length(1);
            expect(got[0], href)
                .to.match(new RegExp(`c:${code.replace(".", "\\.")} `))
                .and.not.match(/Observe/);
        }
        expect(await vo.vo.state.listObservers()).to.deep.equal([]);
    });

    // node-coap's client (1.4.1) reads the whole of a block-wise notification, but takes its sequence number from
    // the answer to the last block, which carries no Observe (RFC 7959 section 3.4), and drops the later large
    // ones as stale: with the coap package the first notification is checked whole, then a small one
    it("sends a notification larger than one block block-wise: read whole by the coap package", async function () {
        big = "a".repeat(3000);
        const url = new URL(`${base}/journal/properties/text`);
        const values: string[] = [];
        const req = coap.request({
            hostname: url.hostname,
            port: Number(url.port),
            pathname: url.pathname,
            observe: true,
        });
        const stream = await new Promise<coap.IncomingMessage>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error("no answer within 8 s")), 8000);
            req.on("response", (res: coap.IncomingMessage) => (clearTimeout(timer), resolve(res)));
            req.on("error", reject);
            req.end();
        });
        try {
            expect(stream.code).to.equal("2.05");
            stream.on("data", (chunk: Buffer) => values.push(JSON.parse(chunk.toString()) as string));
            await waitFor(() => values.length === 1, 8000, "the first notification");
            big = "small";
            await journal.emitPropertyChange("text");
            await waitFor(() => values.length === 2, 8000, "the second notification");
            expect(values).to.deep.equal(["a".repeat(3000), "small"]);
        } finally {
            (stream as unknown as { close(): void }).close();
        }
    });

    it("sends a notification larger than one block block-wise: each read whole by libcoap's coap-client", async function () {
        needLibcoap(this);
        big = "c".repeat(3000);
        const observing = libcoapPayload(["-s", "4", "-m", "get", `${base}/journal/properties/text`], 12_000);
        await new Promise((r) => setTimeout(r, 1500));
        big = "d".repeat(2000);
        await journal.emitPropertyChange("text");
        await new Promise((r) => setTimeout(r, 500));
        big = "e";
        await journal.emitPropertyChange("text");
        const seen = await observing;
        expect(seen.payload.toString()).to.equal(`"${"c".repeat(3000)}""${"d".repeat(2000)}""e"`);
        const notifications = answers(seen.pdus).filter((l) => /Observe:\d+/.test(l));
        expect(notifications.map((l) => /Block2:[^ ,\]]*/.exec(l)?.[0])).to.deep.equal([
            "Block2:0/M/1024",
            "Block2:0/M/1024",
            undefined,
        ]);
    });
});
