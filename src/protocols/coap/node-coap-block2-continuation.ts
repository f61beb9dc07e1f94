import { parameters } from "coap/dist/lib/parameters";
import { replaceMethod } from "../patches/replace-method";
import { matchableOptions, PacketLike } from "./node-coap-block1-reassembly";

/** node-coap's Server: the key its Block2 cache keeps a large answer under (server.js). */
export interface NodeCoapBlock2Server {
    _toCacheKey(request: unknown, packet: PacketLike & { token?: Buffer }): string | null;
    _clientIdentifier(request: unknown): string;
    saveAdditionalBlock2Options(cacheKey: unknown, response: unknown): void;
    _block2Cache: {
        get(key: unknown): CacheEntry | undefined;
        add(key: unknown, entry: CacheEntry): unknown;
    };
}

interface CacheEntry {
    buffer: Buffer;
    options: unknown[];
}

/** node-coap's response (OutgoingMessage): how it adds a large answer to the Block2 cache. */
interface CachingResponse {
    _packet?: { options?: { name: string | number; value: unknown }[] };
    _addCacheEntry?: (key: unknown, entry: CacheEntry) => unknown;
}

const installed = new WeakSet<object>();

/**
 * node-coap 1.4.1 keeps an answer larger than one block (RFC 7959 Block2) for the requests of its next
 * blocks under the token of the request and the client (`_toCacheKey`). libcoap 4.3 asks for every block
 * with a new token, so each of its requests missed the cache and was answered afresh: a representation
 * that changes between two requests (a history whose range ends "now") got a new ETag each time, and
 * libcoap started over from block 0, for good. The blocks of one answer are matched as RFC 7959
 * section 2.4 and RFC 9175 say instead: same client, method and options but the block ones (and Observe).
 *
 * node-coap also copies the options of the first answer (its Content-Format) into the cache right after the
 * request handler returns, which is before an async handler has answered: the later blocks came without a
 * Content-Format, and libcoap refused them ("Content-Format option mismatch"). `keepContentFormat` puts it
 * into the cache entry when the entry is made.
 */
export function continueBlock2ByRequest(server: NodeCoapBlock2Server): void {
    if (installed.has(server)) return;
    installed.add(server);
    type CacheKey = NodeCoapBlock2Server["_toCacheKey"];
    replaceMethod<CacheKey>(
        server,
        "_toCacheKey",
        "node-coap-block2-cache-key",
        () =>
            function (this: NodeCoapBlock2Server, request, packet) {
                if (packet.token === undefined || packet.token.length === 0) return null; // as node-coap: no token, no cache
                // the GETs of a notification's later blocks come without Observe (libcoap) or with it (node-coap)
                const options = packet.options?.filter((o) => o.name !== "Observe" && o.name !== 6);
                return `${this._clientIdentifier(request)} ${matchableOptions({ ...packet, options })}`;
            }
    );
    // keepContentFormat does it once the answer exists
    replaceMethod(server, "saveAdditionalBlock2Options", "node-coap-block2-options", () => () => undefined);
    // each block answered from the cache adds the entry again, without options: it keeps those it had
    const cache = server._block2Cache;
    type Add = NodeCoapBlock2Server["_block2Cache"]["add"];
    replaceMethod<Add>(cache, "add", "node-coap-block2-cache-keeps-options", (add) => (key, entry) => {
        const kept = entry.options.length === 0 ? cache.get(key)?.options : undefined;
        return add.call(cache, key, kept === undefined ? entry : { ...entry, options: kept });
    });
}

/** Makes the Block2 cache entry of this response carry its Content-Format (see above). */
export function keepContentFormat(res: unknown): void {
    const r = res as CachingResponse;
    if (typeof r._addCacheEntry !== "function") return; // set by node-coap on an answer it may cache only
    type Add = NonNullable<CachingResponse["_addCacheEntry"]>;
    replaceMethod<Add>(r, "_addCacheEntry", "node-coap-block2-content-format", (add) => (key, entry) => {
        const format = r._packet?.options?.filter((o) => o.name === "Content-Format" || o.name === 12) ?? [];
        return add(key, { ...entry, options: [...format] });
    });
}

/** The largest block node-coap sends (server.js `maxBlock2`): 1024 bytes, or less when its payload size is. */
export function maxPayloadBlock(): number {
    return Math.min(1024, 2 ** Math.floor(Math.log2(parameters.maxPayloadSize)));
}
