import { createBlock2, getOption, parseBlock2 } from "coap/dist/lib/helpers";
import { replaceMethod } from "../patches/replace-method";
import { maxPayloadBlock } from "./node-coap-block2-continuation";
import type { NodeCoapServer, PacketLike } from "./node-coap-block1-reassembly";

/** node-coap's ObserveWriteStream (observe_write_stream.js): what is used or replaced of it here. */
interface ObserveStream {
    _packet: { options?: { name: string | number; value: unknown }[] };
    _request?: PacketLike;
    _counter?: number;
    _cachekey?: unknown;
    _addCacheEntry?: (key: unknown, entry: { buffer: Buffer; options: unknown[] }) => unknown;
    _write(chunk: unknown, encoding: unknown, done: (err?: Error | null) => void): void;
    setOption(name: string, value: unknown): unknown;
    end(...args: unknown[]): unknown;
}

const installed = new WeakSet<object>();
const isObserve = (o: { name: string | number }) => o.name === "Observe" || o.name === 6;

/**
 * node-coap 1.4.1 answers every GET carrying `Observe: 0` with an observe stream, whatever it names: every
 * answer then carried `Observe` (a TD, a history page, a property nobody can observe, a 4.04), and one
 * larger than a datagram failed ("Max packet size is 1152") and was never sent. RFC 7641 section 4.1: a
 * server that does not add the client to its observers answers as to a plain GET, without `Observe`.
 * Here a request keeps `Observe: 0` only when `observable` says its resource is (an observable property, an
 * event) and it is not asking for a later block of a notification (RFC 7959 section 2.6: those are plain
 * GETs; node-coap's client sends them with `Observe: 0` still, libcoap without); node-coap then answers the
 * others as any GET: block-wise, piggybacked, with duplicates detected.
 */
export function observeOnlyObservable(server: NodeCoapServer, observable: (packet: PacketLike) => boolean): void {
    if (installed.has(server)) return;
    installed.add(server);
    replaceMethod<NodeCoapServer["_handle"]>(
        server,
        "_handle",
        "node-coap-observe-only-observable",
        (handle) => (packet, rsinfo) => {
            const observe = packet.options?.find(isObserve);
            const registers =
                observe !== undefined && packet.code === "0.01" && Buffer.from(observe.value).every((b) => b === 0);
            if (registers && (laterBlock(packet) || !observable(packet))) {
                packet.options = packet.options!.filter((o) => !isObserve(o));
            }
            return handle.call(server, packet, rsinfo);
        }
    );
}

function laterBlock(packet: PacketLike): boolean {
    const block2 = getOption(packet.options as never, "Block2");
    return Buffer.isBuffer(block2) && (parseBlock2(block2)?.num ?? 0) > 0;
}

/**
 * How an observe stream answers, made right for node-coap 1.4.1 (its ObserveWriteStream puts `Observe` on
 * whatever it sends and sends it in one datagram):
 *  - ended before any notification (an error, a refusal): a plain answer, without `Observe` (RFC 7641
 *    section 4.1; the client is not an observer);
 *  - a notification larger than one block: its first block with Block2 and an ETag (RFC 7959 section 2.6),
 *    the whole kept in node-coap's Block2 cache, where the client's GETs of the later blocks find it.
 * Not an observe stream (node-coap's plain answer): left as it is.
 */
export function answerObserveStream(res: unknown): void {
    const stream = res as ObserveStream;
    if (typeof stream._write !== "function" || typeof stream._counter !== "number") return;
    let plain = false;
    const setOption = stream.setOption;
    replaceMethod<ObserveStream["end"]>(
        stream,
        "end",
        "node-coap-observe-plain-end",
        (end) =>
            function (this: unknown, ...args: unknown[]) {
                if (stream._counter === 0) plain = true;
                return end.apply(this, args);
            }
    );
    replaceMethod<ObserveStream["setOption"]>(
        stream,
        "setOption",
        "node-coap-observe-plain-option",
        () =>
            function (this: unknown, name: string, value: unknown) {
                if (plain && isObserve({ name })) return stream;
                return setOption.call(this, name, value);
            }
    );
    replaceMethod<ObserveStream["_write"]>(
        stream,
        "_write",
        "node-coap-observe-block-wise",
        (write) =>
            function (this: unknown, chunk, encoding, done) {
                const body = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
                stream._packet.options = stream._packet.options?.filter((o) => !BLOCK2_OPTIONS.has(o.name));
                const size = blockSize(stream._request);
                if (body.length <= size) return write.call(this, body, encoding, done);
                setOption.call(stream, "Block2", createBlock2({ num: 0, more: 1, size }));
                setOption.call(stream, "ETag", nodeCoapETag(body));
                if (stream._cachekey != null) stream._addCacheEntry?.(stream._cachekey, { buffer: body, options: [] });
                return write.call(this, body.subarray(0, size), encoding, done);
            }
    );
}

const BLOCK2_OPTIONS = new Set<string | number>(["Block2", 23, "ETag", 4, "Size2", 28]);

/** The block size: node-coap's largest, or a smaller one the request asked for (RFC 7959 section 2.4). */
function blockSize(request: PacketLike | undefined): number {
    const asked = getOption(request?.options as never, "Block2");
    const size = Buffer.isBuffer(asked) ? (parseBlock2(asked)?.size ?? 0) : 0;
    return size > 0 ? Math.min(size, maxPayloadBlock()) : maxPayloadBlock();
}

/**
 * node-coap's ETag of a block-wise answer (server.js `_toETag`, not exported): the later blocks, answered by
 * node-coap from its cache, carry it, and a client that sees two ETags starts over.
 */
function nodeCoapETag(payload: Buffer): Buffer {
    const id = Buffer.of(0, 0);
    for (let i = 0; i < payload.length; i += 2) {
        id[0] ^= payload[i];
        id[1] ^= payload[i + 1] ?? 0;
    }
    return id;
}
