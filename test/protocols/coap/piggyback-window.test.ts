import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type * as WoT from "wot-typescript-definitions";
import { startVo, VoFixture } from "../../helpers/vo-fixture";
import { libcoap, Message, OPTION, pathOptions, rawSocket } from "./coap-clients";

const REPORT = "r".repeat(5000); // five blocks of 1024 bytes

describe("CoAP answers that take longer than node-coap's 50 ms piggyback window", function () {
    this.timeout(20_000);
    let vo: VoFixture;
    let base: string;
    let invocations = 0;

    before(async function () {
        vo = await startVo();
        const thing = await vo.wot.produce({
            id: "urn:test:slow",
            title: "slow",
            properties: { report: { type: "string", readOnly: true } },
            actions: { work: { output: { type: "integer" } } },
        } as WoT.ExposedThingInit);
        thing.setPropertyReadHandler("report", async () => {
            await new Promise((resolve) => setTimeout(resolve, 200));
            return REPORT;
        });
        thing.setActionHandler("work", async () => {
            invocations++;
            await new Promise((resolve) => setTimeout(resolve, 400));
            return invocations;
        });
        await thing.expose();
        base = `coap://127.0.0.1:${vo.coapPort}/slow`;
    });
    after(async function () {
        await vo?.close();
    });

    // libcoap before 4.3.5 drops a separate response that goes on block-wise ("large body receive internal
    // issue", obgm/libcoap issue 1595): a 200 ms answer has to go piggybacked for its coap-client to read it.
    it("sends a large answer of 200 ms piggybacked and block-wise, read whole by libcoap's coap-client", async function () {
        const out = path.join(os.tmpdir(), `node-wot-vo-piggyback-${process.pid}`);
        const answer = await libcoap(["-o", out, `${base}/properties/report`], 10_000);
        expect(answer.code).to.equal("2.05");
        expect(JSON.parse(fs.readFileSync(out, "utf8"))).to.equal(REPORT);
        fs.rmSync(out);
        expect(answer.pdus.filter((l) => / t:ACK c:0\.00 /.test(l) && !l.includes("{}"))).to.deep.equal([]);
        expect(answer.pdus.find((l) => / c:2\.05 .*Block2:0\//.test(l))).to.match(/^v:1 t:ACK /);
    });

    it("runs a request once when its CON comes again while it is handled, and acknowledges the copy at once", async function () {
        const received: { at: number; m: Message }[] = [];
        const socket = await rawSocket((m) => received.push({ at: Date.now(), m }));
        try {
            const before = invocations;
            const request: Message = {
                type: "CON",
                code: "0.02",
                messageId: 0x4242,
                token: Buffer.from([7, 7]),
                options: [...pathOptions(`${base}/actions/work`), [OPTION.ContentFormat, Buffer.from([50])]],
                payload: Buffer.alloc(0),
            };
            socket.send(request, vo.coapPort);
            await new Promise((resolve) => setTimeout(resolve, 100));
            const copyAt = Date.now();
            socket.send(request, vo.coapPort); // as a client with a short ACK_TIMEOUT retransmits
            const deadline = Date.now() + 5000;
            while (!received.some((r) => r.m.type === "CON") && Date.now() < deadline) {
                await new Promise((resolve) => setTimeout(resolve, 20));
            }
            const ack = received.find((r) => r.m.type === "ACK" && r.m.messageId === 0x4242);
            expect(ack?.m.code, "the empty ACK").to.equal("0.00");
            expect(ack!.at - copyAt).to.be.below(200); // at once, not when the 400 ms handler is done
            const answer = received.find((r) => r.m.type === "CON");
            expect(answer?.m.code, "the separate answer").to.equal("2.05");
            expect(answer!.m.token.equals(request.token)).to.equal(true);
            socket.send(
                {
                    type: "ACK",
                    code: "0.00",
                    messageId: answer!.m.messageId,
                    token: Buffer.alloc(0),
                    options: [],
                    payload: Buffer.alloc(0),
                },
                vo.coapPort
            );
            expect(invocations - before).to.equal(1);
        } finally {
            socket.close();
        }
    });
});
