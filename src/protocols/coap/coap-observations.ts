import type { Content } from "@node-wot/core";
import { createLogger } from "../../log";
import { formatAddress } from "../../model/address";
import type { Protocol } from "../../model/interaction-record";
import { runAsRequest } from "../../model/request-context";
import { NodeCoapServerLike, NotificationStream, watchObserver } from "./coap-observer-liveness";

const { debug, warn } = createLogger("protocols:coap:coap-observations");

/** Why an observation or event subscription ended, as the `observer` table keeps it (end_reason). */
export type ObservationEnd =
    | "deregistered" // GET with Observe: 1 (RFC 7641 section 3.6)
    | "reset" // the client answered a notification with Reset
    | "client gone" // notifications went unacknowledged for observerTimeoutMs
    | "notification failed"
    | "VO stopped";

export interface ObserveStream extends NotificationStream {
    code: string;
    setOption(name: string, value: unknown): unknown;
    write(chunk: Buffer): boolean;
    end(chunk?: unknown): unknown;
    once(event: "finish" | "error", fn: () => void): unknown;
    writableEnded?: boolean;
}

export interface CoapRequest {
    _packet?: { token?: Buffer; options?: { name: string | number; value: unknown }[] };
    url: string;
    method: string;
    payload: Buffer;
    headers: Record<string, unknown>;
    rsinfo: { address: string; port: number };
}

/** What an observation needs of the server that serves it. */
export interface ObservationHost {
    /** the VoCoapServer: key of its active observations */
    server: object;
    protocol: Protocol;
    /** node-coap's server under it, whose acknowledgements tell whether an observer is still there */
    node: NodeCoapServerLike;
    observerTimeoutMs(): number;
}

/** Active observations of one server by client address and token, for deregistration (RFC 7641 section 3.6). */
const active = new WeakMap<object, Map<string, (why: ObservationEnd) => void>>();

/** By client endpoint and token. */
function observationKey(req: CoapRequest): string {
    return `${req.rsinfo.address}:${req.rsinfo.port}/${req._packet?.token?.toString("hex") ?? ""}`;
}

/**
 * A GET with Observe: 1 ends the observation the same client made with the same token: from the same
 * endpoint, else (a client may deregister from a new socket, not another host) the one observation of that
 * address with that token.
 */
export function deregister(server: object, req: CoapRequest): boolean {
    const map = active.get(server);
    let end = map?.get(observationKey(req));
    if (end === undefined && map !== undefined) {
        const token = `/${req._packet?.token?.toString("hex") ?? ""}`;
        const same = [...map].filter(([k]) => k.startsWith(`${req.rsinfo.address}:`) && k.endsWith(token));
        if (same.length === 1) end = same[0][1];
    }
    end?.("deregistered");
    return end !== undefined;
}

/** Ends every open observation of a server (it is stopping: their streams would go on retransmitting). */
export function endAll(server: object, why: ObservationEnd): void {
    for (const end of [...(active.get(server)?.values() ?? [])]) end(why);
}

/** Writes each notification in order, one at a time; ends the observation once. */
function notifier(res: ObserveStream, end: (why: ObservationEnd) => void): (content: Content) => Promise<void> {
    let queue = Promise.resolve();
    return (content: Content) => {
        queue = queue.then(async () => {
            if (res.writableEnded) return;
            try {
                const body = await content.toBuffer();
                res.setOption("Content-Format", content.type);
                res.write(body);
            } catch (err) {
                warn("CoAP notification failed, ending the observation: %s", (err as Error).message);
                end("notification failed");
            }
        });
        return queue;
    };
}

export interface Observation {
    listener: (content: Content) => Promise<void>;
    /** registration failed: forget it without unsubscribing */
    abandon(): void;
    /** registration took effect: watch the stream for the client's Reset, silence and errors */
    watch(): void;
}

/**
 * The listener of one observation and how it ends, once: registry entry gone, listener unsubscribed (in a
 * request context naming why, which the recorder passes on to the observer registry), stream ended.
 */
export function openObservation(
    host: ObservationHost,
    req: CoapRequest,
    res: ObserveStream,
    unsubscribe: (listener: (content: Content) => Promise<void>) => void
): Observation {
    let map = active.get(host.server);
    if (map === undefined) active.set(host.server, (map = new Map()));
    const key = observationKey(req);
    const origin = formatAddress(req.rsinfo.address, req.rsinfo.port);
    let stopWatching: () => void = () => undefined;
    let done = false;
    const end = (why: ObservationEnd): void => {
        if (done) return;
        done = true;
        try {
            map.delete(key);
            stopWatching();
            runAsRequest({ protocol: host.protocol, origin, endReason: why }, () => unsubscribe(listener));
            if (!res.writableEnded) res.end();
            debug("observation by %s ended: %s", origin, why);
        } catch (err) {
            debug("ending an observation: %s", (err as Error).message);
        }
    };
    map.set(key, end);
    const listener = notifier(res, end);
    return {
        listener,
        abandon: () => {
            done = true;
            map.delete(key);
        },
        watch: () => {
            if (done) return;
            stopWatching = watchObserver(host.node, res, req.rsinfo, host.observerTimeoutMs(), end);
            // node-coap ends the stream when a notification's exchange times out (247 s): the client is gone
            res.once("finish", () => end("client gone"));
            res.once("error", () => end("notification failed"));
        },
    };
}
