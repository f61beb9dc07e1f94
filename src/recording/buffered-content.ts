import { Readable } from "node:stream";
import { Content } from "@node-wot/core";

const BYTES = Symbol("bytes");
const STREAM = Symbol("stream");

/**
 * A Content whose body was already read (the recorder reads a write's or an action's body once to
 * record and check it). node-wot reads it again through `toBuffer()` (InteractionOutput.value and
 * arrayBuffer), which here is the bytes themselves instead of a second pass through a stream; the
 * stream is made only if someone asks for `body` (InteractionOutput.data).
 */
export class BufferedContent extends Content {
    private [BYTES]: Buffer;
    private [STREAM]: NodeJS.ReadableStream | undefined;

    constructor(type: string, bytes: Buffer) {
        super(type, undefined as unknown as NodeJS.ReadableStream);
        this[BYTES] = bytes;
    }

    override toBuffer(): Promise<Buffer> {
        return Promise.resolve(this[BYTES]);
    }
}

// `body` is an accessor on the prototype (Content declares it a field, which TypeScript will not let
// a subclass turn into an accessor); Content's constructor assigns it through the setter.
Object.defineProperty(BufferedContent.prototype, "body", {
    configurable: true,
    enumerable: true,
    get(this: BufferedContent & Record<symbol, unknown>): NodeJS.ReadableStream {
        let stream = this[STREAM] as NodeJS.ReadableStream | undefined;
        if (stream === undefined) {
            const bytes = this[BYTES] as Buffer;
            stream = new Readable({
                read() {
                    this.push(bytes);
                    this.push(null);
                },
            });
            this[STREAM] = stream;
        }
        return stream;
    },
    set(this: BufferedContent & Record<symbol, unknown>, stream: NodeJS.ReadableStream | undefined): void {
        this[STREAM] = stream;
    },
});
