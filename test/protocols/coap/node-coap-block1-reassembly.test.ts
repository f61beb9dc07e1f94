import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { exposeSensor, SensorState } from "../../helpers/sensor-thing";
import { startVo, tempDir, VoFixture } from "../../helpers/vo-fixture";
import { coapRequest, libcoap } from "./coap-clients";

const THING = "urn:dev:ops:environment-sensor-1";
const BOUND = 6000;

// Regression test of src/protocols/coap/node-coap-block1-reassembly.ts: node-coap 1.4.1 puts a Block1
// upload together by token, libcoap 4.3 gives every block a token of its own (RFC 7959 allows it), and
// every upload over one block failed with "5.00 Byte offset not the next in line...". No node-coap
// issue tracks it. Bodies over `protocols.maxBodyBytes` are refused with 4.13 and Size1 (RFC 7959 2.9.3).
describe("CoAP block-wise uploads and the body bound (node-coap 1.4.1 Block1)", function () {
    this.timeout(60_000);
    let vo: VoFixture;
    let state: SensorState;
    let dir: string;
    let href: string;

    before(async function () {
        vo = await startVo({ protocols: { maxBodyBytes: BOUND } });
        ({ state } = await exposeSensor(vo.wot));
        dir = tempDir("coap-block1-");
        href = `coap://127.0.0.1:${vo.coapPort}/environmentsensor/properties/label`;
    });
    after(async function () {
        await vo?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** A file holding a JSON string whose encoding is `bytes` long. */
    function body(bytes: number, fill: string): string {
        const file = path.join(dir, `${fill}-${bytes}.json`);
        fs.writeFileSync(file, JSON.stringify(fill.repeat(bytes - 2)));
        return file;
    }

    async function lastLabel() {
        await vo.vo.flush();
        const [row] = await vo.vo.history({
            thing: THING,
            kind: "property",
            name: "label",
            descending: true,
            limit: 1,
        });
        return row;
    }

    it("takes libcoap's block-wise writes, each block with its own token, at block sizes 16 to 1024", async function () {
        const sizes = [16, 32, 64, 128, 256, 512, 1024];
        for (const [i, size] of sizes.entries()) {
            const fill = String.fromCharCode(97 + i);
            const r = await libcoap(["-m", "put", "-b", String(size), "-f", body(3000, fill), href]);
            expect(r.code, `block size ${size}`).to.equal("2.04");
            const tokens = new Set(
                r.pdus.filter((l) => l.includes("c:PUT")).map((l) => /\{([0-9a-f]*)\}/.exec(l)?.[1])
            );
            expect(tokens.size, `libcoap sends blocks with tokens of their own (block size ${size})`).to.be.greaterThan(
                1
            );
            expect(state.label).to.equal(fill.repeat(2998));
        }
        // libcoap's default for a body over one datagram: 1024-byte blocks; and a body at the bound exactly
        expect((await libcoap(["-m", "put", "-f", body(BOUND, "z"), href])).code).to.equal("2.04");
        expect(state.label).to.have.length(BOUND - 2);
        expect(await lastLabel()).to.include({ op: "writeproperty", ok: true, value: "z".repeat(BOUND - 2) });
    });

    it("takes node-coap's own block-wise writes (one token for all blocks)", async function () {
        const value = "n".repeat(4000);
        for (const szx of [0, 3, 6]) {
            const r = await coapRequest(href, { method: "PUT", payload: JSON.stringify(value + szx), blockSzx: szx });
            expect(r.code, `blocks of ${2 ** (4 + szx)} bytes`).to.equal("2.04");
            expect(state.label).to.equal(value + szx);
        }
    });

    it("refuses a libcoap upload over the bound at its first block, as Size1 tells, with 4.13 and Size1", async function () {
        const r = await libcoap(["-m", "put", "-b", "64", "-f", body(BOUND + 1, "o"), href]);
        expect(r.code).to.equal("4.13");
        const puts = r.pdus.filter((l) => / c:PUT /.test(l));
        expect(
            puts.every((l) => l.includes("Block1:0/M/64")),
            "no block after the first"
        ).to.equal(true);
        expect(r.pdus.find((l) => / c:4\.13 /.test(l))).to.include(`Size1:${BOUND}`);
        const row = await lastLabel();
        expect(row).to.include({ op: "writeproperty", ok: false, protocol: "coap" });
        expect(row.error).to.match(/over the bound of 6000 bytes/);
    });

    it("refuses an upload without Size1 at the block that passes the bound, and one datagram over it", async function () {
        // node-coap's client sends no Size1: the server counts the blocks
        const over = await coapRequest(href, {
            method: "PUT",
            payload: JSON.stringify("p".repeat(BOUND)),
            blockSzx: 6,
        });
        expect([over.code, over.headers.Size1]).to.deep.equal(["4.13", BOUND]);
        expect((await lastLabel()).error).to.match(/over the bound/);

        const small = await startVo({ protocols: { maxBodyBytes: 100 } });
        try {
            await exposeSensor(small.wot);
            const url = `coap://127.0.0.1:${small.coapPort}/environmentsensor/properties/label`;
            const r = await coapRequest(url, { method: "PUT", payload: JSON.stringify("q".repeat(200)) });
            expect([r.code, r.headers.Size1]).to.deep.equal(["4.13", 100]);
            const action = await coapRequest(url.replace(/properties\/label$/, "actions/calibrate"), {
                method: "POST",
                payload: JSON.stringify({ offset: 1, pad: "r".repeat(200) }),
            });
            expect(action.code).to.equal("4.13");
            await small.vo.flush();
            const [row] = await small.vo.history({ thing: THING, kind: "action", name: "calibrate", limit: 1 });
            expect(row).to.include({ op: "invokeaction", ok: false });
            // within the bound, the same server serves
            expect((await coapRequest(url, { method: "PUT", payload: '"ok"' })).code).to.equal("2.04");
        } finally {
            await small.close();
        }
    });
});
