import { createLogger } from "../../log";
import { replaceMethod } from "../patches/replace-method";

const { debug } = createLogger("protocols:coap:block1");

/**
 * Where a request that came in blocks (RFC 7959 Block1) stands, for VoCoapServer to answer:
 *  - continue: a block before the last, kept; answer 2.31 Continue with `option` (the block echoed)
 *  - complete: the last block; the request now carries the whole body, answer with `option` echoed
 *  - too-large: the body would pass the bound (Size1 declared it, or the blocks so far do); answer 4.13
 *  - incomplete: a block out of order, or one whose earlier blocks are unknown; answer 4.08
 */
export type Block1State =
    | { step: "continue"; option: Buffer }
    | { step: "complete"; option: Buffer; size: number }
    | { step: "too-large"; size: number }
    | { step: "incomplete"; reason: string };

/** The parts of a packet as node-coap 1.4.1 parses it (coap-packet). */
export interface PacketLike {
    code?: string;
    ack?: boolean;
    reset?: boolean;
    options?: { name: string | number; value: Buffer }[];
    payload?: Buffer;
}
interface RemoteInfo {
    address: string;
    port: number;
}
/** node-coap's Server: `_handle` is where each parsed datagram enters (server.js). */
export interface NodeCoapServer {
    _handle(packet: PacketLike, rsinfo: RemoteInfo): void;
}

interface Transfer {
    parts: Buffer[];
    received: number;
    touched: number;
}

/** A client that stops in the middle of an upload: its blocks are dropped after this long without a new one. */
const IDLE_MS = 60_000;
/** Uploads kept at once (each at most the body bound); the oldest is dropped past this. */
const MAX_TRANSFERS = 16;
/** Options that differ between the blocks of one body (RFC 9175 section 3.1, "matchable"). */
const PER_BLOCK = new Set<string | number>([
    "Block1",
    "Block2",
    "Size1",
    "Size2",
    "Q-Block1",
    "Q-Block2",
    27,
    23,
    60,
    28,
]);

const states = new WeakMap<object, Block1State>();
const installed = new WeakSet<object>();

/** Where the request whose packet this is stands in a block-wise upload, or undefined if it did not come in blocks. */
export function block1Of(packet: object | undefined): Block1State | undefined {
    return packet === undefined ? undefined : states.get(packet);
}

/**
 * node-coap 1.4.1 puts the blocks of an upload together by the token of each block's request (server.js,
 * `_block1Cache` keyed by `${token}/${client}`). RFC 7959 lets each block be its own exchange with its own
 * token, and libcoap 4.3 sends every block with a new one (telling the body apart by Request-Tag, RFC 9175):
 * every block lands in an entry of its own, and the last one fails with "5.00 Byte offset not the next in
 * line...", which node-coap even sends as a non-confirmable message. No node-coap issue tracks it.
 *
 * Here the blocks of one body are matched as RFC 7959 section 2.4 / RFC 9175 section 3.1 say: same client
 * endpoint, same method, same options but the block ones (Uri-Path, Uri-Query, Content-Format, Request-Tag,
 * ...). They must come in order. Each block still goes through node-coap, so its message deduplication
 * answers a retransmitted block: without its Block1 option, marked (`block1Of`) for VoCoapServer to answer,
 * the last one carrying the whole body. A body over `maxBodyBytes()` is refused as soon as Size1 or the
 * blocks received tell, and its blocks are not kept.
 */
export function reassembleBlock1(server: NodeCoapServer, maxBodyBytes: () => number): void {
    if (installed.has(server)) return;
    installed.add(server);
    const transfers = new Map<string, Transfer>();
    replaceMethod<NodeCoapServer["_handle"]>(
        server,
        "_handle",
        "node-coap-block1-reassembly",
        (handle) => (packet, rsinfo) => {
            try {
                const block = blockOption(packet);
                if (block !== undefined) step(packet, rsinfo, block);
            } catch (err) {
                debug("block-wise request not understood: %s", (err as Error).message);
            }
            handle.call(server, packet, rsinfo);
        }
    );

    function step(packet: PacketLike, rsinfo: RemoteInfo, block: Block): void {
        const now = Date.now();
        const key = transferKey(packet, rsinfo);
        const payload = packet.payload ?? Buffer.alloc(0);
        const limit = maxBodyBytes();
        packet.options = packet.options!.filter((o) => o.name !== "Block1" && o.name !== 27);
        packet.payload = Buffer.alloc(0); // until the last block, the request carries no body
        const mark = (state: Block1State) => states.set(packet, state);
        if (block.szx === 7) return void mark({ step: "incomplete", reason: "block size exponent 7 is reserved" });
        const offset = block.num * 2 ** (block.szx + 4);

        let transfer = transfers.get(key);
        if (block.num === 0) {
            const declared = sizeOption(packet);
            if (declared !== undefined && declared > limit) {
                transfers.delete(key);
                return void mark({ step: "too-large", size: declared });
            }
            prune(now);
            transfer = { parts: [], received: 0, touched: now };
            transfers.delete(key); // a new first block starts the body again
            transfers.set(key, transfer);
        }
        if (transfer === undefined) {
            return void mark({
                step: "incomplete",
                reason: `block ${block.num} of a body whose first block is unknown`,
            });
        }
        transfer.touched = now;
        if (offset === transfer.received) {
            if (transfer.received + payload.length > limit) {
                transfers.delete(key);
                return void mark({ step: "too-large", size: transfer.received + payload.length });
            }
            transfer.parts.push(payload);
            transfer.received += payload.length;
        } else if (offset + payload.length > transfer.received) {
            transfers.delete(key);
            return void mark({
                step: "incomplete",
                reason: `block ${block.num} starts at byte ${offset}, ${transfer.received} bytes came before it`,
            });
        } // else: a block received before, sent again in a new exchange; it is answered again
        const echo = blockValue(block.num, block.more, block.szx);
        if (block.more) return void mark({ step: "continue", option: echo });
        transfers.delete(key);
        packet.payload = Buffer.concat(transfer.parts, transfer.received);
        mark({ step: "complete", option: echo, size: transfer.received });
    }

    function prune(now: number): void {
        for (const [key, t] of transfers) {
            if (now - t.touched > IDLE_MS || transfers.size >= MAX_TRANSFERS) transfers.delete(key);
            else break; // in the order they started, which is also the order they were last touched, mostly
        }
    }
}

interface Block {
    num: number;
    more: boolean;
    szx: number;
}

/** The Block1 option of a request, if it has one (RFC 7959 section 2.2: 0 to 3 bytes, NUM | M | SZX). */
function blockOption(packet: PacketLike): Block | undefined {
    if (packet.ack === true || packet.reset === true || packet.code === undefined || !packet.code.startsWith("0.")) {
        return undefined;
    }
    const option = packet.options?.find((o) => o.name === "Block1" || o.name === 27);
    if (option === undefined || !Buffer.isBuffer(option.value) || option.value.length > 3) return undefined;
    let value = 0;
    for (const byte of option.value) value = (value << 8) | byte;
    return { num: value >> 4, more: (value & 0x8) !== 0, szx: value & 0x7 };
}

function blockValue(num: number, more: boolean, szx: number): Buffer {
    const value = (num << 4) | (more ? 0x8 : 0) | szx;
    if (value === 0) return Buffer.alloc(0);
    const bytes = value < 0x100 ? 1 : value < 0x10000 ? 2 : 3;
    const buf = Buffer.alloc(bytes);
    buf.writeUIntBE(value, 0, bytes);
    return buf;
}

function sizeOption(packet: PacketLike): number | undefined {
    const option = packet.options?.find((o) => o.name === "Size1" || o.name === 60);
    if (option === undefined || !Buffer.isBuffer(option.value) || option.value.length > 4) return undefined;
    return option.value.length === 0 ? 0 : option.value.readUIntBE(0, option.value.length);
}

/** Method and every option but the per-block ones, in order: what the blocks of one body share (RFC 9175). */
export function matchableOptions(packet: PacketLike): string {
    const options = (packet.options ?? [])
        .filter((o) => !PER_BLOCK.has(o.name))
        .map((o) => `${o.name}=${Buffer.isBuffer(o.value) ? o.value.toString("hex") : String(o.value)}`);
    return `${packet.code} ${options.join(";")}`;
}

/** Client endpoint and the matchable options. */
function transferKey(packet: PacketLike, rsinfo: RemoteInfo): string {
    return `${rsinfo.address}:${rsinfo.port} ${matchableOptions(packet)}`;
}
