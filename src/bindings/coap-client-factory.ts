import net from "node:net";
import * as coap from "coap";
import { CoapClientFactory } from "@node-wot/binding-coap";
import { urlHost } from "../address";

type CoapClient = ReturnType<CoapClientFactory["getClient"]>;

interface AgentLike {
    close(): unknown;
    /** coap's own: closes the socket even while an observation or a request is open */
    _doClose?(): unknown;
    _sock?: unknown;
}
interface ClientInternals {
    agent: AgentLike;
    generateRequest(form: { href: string }, method: string, observable?: boolean): unknown;
    subscribeResource(form: { href: string }, ...rest: unknown[]): Promise<{ unsubscribe(): void }>;
    unlinkResource(form: { href: string }): Promise<void>;
}

/** Ends an observation at the server: GET with Observe: 1 and the observation's token (RFC 7641 section 3.6). */
function deregister(href: string, token: Buffer): void {
    const url = new URL(href);
    const host = urlHost(url);
    const agent = new coap.Agent({ type: net.isIPv6(host) ? "udp6" : "udp4" });
    const req = coap.request({
        hostname: host,
        port: url.port === "" ? 5683 : Number(url.port),
        pathname: url.pathname,
        query: url.search.slice(1),
        observe: 1,
        token,
        agent,
    } as coap.CoapRequestParams);
    const done = () => agent.close();
    req.on("response", done);
    req.on("error", done);
    req.on("timeout", done);
    req.end();
}

/**
 * binding-coap 0.8.16's client opens a new UDP agent (socket) for every request and only ever
 * closes the last one, and its factory's `destroy()` does nothing: a servient that observed or
 * subscribed over CoAP keeps sockets open, and its process alive, after `shutdown()`. This factory
 * remembers every agent its clients open and closes them all when the servient shuts down, and
 * deregisters an observation (RFC 7641 section 3.6) when it is cancelled.
 */
export class VoCoapClientFactory extends CoapClientFactory {
    private readonly agents = new Set<AgentLike>();

    override getClient(): CoapClient {
        const client = super.getClient();
        const c = client as unknown as ClientInternals;
        this.agents.add(c.agent); // the one its constructor opened
        let lastObserve: { _packet?: { token?: Buffer } } | undefined;
        const generateRequest = c.generateRequest.bind(client);
        c.generateRequest = (form, method, observable) => {
            const req = generateRequest(form, method, observable);
            this.agents.add(c.agent);
            if (observable === true) lastObserve = req as typeof lastObserve;
            return req;
        };
        // binding-coap cancels (unlinkResource) with a plain GET and leaves its observe stream open, so the
        // server only learns of it when a notification times out: deregister, then close the stream.
        const open = new Map<string, { token?: Buffer; close(): void }[]>();
        const subscribeResource = c.subscribeResource.bind(client);
        c.subscribeResource = async (form, ...rest) => {
            lastObserve = undefined;
            const subscription = await subscribeResource(form, ...rest);
            // set by generateRequest during the call above (TypeScript cannot see that)
            const token = (lastObserve as { _packet?: { token?: Buffer } } | undefined)?._packet?.token;
            const entry = { token, close: () => subscription.unsubscribe() };
            open.set(form.href, [...(open.get(form.href) ?? []), entry]);
            return subscription;
        };
        const unlinkResource = c.unlinkResource.bind(client);
        c.unlinkResource = async (form) => {
            const entries = open.get(form.href);
            if (entries === undefined || entries.length === 0) return unlinkResource(form);
            open.delete(form.href);
            for (const { token, close } of entries) {
                if (token !== undefined && token.length > 0) deregister(form.href, token);
                close();
            }
        };
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
