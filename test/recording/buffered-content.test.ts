import { expect } from "chai";
import { ProtocolHelpers } from "@node-wot/core";
import { InteractionOutput } from "@node-wot/core/dist/interaction-output";
import { BufferedContent } from "../../src/recording/buffered-content";

// The recorder reads a write's or an action's body once and hands node-wot a BufferedContent: every way
// node-wot and a script read a body must still see the same bytes.
describe("BufferedContent: a body already read, handed to node-wot", function () {
    const bytes = Buffer.from(JSON.stringify({ t: 21.5, unit: "°C" }));
    const form = { href: "http://127.0.0.1/x", contentType: "application/json" };
    const schema = {
        type: "object",
        properties: { t: { type: "number" }, unit: { type: "string" } },
    } as const;

    it("gives the bytes through toBuffer, as often as asked", async function () {
        const c = new BufferedContent("application/json", bytes);
        expect(c.type).to.equal("application/json");
        expect((await c.toBuffer()).equals(bytes)).to.equal(true);
        expect((await c.toBuffer()).equals(bytes)).to.equal(true);
    });

    it("gives the same bytes as a stream, made only when asked for", async function () {
        const c = new BufferedContent("application/json", bytes);
        const read = await ProtocolHelpers.readStreamFully(c.body);
        expect(read.equals(bytes)).to.equal(true);
        expect(c.body).to.equal(c.body); // one stream, as a plain Content has
    });

    it("is read by node-wot's InteractionOutput: value(), arrayBuffer() and the data stream", async function () {
        const value = await new InteractionOutput(new BufferedContent("application/json", bytes), form, schema).value();
        expect(value).to.deep.equal({ t: 21.5, unit: "°C" });
        const buf = await new InteractionOutput(new BufferedContent("application/json", bytes), form).arrayBuffer();
        expect(Buffer.from(buf).equals(bytes)).to.equal(true);
        const out = new InteractionOutput(new BufferedContent("application/json", bytes), form, schema);
        const chunks: Uint8Array[] = [];
        const reader = (out.data as ReadableStream<Uint8Array>).getReader();
        for (;;) {
            const { done, value: chunk } = await reader.read();
            if (done) break;
            chunks.push(chunk);
        }
        expect(Buffer.concat(chunks).equals(bytes)).to.equal(true);
    });

    it("refuses a schema-breaking value as node-wot does for any content", async function () {
        const bad = Buffer.from(JSON.stringify({ t: "warm" }));
        const out = new InteractionOutput(new BufferedContent("application/json", bad), form, schema);
        let error: unknown;
        await out.value().catch((err: unknown) => (error = err));
        expect(error).to.be.instanceOf(Error);
        expect((error as Error).message).to.match(/Invalid value according to DataSchema/);
    });
});
