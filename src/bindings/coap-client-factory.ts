import { CoapClientFactory } from "@node-wot/binding-coap";

type CoapClient = ReturnType<CoapClientFactory["getClient"]>;

interface AgentLike {
    close(): unknown;
    /** coap's own: closes the socket even while an observation or a request is open */
    _doClose?(): unknown;
    _sock?: unknown;
}
interface ClientInternals {
    agent: AgentLike;
    generateRequest(...args: unknown[]): unknown;
}

/**
 * binding-coap 0.8.16's client opens a new UDP agent (socket) for every request and only ever
 * closes the last one, and its factory's `destroy()` does nothing: a servient that observed or
 * subscribed over CoAP keeps sockets open, and its process alive, after `shutdown()`. This factory
 * remembers every agent its clients open and closes them all when the servient shuts down.
 */
export class VoCoapClientFactory extends CoapClientFactory {
    private readonly agents = new Set<AgentLike>();

    override getClient(): CoapClient {
        const client = super.getClient();
        const c = client as unknown as ClientInternals;
        this.agents.add(c.agent); // the one its constructor opened
        const generateRequest = c.generateRequest.bind(client);
        c.generateRequest = (...args: unknown[]) => {
            const req = generateRequest(...args);
            this.agents.add(c.agent);
            return req;
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
