import WebSocket from "ws";

/** A real WebSocket client (the `ws` package) on one affordance's socket, collecting what the VO sends. */
export class TestWsClient {
    readonly messages: Record<string, unknown>[] = [];
    private nextId = 1;

    private constructor(readonly ws: WebSocket) {
        ws.on("message", (data) => this.messages.push(JSON.parse(data.toString())));
    }

    static open(url: string): Promise<TestWsClient> {
        return new Promise((resolve, reject) => {
            const ws = new WebSocket(url);
            const client = new TestWsClient(ws);
            ws.once("open", () => resolve(client));
            ws.once("error", reject);
        });
    }

    /** The first message (from now on, or already received) that `match` accepts, within `timeoutMs`. */
    async waitFor(match: (m: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<Record<string, unknown>> {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
            const found = this.messages.find(match);
            if (found !== undefined) return found;
            await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`);
    }

    /** Sends a request and waits for the answer carrying its id. */
    async request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
        const id = this.nextId++;
        this.ws.send(JSON.stringify({ ...message, id }));
        return this.waitFor((m) => m.id === id);
    }

    close(): Promise<void> {
        return new Promise((resolve) => {
            if (this.ws.readyState === WebSocket.CLOSED) return resolve();
            this.ws.once("close", () => resolve());
            this.ws.close();
        });
    }
}
