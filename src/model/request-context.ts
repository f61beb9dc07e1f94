import { AsyncLocalStorage } from "node:async_hooks";
import type { Operation, Protocol } from "./interaction-record";
import type { RequestRefusedError } from "./refusal";

/** Who is asking, and what the answer must say: set where a request enters a protocol server, read by the recorder. */
export interface RequestOrigin {
    protocol: Protocol;
    /** client address, `ip` or `ip:port` (`[ip]:port` for IPv6) */
    origin?: string;
    /** runs `fn` once when the client's connection for this request closes (HTTP only) */
    onClose?: (fn: () => void) => void;
    /** set when a handler refused the request: the protocol answers with the reason's status */
    refusal?: RequestRefusedError;
    /**
     * the operation the client asked for, where the protocol knows it better than the handler it calls
     * (writeallproperties is served through handleWriteMultipleProperties)
     */
    operation?: Operation;
    /** set when a read was answered from a recorded value (the device is lost): when it was recorded, ms */
    staleSince?: number;
    /** set where a protocol ends an observation or subscription itself: why ("client gone", "reset", ...) */
    endReason?: string;
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

/** Runs `fn(...args)` as if called by a request from `origin` (used by protocol servers, and by tests). */
export function runAsRequest<A extends unknown[], R>(origin: RequestOrigin, fn: (...args: A) => R, ...args: A): R {
    return frames.run({ request: origin, scope: frames.getStore()?.scope }, fn, ...args);
}

/** The recorder's scope of the handler running now, if any. */
export function currentScope(): object | undefined {
    return frames.getStore()?.scope;
}

/** Calls `fn(...args)` with `scope` as the handler scope, in the same request. */
export function runInScope<A extends unknown[], R>(scope: object, fn: (...args: A) => R, ...args: A): R {
    return frames.run({ request: frames.getStore()?.request, scope }, fn, ...args);
}
