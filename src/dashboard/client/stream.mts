/**
 * The page's one stream from the VO (`live`, Server-Sent Events): new points of the Things shown, the VO's live
 * lists when they change, a heartbeat. The views read history only when the range changes and when the stream
 * (re)opens; between, they draw what it brings.
 */
import type { HistoryPoint } from "./api.mjs";

/** A streamed point: a history point and the series it belongs to. */
export interface LivePoint extends HistoryPoint {
    thing: string;
    kind: string;
    name: string;
}

/** The key of a series among the streamed points. */
export const liveKey = (thing: string, kind: string, name: string): string => `${thing}\n${kind}\n${name}`;

/** With no message for this long (the heartbeat comes every 5 s), the stream is taken for dead and opened again. */
const SILENT_MS = 15_000;

export interface StreamHandlers {
    /** the stream opened (first time, or again after a drop): the views read their range to fill what they missed */
    opened(): void;
    points(points: LivePoint[]): void;
    state(lists: { observers?: unknown; redirects?: unknown }): void;
    /** history reads stopped or started being answered (InfluxDB down or back): the views read again */
    store(readable: boolean): void;
    /** the VO did not answer a reconnect: the page shows its outage and probes with back-off, then calls `follow` */
    lost(): void;
}

export class LiveStream {
    private source: EventSource | undefined;
    private things: string[] = [];
    private lastMessage = 0;
    /** an error since the stream last opened: EventSource retries once by itself, a second error is an outage */
    private failedOnce = false;
    open = false;

    constructor(private readonly handlers: StreamHandlers) {
        setInterval(() => {
            if (this.source !== undefined && this.open && Date.now() - this.lastMessage > SILENT_MS) this.connect();
        }, 1000);
    }

    /** Follows these Things (ids): the stream is opened again when they changed or it is closed. */
    follow(things: string[]): void {
        const same = things.length === this.things.length && things.every((t, i) => t === this.things[i]);
        this.things = things;
        if (!same || this.source === undefined) this.connect();
    }

    /** Opens the stream again (the VO answers again after an outage). */
    reopen(): void {
        this.connect();
    }

    private connect(): void {
        this.close();
        const query = new URLSearchParams(this.things.map((t) => ["thing", t]));
        const source = new EventSource(`live?${query.toString()}`);
        this.source = source;
        this.failedOnce = false;
        const seen = () => (this.lastMessage = Date.now());
        source.addEventListener("open", () => {
            seen();
            this.open = true;
            this.failedOnce = false;
            this.handlers.opened();
        });
        source.addEventListener("points", (e) => {
            seen();
            this.handlers.points(JSON.parse((e as MessageEvent<string>).data) as LivePoint[]);
        });
        source.addEventListener("state", (e) => {
            seen();
            this.handlers.state(JSON.parse((e as MessageEvent<string>).data) as { observers?: unknown });
        });
        source.addEventListener("beat", seen);
        source.addEventListener("store", (e) => {
            seen();
            this.handlers.store((JSON.parse((e as MessageEvent<string>).data) as { readable: boolean }).readable);
        });
        source.addEventListener("error", () => {
            this.open = false;
            // a dropped stream is retried by EventSource itself; a retry that fails too (or a refusal) is an outage
            if (source.readyState !== EventSource.CLOSED && !this.failedOnce) {
                this.failedOnce = true;
                return;
            }
            this.close();
            this.handlers.lost();
        });
    }

    close(): void {
        this.source?.close();
        this.source = undefined;
        this.open = false;
    }
}
