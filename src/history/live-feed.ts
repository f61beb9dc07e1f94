import type { InteractionRecord } from "../model/interaction-record";
import { pointOf } from "./history-formats";

/** One open page's stream, as the protocol serving it gives it. */
export interface LiveClient {
    /** the Things whose new points it gets (ids, as records carry them) */
    readonly things: ReadonlySet<string>;
    /** writes one message; false when the client was dropped (it fell too far behind) */
    send(event: string, data: string): boolean;
    /** ends the stream (the VO stops) */
    end(): void;
}

export interface LiveFeedOptions {
    /** how often the VO's live lists are compared with what was sent */
    stateMs: number;
    /** how often a message is sent when nothing else is, so a page knows the stream is alive */
    heartbeatMs: number;
}

export const DEFAULT_LIVE_FEED_OPTIONS: LiveFeedOptions = { stateMs: 1000, heartbeatMs: 5000 };

/** A record as the stream carries it: its history point (the same fields a history answer gives) and its series. */
export function livePoint(r: InteractionRecord): Record<string, unknown> {
    const ms = Number(r.ts / 1_000_000n);
    const point = pointOf({ ...r, time: new Date(ms), timestampNs: r.ts.toString(), stale: r.stale === true });
    return { thing: r.thing, kind: r.kind, name: r.name, ...point };
}

/**
 * The dashboard's live stream: new points of the Things each open page shows, the VO's live lists when they
 * change, and a heartbeat. Records come a committed batch at a time, so a page never sees a point its history
 * read would not give; with no page open a batch costs one check. A timer runs only while a page is open.
 */
export class LiveFeed {
    private readonly clients = new Set<LiveClient>();
    private timer: NodeJS.Timeout | undefined;
    private lastState: string | undefined;
    private sinceBeatMs = 0;
    private closed = false;

    /** what the store's check said last: undefined when history is readable, else why not */
    private unreadable: string | undefined;

    constructor(
        /** the VO's live lists (observers, redirects), as vo-state.json gives them */
        private readonly panelState: () => Promise<unknown>,
        /**
         * resolves while history reads are answered, rejects naming why not (InfluxDB down): checked at each
         * heartbeat, and a change is sent (`store`), so a page reads again to show the error or the points
         */
        private readonly readable?: () => Promise<void>,
        private readonly options: LiveFeedOptions = DEFAULT_LIVE_FEED_OPTIONS
    ) {}

    /** How many pages are open. */
    get size(): number {
        return this.clients.size;
    }

    /** Adds a page: it gets the live lists at once. Returns its removal, or undefined once the feed is closed. */
    open(client: LiveClient): (() => void) | undefined {
        if (this.closed) return undefined;
        this.clients.add(client);
        if (this.timer === undefined) {
            this.timer = setInterval(() => void this.tick(), this.options.stateMs);
            this.timer.unref(); // the servers keep the process up, never an open page
        }
        void this.panelState().then(
            (s) => this.clients.has(client) && this.deliver(client, "state", JSON.stringify(s)),
            () => undefined
        );
        return () => this.remove(client);
    }

    /** A committed batch: each page gets, in one message, the points of the Things it shows. */
    committed(batch: readonly InteractionRecord[]): void {
        if (this.clients.size === 0) return;
        const byThing = new Map<string, string[]>();
        for (const r of batch) {
            let list = byThing.get(r.thing);
            if (list === undefined) byThing.set(r.thing, (list = []));
            list.push(JSON.stringify(livePoint(r)));
        }
        for (const client of [...this.clients]) {
            const parts: string[] = [];
            for (const thing of client.things) parts.push(...(byThing.get(thing) ?? []));
            if (parts.length > 0) this.deliver(client, "points", `[${parts.join(",")}]`);
        }
    }

    /** Ends every page's stream and takes no more (the VO stops). */
    close(): void {
        this.closed = true;
        for (const client of [...this.clients]) {
            this.remove(client);
            client.end();
        }
    }

    private remove(client: LiveClient): void {
        this.clients.delete(client);
        if (this.clients.size === 0 && this.timer !== undefined) {
            clearInterval(this.timer);
            this.timer = undefined;
            this.lastState = undefined;
        }
    }

    private deliver(client: LiveClient, event: string, data: string): void {
        if (!client.send(event, data)) this.remove(client);
    }

    /** The live lists when they changed since last sent, and a heartbeat when nothing else went out for a while. */
    private async tick(): Promise<void> {
        this.sinceBeatMs += this.options.stateMs;
        let text: string | undefined;
        try {
            text = JSON.stringify(await this.panelState());
        } catch {
            text = undefined; // the state is not readable now (closing): the next tick tries again
        }
        if (text !== undefined && text !== this.lastState) {
            this.lastState = text;
            for (const client of [...this.clients]) this.deliver(client, "state", text);
        }
        if (this.sinceBeatMs >= this.options.heartbeatMs) {
            this.sinceBeatMs = 0;
            const beat = String(Date.now());
            for (const client of [...this.clients]) this.deliver(client, "beat", beat);
            await this.checkStore();
        }
    }

    /** Says when history reads stopped or started being answered (each page then reads its range again). */
    private async checkStore(): Promise<void> {
        if (this.readable === undefined) return;
        const why = await this.readable().then(
            () => undefined,
            (err: unknown) => (err as Error).message || "history is not readable"
        );
        if (why === this.unreadable) return;
        this.unreadable = why;
        const text = JSON.stringify(why === undefined ? { readable: true } : { readable: false, why });
        for (const client of [...this.clients]) this.deliver(client, "store", text);
    }
}
