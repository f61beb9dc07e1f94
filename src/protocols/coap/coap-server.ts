import { CoapServer, CoapServerConfig } from "@node-wot/binding-coap";
import type { Content } from "@node-wot/core";
import { createLogger } from "../../log";

const { debug, warn } = createLogger("protocols:coap:coap-server");

/** The parts of binding-coap's request handling this file replaces (private in its typings). */
interface CoapServerInternals {
    getPort(): number;
    createInteractionOptions(
        forms: unknown,
        thing: unknown,
        req: unknown,
        contentType: string,
        uriVars: unknown
    ): object;
    sendResponse(res: unknown, code: string, payload: string): void;
    sendNotFoundResponse(res: unknown): void;
    sendMethodNotAllowedResponse(res: unknown): void;
    handleObserveProperty(...args: unknown[]): Promise<void>;
    handleEventRequest(...args: unknown[]): Promise<void>;
    createAffordanceForm(base: string, dir: string, mediaType: string, ...rest: unknown[]): FormLike;
    parseUriSegments(requestUri: string): { thingKey: string; affordanceType: string; affordanceKey: string };
}

interface FormLike {
    href: string;
}

interface ObserveStream {
    code: string;
    setOption(name: string, value: unknown): unknown;
    write(chunk: Buffer): boolean;
    end(): unknown;
    once(event: "finish" | "error", fn: () => void): unknown;
    writableEnded?: boolean;
}

interface CoapRequest {
    _packet?: { token?: Buffer };
    url: string;
    headers: Record<string, unknown>;
    rsinfo: { address: string; port: number };
}

interface ThingLike {
    properties: Record<string, { forms: unknown; uriVariables?: unknown }>;
    events: Record<string, { forms: unknown; uriVariables?: unknown }>;
    handleReadProperty(name: string, options: object): Promise<Content>;
    handleObserveProperty(name: string, listener: (c: Content) => void, options: object): Promise<void>;
    handleUnobserveProperty(name: string, listener: (c: Content) => void, options: object): void;
    handleSubscribeEvent(name: string, listener: (c: Content) => void, options: object): Promise<void>;
    handleUnsubscribeEvent(name: string, listener: (c: Content) => void, options: object): void;
}

/**
 * node-wot's CoAP server with observation and events that work. binding-coap 0.8.16 (and its
 * upstream HEAD) ends every observe response right after registering it, so:
 *  - observing a property crashes the process when the response finishes (`err.message` of
 *    undefined in its "finish" handler; node-wot issue 1233), and
 *  - an event subscription delivers one empty payload and is unsubscribed at once (issue 1239).
 * Here an observation stays open: the first response carries the property's current value
 * (RFC 7641 section 3.2), every change or event is one notification on the same stream, in order,
 * and the listener is removed when the client cancels: by deregistering (GET with Observe: 1,
 * RFC 7641 section 3.6), by answering a notification with Reset, or by no longer acknowledging
 * notifications (the confirmable notification then times out). node-wot's CoAP client 0.8.16
 * cancels by closing its socket, so its observations end on that timeout. Properties, actions and
 * events with uriVariables get a URI template clients can expand, and their requests reach them. Everything else is binding-coap's own behaviour.
 */
export class VoCoapServer extends CoapServer {
    constructor(config?: CoapServerConfig) {
        super(config);
        const self = this as unknown as CoapServerInternals;
        self.handleObserveProperty = (property, req, contentType, thing, res, name) =>
            observeProperty(
                self,
                property as ThingLike["properties"][string],
                req as CoapRequest,
                contentType as string,
                thing as ThingLike,
                res as ObserveStream,
                name as string
            );
        // binding-coap encodes the affordance's URI template a second time ("prop%7B%3Fx%7D"), so clients
        // cannot expand it, and it takes the query of a request for part of the affordance name: reads of
        // such a property answered the whole property map, writes never reached the handler.
        const createAffordanceForm = self.createAffordanceForm.bind(this);
        self.createAffordanceForm = (...args) => {
            const form = createAffordanceForm(...args);
            form.href = form.href.replace(/%7B%3F([^/]*?)%7D$/, (_, vars: string) => `{?${decodeURIComponent(vars)}}`);
            return form;
        };
        self.parseUriSegments = (requestUri) => {
            const [thingKey, affordanceType, affordanceKey] = requestUri
                .split("?")[0]
                .split("/")
                .slice(1)
                .map(safeDecode);
            return { thingKey, affordanceType, affordanceKey };
        };
        self.handleEventRequest = (thing, name, req, res, contentType) =>
            subscribeEvent(
                self,
                thing as ThingLike,
                name as string,
                req as CoapRequest,
                res as ObserveStream,
                contentType as string
            );
    }

    /** Ends the open observations first: their streams would otherwise keep retransmitting after the stop. */
    override async stop(): Promise<void> {
        for (const end of [...(active.get(this)?.values() ?? [])]) end();
        await super.stop();
    }
}

/** A malformed %-escape is taken literally (it then names no affordance) instead of throwing. */
function safeDecode(segment: string): string {
    try {
        return decodeURIComponent(segment);
    } catch {
        return segment;
    }
}

/** Active observations of one server by client address and token, for deregistration (RFC 7641 section 3.6). */
const active = new WeakMap<object, Map<string, () => void>>();

/** By client address and token: a client may deregister from another port (a new socket), not another host. */
function observationKey(req: CoapRequest): string {
    return `${req.rsinfo.address}/${req._packet?.token?.toString("hex") ?? ""}`;
}

function register(server: object, req: CoapRequest, end: () => void): () => void {
    let map = active.get(server);
    if (map === undefined) active.set(server, (map = new Map()));
    const key = observationKey(req);
    map.set(key, end);
    return () => map.delete(key);
}

/** A GET with Observe: 1 ends the observation the same client made with the same token. */
function deregister(server: object, req: CoapRequest): boolean {
    const end = active.get(server)?.get(observationKey(req));
    end?.();
    return end !== undefined;
}

/** Writes each notification in order, one at a time; ends the observation once. */
function notifier(res: ObserveStream, end: () => void): (content: Content) => Promise<void> {
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
                end();
            }
        });
        return queue;
    };
}

/** The listener of one observation and how it ends: unsubscribed once, registry entry gone, stream ended. */
function openObservation(
    server: object,
    req: CoapRequest,
    res: ObserveStream,
    unsubscribe: (listener: (content: Content) => Promise<void>) => void
): { listener: (content: Content) => Promise<void>; end: () => void; unregister: () => void } {
    const end = endOnce(() => {
        unregister();
        unsubscribe(listener);
        if (!res.writableEnded) res.end();
    });
    const unregister = register(server, req, end);
    const listener = notifier(res, end);
    return { listener, end, unregister };
}

function endOnce(fn: () => void): () => void {
    let done = false;
    return () => {
        if (done) return;
        done = true;
        try {
            fn();
        } catch (err) {
            debug("ending an observation: %s", (err as Error).message);
        }
    };
}

async function observeProperty(
    server: CoapServerInternals,
    property: ThingLike["properties"][string],
    req: CoapRequest,
    contentType: string,
    thing: ThingLike,
    res: ObserveStream,
    name: string
): Promise<void> {
    const options = server.createInteractionOptions(property.forms, thing, req, contentType, property.uriVariables);
    res.code = "2.05";
    if (req.headers.Observe !== 0) {
        // deregistration: end the observation, then answer as a plain read
        deregister(server, req);
        try {
            const content = await thing.handleReadProperty(name, options);
            res.setOption("Content-Format", content.type);
            (res as unknown as { end(b: Buffer): void }).end(await content.toBuffer());
        } catch (err) {
            server.sendResponse(res, "5.00", `${(err as Error).message ?? err}`);
        }
        return;
    }
    const { listener, end, unregister } = openObservation(server, req, res, (l) =>
        thing.handleUnobserveProperty(name, l, options)
    );
    try {
        await listener(await thing.handleReadProperty(name, options));
        await thing.handleObserveProperty(name, listener, options);
    } catch (err) {
        unregister();
        server.sendResponse(res, "5.00", `${(err as Error).message ?? err}`);
        return;
    }
    res.once("finish", end); // the client answered a notification with Reset
    res.once("error", end);
    debug("observation of %s by %s:%d", name, req.rsinfo.address, req.rsinfo.port);
}

async function subscribeEvent(
    server: CoapServerInternals,
    thing: ThingLike,
    name: string,
    req: CoapRequest,
    res: ObserveStream,
    contentType: string
): Promise<void> {
    const event = thing.events[name];
    if (event === undefined) return server.sendNotFoundResponse(res);
    if ((req as unknown as { method: string }).method !== "GET") return server.sendMethodNotAllowedResponse(res);
    const observe = req.headers.Observe;
    if (observe !== 0) {
        if (observe === 1 && deregister(server, req)) {
            server.sendResponse(res, "2.05", "");
            return;
        }
        server.sendResponse(res, "4.00", observe === undefined ? "No Observe Option" : "No such subscription");
        return;
    }
    const options = server.createInteractionOptions(event.forms, thing, req, contentType, event.uriVariables);
    res.code = "2.05";
    const { listener, end, unregister } = openObservation(server, req, res, (l) =>
        thing.handleUnsubscribeEvent(name, l, options)
    );
    try {
        await thing.handleSubscribeEvent(name, listener, options);
    } catch (err) {
        unregister();
        server.sendResponse(res, "5.00", `${(err as Error).message ?? err}`);
        return;
    }
    // the registration answer: 2.05 with Observe and no payload (an event has no current value);
    // clients deliver nothing for it, only for the notifications that follow
    res.write(Buffer.alloc(0));
    res.once("finish", end);
    res.once("error", end);
}
