import type { InteractionRecord } from "../model/interaction-record";
import type { TimeSeriesStore } from "./time-series-store";
import { createLogger } from "../log";

const { debug, warn } = createLogger("timeseries:write-buffer");

export interface WriteBufferOptions {
    /** records per store write */
    batchSize: number;
    /** a partial batch is written after at most this long */
    flushIntervalMs: number;
    /** records held in memory; past it new records are dropped and counted */
    maxQueue: number;
    /** longest wait between retries while the store keeps failing */
    maxRetryDelayMs: number;
}

export const DEFAULT_WRITE_BUFFER_OPTIONS: WriteBufferOptions = {
    batchSize: 1000,
    flushIntervalMs: 200,
    maxQueue: 100_000,
    maxRetryDelayMs: 5_000,
};

/** Counters of the write path, all since attach. */
export interface WriteStats {
    /** records handed to the buffer */
    recorded: number;
    /** records the store confirmed */
    written: number;
    /** records lost: queue full, or still unwritten at close */
    dropped: number;
    /** failed store writes (each is retried) */
    errors: number;
    /** records waiting in memory now */
    queued: number;
    /** message of the last store error */
    lastError?: string;
}

/**
 * Between the recorder and a store: `push` is synchronous and O(1) so a handler never waits on
 * I/O; batches go to the store one at a time, and a failed batch stays at the head of the queue
 * and is retried with growing delay, so order is kept.
 */
export class WriteBuffer {
    private queue: InteractionRecord[] = [];
    private readonly stats: Omit<WriteStats, "queued"> = { recorded: 0, written: 0, dropped: 0, errors: 0 };
    private readonly timer: NodeJS.Timeout;
    private inFlight: Promise<void> | undefined;
    private retryAt = 0;
    private retryDelay = 0;
    private lastDropWarning = 0;
    private closed = false;

    constructor(
        private readonly store: TimeSeriesStore,
        private readonly options: WriteBufferOptions = DEFAULT_WRITE_BUFFER_OPTIONS
    ) {
        this.timer = setInterval(() => void this.drain(false), options.flushIntervalMs);
        // The VO's servers keep the process alive, not this timer; close() writes what is left.
        this.timer.unref();
    }

    push(record: InteractionRecord): void {
        this.stats.recorded++;
        if (this.closed || this.queue.length >= this.options.maxQueue) {
            this.stats.dropped++;
            const now = Date.now();
            if (now - this.lastDropWarning > 10_000) {
                this.lastDropWarning = now;
                warn(
                    "%s: record dropped (%s); %d dropped so far",
                    this.store.name,
                    this.closed ? "buffer closed" : `queue full at ${this.options.maxQueue}`,
                    this.stats.dropped
                );
            }
            return;
        }
        this.queue.push(record);
        if (this.queue.length >= this.options.batchSize && this.inFlight === undefined) {
            setImmediate(() => void this.drain(false));
        }
    }

    getStats(): WriteStats {
        return { ...this.stats, queued: this.queue.length };
    }

    /** Writes everything queued so far; rejects with the store's error if it cannot. */
    async flush(): Promise<void> {
        await this.drain(true);
        if (this.queue.length > 0) {
            throw new Error(`${this.store.name}: ${this.queue.length} records not written: ${this.stats.lastError}`);
        }
    }

    /** Stops the timer and writes what is queued; what cannot be written is counted as dropped. */
    async close(): Promise<void> {
        if (this.closed) return;
        this.closed = true;
        clearInterval(this.timer);
        try {
            await this.flush();
        } catch (err) {
            this.stats.dropped += this.queue.length;
            warn("%s: %d records lost at close: %s", this.store.name, this.queue.length, (err as Error).message);
            this.queue = [];
        }
    }

    private drain(force: boolean): Promise<void> {
        if (this.inFlight !== undefined) {
            // One writer at a time; a forced flush waits for it and then drains the rest.
            return force ? this.inFlight.then(() => this.drain(true)) : this.inFlight;
        }
        if (this.queue.length === 0) return Promise.resolve();
        if (!force && Date.now() < this.retryAt) return Promise.resolve();
        this.inFlight = this.writeAll().finally(() => {
            this.inFlight = undefined;
        });
        return this.inFlight;
    }

    private async writeAll(): Promise<void> {
        while (this.queue.length > 0) {
            const batch = this.queue.splice(0, this.options.batchSize);
            try {
                await this.store.write(batch);
                this.stats.written += batch.length;
                this.retryDelay = 0;
                this.retryAt = 0;
            } catch (err) {
                this.stats.errors++;
                this.stats.lastError = (err as Error).message;
                // Back to the head, in order; whatever no longer fits is the newest and is dropped.
                this.queue = batch.concat(this.queue);
                const overflow = this.queue.length - this.options.maxQueue;
                if (overflow > 0) {
                    this.queue.length = this.options.maxQueue;
                    this.stats.dropped += overflow;
                }
                this.retryDelay = Math.min(
                    this.options.maxRetryDelayMs,
                    Math.max(this.options.flushIntervalMs, this.retryDelay * 2)
                );
                this.retryAt = Date.now() + this.retryDelay * (0.5 + Math.random() / 2);
                warn(
                    "%s: write of %d records failed (%s); retrying in %d ms",
                    this.store.name,
                    batch.length,
                    this.stats.lastError,
                    this.retryDelay
                );
                return;
            }
            debug("%s: wrote %d records", this.store.name, batch.length);
        }
    }
}
