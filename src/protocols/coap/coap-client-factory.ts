import net from "node:net";
import { Readable } from "node:stream";
import * as coap from "coap";
import { CoapClientFactory } from "@node-wot/binding-coap";
import { Content } from "@node-wot/core";
import { urlHost } from "../../model/address";
import { MAX_REDIRECTS } from "../client-redirects";
import { VoError } from "../../model/errors";
import { JSON_MEDIA_TYPE } from "../../model/media-type";
import { replaceMethod } from "../patches/replace-method";
import { DEFAULT_COAP_PORT } from "../../options/server-options";
import { bindingLoaded } from "../node-wot-cores";
import { voWotResourceOf } from "../vo-wot-forms";
import { CoapRequester, invokeVoWot, observeVoWot, readVoWot, writeVoWot } from "./vo-wot-coap-client";

// binding-coap and its copy of node-wot's core load with this module (on demand): fixes and patch checks reach them
bindingLoaded();

type CoapClient = ReturnType<CoapClientFactory["getClient"]>;

interface AgentLike {
    close(): unknown;
    /** coap's own: closes the socket even while an observation or a request is open */
    _doClose?(): unknown;
    _sock?: unknown;
}
interface CoapForm {
    href: string;
    contentType?: string;
}
interface ClientInternals {
    agent: AgentLike;
    generateRequest(form: CoapForm, method: string, observable?: boolean): unknown;
    readResource(form: CoapForm): Promise<Content>;
    writeResource(form: CoapForm, content: Content): Promise<void>;
    invokeResource(form: CoapForm, content?: Content): Promise<Content>;
    subscribeResource(
        form: CoapForm,
        next: Next,
        error?: (err: Error) => void,
        complete?: Complete
    ): Promise<{ unsubscribe(): void }>;
    unlinkResource(form: { href: string }): Promise<void>;
}

/** How long a deregistration waits for the server's answer. */
const DEREGISTER_WAIT_MS = 2000;

/** Ends an observation at the server: GET with Observe: 1 and the observation's token (RFC 7641 section 3.6). */
function deregister(href: string, token: Buffer): void {
    const url = new URL(href);
    const host = urlHost(url);
    const agent = new coap.Agent({ type: net.isIPv6(host) ? "udp6" : "udp4" });
    const req = coap.request({
        hostname: host,
        port: url.port === "" ? DEFAULT_COAP_PORT : Number(url.port),
        pathname: url.pathname,
        query: url.search.slice(1),
        observe: 1,
        token,
        agent,
    } as coap.CoapRequestParams);
    // Best effort: a server that is gone would keep the agent retransmitting, and the process alive,
    // for CoAP's whole exchange lifetime; it ends the observation anyway when a notification goes unacknowledged.
    const giveUp = setTimeout(() => done(), DEREGISTER_WAIT_MS);
    const done = () => {
        clearTimeout(giveUp);
        try {
            agent.close();
            (agent as unknown as AgentLike)._doClose?.(); // a request in flight keeps close() waiting
        } catch {
            // already closed
        }
    };
    req.on("response", done);
    req.on("error", done);
    req.on("timeout", done);
    req.end();
}

/** A CoAP error response (4.xx, 5.xx) to a request of node-wot's CoAP client. */
export class CoapResponseError extends VoError {
    readonly kind = "failed";

    constructor(
        readonly code: string,
        readonly href: string,
        readonly payload: string
    ) {
        super(`CoAP ${code} from ${href}${payload ? `: ${payload.slice(0, 200)}` : ""}`);
    }
}

/** The payload a VO answers with 5.03 while it redirects (see vo-state/redirects.ts). */
const REDIRECTED = /^redirected: (coaps?:\/\/\S+)$/;

interface IncomingLike {
    code: string;
    payload: Buffer;
    headers: Record<string, unknown>;
    on(event: "data", listener: (payload: Buffer) => void): unknown;
    close(): unknown;
}
interface OutgoingLike {
    on(event: "response", listener: (res: IncomingLike) => void): unknown;
    on(event: "error" | "timeout", listener: (err: Error) => void): unknown;
    setOption(name: string, value: unknown): unknown;
    write(data: Buffer): unknown;
    end(): unknown;
}

type Next = (content: Content) => void;
type Complete = () => void;

/**
 * An observation (observeproperty, subscribeevent). binding-coap 0.8.16 hands every notification
 * to `next`, the empty answer to an event registration too: each subscriber got a first "event"
 * with no payload, whose `value()` throws inside a listener node-wot does not await. Here the
 * first answer is skipped when it is empty (a property's first answer is its current value),
 * each notification carries its own payload, and a registration that fails rejects instead of
 * leaving the caller waiting for good.
 */
function observe(
    client: ClientInternals,
    form: CoapForm,
    next: Next,
    error?: (err: Error) => void,
    complete?: Complete,
    /** vo-wot's: a payload (of GET) to send, and every answer handed on, the first too */
    voWot?: { payload?: Buffer }
): Promise<{ unsubscribe(): void }> {
    return new Promise((resolve, reject) => {
        let answered = false;
        const req = client.generateRequest(form, "GET", true) as OutgoingLike;
        if (voWot?.payload !== undefined) {
            req.setOption("Content-Format", JSON_MEDIA_TYPE);
            req.write(voWot.payload);
        }
        req.on("response", (res) => {
            answered = true;
            if (voWot !== undefined && !res.code.startsWith("2.")) {
                res.close();
                return reject(new CoapResponseError(res.code, form.href, res.payload.toString("utf8")));
            }
            const type = (res.headers["Content-Format"] as string | undefined) ?? form.contentType ?? JSON_MEDIA_TYPE;
            let first = true;
            res.on("data", (payload: Buffer) => {
                const registration = first && payload.length === 0 && voWot === undefined;
                first = false;
                if (!registration) next(new Content(type, Readable.from([payload])));
            });
            resolve({
                unsubscribe: () => {
                    res.close();
                    complete?.();
                },
            });
        });
        const fail = (err: Error) => (answered ? error?.(err) : reject(err));
        req.on("error", fail);
        req.on("timeout", fail);
        req.end();
    });
}

/** Block1 size exponent 6: 1024-byte blocks, the largest RFC 7959 has. */
const BLOCK_SIZE_EXPONENT = 6;
const BLOCK_BYTES = 1024;

/**
 * One request: a 2.xx answer resolves with its payload; 4.xx/5.xx reject with CoapResponseError
 * (binding-coap 0.8.16 resolves every answer, so a device's 4.04 or 5.00 read as a success); a
 * 5.03 naming another VO is followed like an HTTP 307, with the same method and payload.
 */
async function send(client: ClientInternals, form: CoapForm, method: string, content?: Content): Promise<Content> {
    const payload = content === undefined ? undefined : await content.toBuffer();
    let current = form;
    for (let hop = 0; ; hop++) {
        const res = await new Promise<IncomingLike>((resolve, reject) => {
            const req = client.generateRequest(current, method) as OutgoingLike;
            req.on("response", resolve);
            req.on("error", reject);
            req.on("timeout", reject);
            if (content !== undefined && payload !== undefined) {
                req.setOption("Content-Format", content.type);
                // node-coap sends a payload block-wise (RFC 7959) only when the request carries Block1: without
                // it a write over one datagram fails at once ("Max packet size is 1280: current is 3053")
                if (payload.length > BLOCK_BYTES) {
                    req.setOption("Block1", Buffer.of(BLOCK_SIZE_EXPONENT));
                    req.setOption("Size1", payload.length);
                }
                req.write(payload);
            }
            req.end();
        });
        const type = (res.headers["Content-Format"] as string | undefined) ?? form.contentType ?? JSON_MEDIA_TYPE;
        if (res.code.startsWith("2.")) return new Content(type, Readable.from(res.payload));
        const text = res.payload.toString("utf8");
        const target = res.code === "5.03" ? REDIRECTED.exec(text)?.[1] : undefined;
        if (target === undefined) throw new CoapResponseError(res.code, current.href, text);
        if (hop >= MAX_REDIRECTS) {
            throw new CoapResponseError(res.code, form.href, `gave up after ${MAX_REDIRECTS} redirects`);
        }
        current = { ...current, href: target };
    }
}

/**
 * binding-coap 0.8.16's client opens a new UDP agent (socket) for every request and only ever
 * closes the last one, and its factory's `destroy()` does nothing: a servient that observed or
 * subscribed over CoAP keeps sockets open, and its process alive, after `shutdown()`. This factory
 * remembers every agent its clients open and closes them all when the servient shuts down,
 * deregisters an observation (RFC 7641 section 3.6) when it is cancelled, gives observers only
 * real notifications (`observe`), turns error responses into errors and follows a redirecting VO
 * (`send`).
 */
export class VoCoapClientFactory extends CoapClientFactory {
    private readonly agents = new Set<AgentLike>();

    override getClient(): CoapClient {
        const client = super.getClient();
        const c = client as unknown as ClientInternals;
        this.agents.add(c.agent); // the one its constructor opened
        let lastObserve: { _packet?: { token?: Buffer } } | undefined;
        replaceMethod<ClientInternals["generateRequest"]>(
            c,
            "generateRequest",
            "coap-client-agents",
            (generate) => (form, method, observable) => {
                const req = generate.call(client, form, method, observable);
                this.agents.add(c.agent);
                if (observable === true) lastObserve = req as typeof lastObserve;
                return req;
            }
        );
        // on the forms of a vo-wot TD: vo-wot's envelopes and invocations (vo-wot-coap-client.ts)
        const voWot: CoapRequester = {
            send: (form, method, content) => send(c, form, method, content),
            observe: (form, next, error, complete, payload) => observe(c, form, next, error, complete, { payload }),
        };
        const isVoWot = (form: CoapForm) => voWotResourceOf(form as unknown as Record<string, unknown>) !== undefined;
        replaceMethod<ClientInternals["readResource"]>(
            c,
            "readResource",
            "coap-client-read",
            () => (form) => (isVoWot(form) ? readVoWot(voWot, form) : send(c, form, "GET"))
        );
        replaceMethod<ClientInternals["writeResource"]>(
            c,
            "writeResource",
            "coap-client-write",
            () => async (form, content) =>
                isVoWot(form) ? writeVoWot(voWot, form, content) : void (await send(c, form, "PUT", content))
        );
        replaceMethod<ClientInternals["invokeResource"]>(
            c,
            "invokeResource",
            "coap-client-invoke",
            () => (form, content) =>
                isVoWot(form) ? invokeVoWot(voWot, form, content) : send(c, form, "POST", content)
        );
        // binding-coap cancels (unlinkResource) with a plain GET and leaves its observe stream open, so the
        // server only learns of it when a notification times out: deregister, then close the stream.
        const open = new Map<string, { token?: Buffer; close(): void }[]>();
        replaceMethod<ClientInternals["subscribeResource"]>(
            c,
            "subscribeResource",
            "coap-client-observe",
            () => async (form, next, error, complete) => {
                lastObserve = undefined;
                const subscription = isVoWot(form)
                    ? await observeVoWot(voWot, form, next, error, complete)
                    : await observe(c, form, next, error, complete);
                // set by generateRequest during the call above (TypeScript cannot see that)
                const token = (lastObserve as { _packet?: { token?: Buffer } } | undefined)?._packet?.token;
                const entry = { token, close: () => subscription.unsubscribe() };
                open.set(form.href, [...(open.get(form.href) ?? []), entry]);
                return subscription;
            }
        );
        replaceMethod<ClientInternals["unlinkResource"]>(
            c,
            "unlinkResource",
            "coap-client-deregister",
            (unlink) => async (form) => {
                const entries = open.get(form.href);
                if (entries === undefined || entries.length === 0) return unlink.call(client, form);
                open.delete(form.href);
                for (const { token, close } of entries) {
                    if (token !== undefined && token.length > 0) deregister(form.href, token);
                    close();
                }
            }
        );
        return client;
    }

    override destroy(): boolean {
        for (const agent of this.agents) {
            try {
                agent.close(); // closes at once when idle, else aborts its requests and waits
                if (agent._sock != null) agent._doClose?.(); // an open observation is never idle
            } catch {
                // already closed
            }
        }
        this.agents.clear();
        return true;
    }
}
