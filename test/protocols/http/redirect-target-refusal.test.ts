import { expect } from "chai";
import { startVo, VoFixture } from "../../helpers/vo-fixture";
import { coapRequest } from "../coap/coap-clients";
import { httpRequest, lastRecordOf } from "./http-helpers";

const VO_THING = "urn:node-wot-vo:status";

// A malformed target written to the VO Thing's `redirects` was answered 500 / 5.00: the validation
// threw a plain Error, the server's fault by the refusal model (src/model/refusal.ts).
describe("a malformed redirect target written to the VO Thing: 400 / 4.00 naming the entry (real servers on 127.0.0.1)", function () {
    this.timeout(20_000);
    let vo: VoFixture;

    before(async function () {
        vo = await startVo({ vo: { thing: {}, selfCheckIntervalMs: 0 } });
    });
    after(async function () {
        await vo?.close();
    });

    it("answers HTTP 400 naming the entry, records the refusal and keeps the targets it had", async function () {
        await vo.vo.state.setRedirects(["192.0.2.7:8080"]);
        try {
            const res = await httpRequest(`http://127.0.0.1:${vo.httpPort}/vostatus/properties/redirects`, {
                method: "PUT",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(["192.0.2.8", "not a host!"]),
            });
            expect(res.status).to.equal(400);
            expect(res.body.toString()).to.include('redirect target 1 "not a host!"');
            expect(vo.vo.state.redirects.all).to.deep.equal(["192.0.2.7:8080"]);
            const record = await lastRecordOf(vo, VO_THING, "property", "redirects");
            expect(record.op).to.equal("writeproperty");
            expect(record.ok).to.equal(false);
            expect(record.error).to.include("not a host!");
        } finally {
            await vo.vo.state.setRedirects([]);
        }
    });

    it("answers CoAP 4.00 naming the entry (the same write goes through the same check)", async function () {
        const res = await coapRequest(`coap://127.0.0.1:${vo.coapPort}/vostatus/properties/redirects`, {
            method: "PUT",
            payload: '["a b"]',
            contentFormat: "application/json",
        });
        expect(res.code).to.equal("4.00");
        expect(res.text).to.include('redirect target 0 "a b"');
        expect(vo.vo.state.redirects.all).to.deep.equal([]);
    });
});
