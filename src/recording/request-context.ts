import { AsyncLocalStorage } from "node:async_hooks";
import type { Protocol } from "./interaction-record";
import { formatAddress } from "../address";

/** Who is asking: set where a request enters a protocol server, read by the recorder. */
export interface RequestOrigin {
    protocol: Protocol;
    /** client address, `ip` or `ip:port` (`[ip]:port` for IPv6) */
    origin?: string;
    /** runs `fn` once when the client's connection for this request closes (HTTP only) */
    onClose?: (fn: () => void) => void;
}

/**
 * What async context carries: the request being served and the recorder's scope of the handler
 * that is running. One AsyncLocalStorage for both: with Node.js 20 every storage instance adds its
 * own work to the creation of every promise and callback, so two of them cost twice.
 */
export interface ContextFrame {
    request: RequestOrigin | undefined;
    /** owned by the recorder (thing-recorder's handler scope) */
    scope: object | undefined;
}

const frames = new AsyncLocalStorage<ContextFrame>();

/** The origin of the request being handled, or undefined for the VO's own calls. */
export function currentRequest(): RequestOrigin | undefined {
    return frames.getStore()?.request;
}

/** Runs `fn` as if called by a request from `origin` (used by servers, and by tests). */
export function runAsRequest<T>(origin: RequestOrigin, fn: () => T): T {
    return frames.run({ request: origin, scope: frames.getStore()?.scope }, fn);
}

/** The recorder's scope of the handler running now, if any. */
export function currentScope(): object | undefined {
    return frames.getStore()?.scope;
}

/** Calls `fn(...args)` with `scope` as the handler scope, in the same request. */
export function runInScope<A extends unknown[], R>(scope: object, fn: (...args: A) => R, ...args: A): R {
    return frames.run({ request: frames.getStore()?.request, scope }, fn, ...args);
}

interface HttpLikeRequest {
    socket?: { remoteAddress?: string; remotePort?: number };
}
interface CoapLikeRequest {
    rsinfo?: { address?: string; port?: number };
}

function originOf(req: unknown): string | undefined {
    const http = (req as HttpLikeRequest).socket;
    if (http?.remoteAddress !== undefined) return formatAddress(http.remoteAddress, http.remotePort);
    const coap = (req as CoapLikeRequest).rsinfo;
    return formatAddress(coap?.address, coap?.port);
}

/** A node-wot protocol server: both the HTTP and the CoAP binding route every request through `handleRequest`. */
interface RequestHandlingServer {
    scheme: string;
    handleRequest?: (req: unknown, res: unknown) => unknown;
}

const captured = new WeakSet<object>();

function callHandler(
    handle: (req: unknown, res: unknown) => unknown,
    server: unknown,
    req: unknown,
    res: unknown
): unknown {
    return handle.call(server, req, res);
}

/**
 * node-wot never hands the client's address to a Thing's handlers. Both bindings call their own
 * `handleRequest(req, res)` for each request, so wrapping that one method on the server instance
 * puts the origin into async context for everything the request causes.
 * Returns false for a server that has no such method (the origin then stays unknown).
 */
export function captureRequestOrigins(server: RequestHandlingServer): boolean {
    if (captured.has(server)) return true;
    const original = server.handleRequest;
    if (typeof original !== "function") return false;
    const protocol = (["http", "https", "coap", "coaps"].includes(server.scheme) ? server.scheme : "local") as Protocol;
    server.handleRequest = function (this: unknown, req: unknown, res: unknown) {
        const r = res as { once?: (event: string, fn: () => void) => unknown };
        const onClose = typeof r?.once === "function" ? (fn: () => void) => void r.once!("close", fn) : undefined;
        const request: RequestOrigin = { protocol, origin: originOf(req), onClose };
        return frames.run({ request, scope: frames.getStore()?.scope }, callHandler, original, this, req, res);
    };
    captured.add(server);
    return true;
}
