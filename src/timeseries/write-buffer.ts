import type { InteractionRecord } from "../model/interaction-record";
import type { TimeSeriesStore } from "./time-series-store";
import { createLogger } from "../log";
import { BackOff } from "../model/back-off";
import { VoError } from "../model/errors";
import { DEFAULT_WRITE_BUFFER_OPTIONS, WriteBufferOptions } from "../options/recording-options";

const { debug, warn } = createLogger("timeseries:write-buffer");

export { DEFAULT_WRITE_BUFFER_OPTIONS, WriteBufferOptions };

/** Counters of the write path, all since attach. */
export interface WriteStats {
    /** records handed to the buffer */
    recorded: number;
    /** records the store confirmed */
    written: number;
    /** store writes that succeeded (each one transaction with SQLite) */
    commits: number;
    /** records lost: queue full, or still unwritten at close */
    dropped: number;
    /** failed store writes (each is retried) */
    errors: number;
    /** records waiting in memory now */
    queued: number;
    /** message of the last store error */
    lastError?: string;
    /** interactions whose answer waited for the commit and was told it failed (after-commit mode) */
    notDurable: number;
}

/** Why a record waiting for its commit did not get one: the store failed, or the record was not kept. */
export class CommitFailedError extends VoError {
    readonly kind = "unavailable";

    constructor(
        message: string,
        /** when the store is tried again, ms from now */
        readonly retryInMs: number
    ) {
        super(message);
    }
}

/** One answer waiting for the record at absolute queue position `pos` to be committed. */
interface CommitWaiter {
    pos: number;
    resolve: () => void;
    reject: (err: Error) => void;
}

/**
 * Between the recorder and a store: `push` is synchronous and O(1) so a handler never waits on
 * I/O; batches go to the store one at a time, and a failed batch stays at the head of the queue
 * and is retried with growing delay, so order is kept.
 */
export class WriteBuffer {
    private queue: InteractionRecord[] = [];
    private readonly stats: Omit<WriteStats, "queued"> = {
        recorded: 0,
        written: 0,
        commits: 0,
        dropped: 0,
        errors: 0,
        notDurable: 0,
    };
    /** absolute position of the oldest uncommitted record (the batch being written, else queue[0]) */
    private headPos = 0;
    /** records of the batch being written, taken off the queue */
    private writing = 0;
    private waiters: CommitWaiter[] = [];
    private commitScheduled = false;
    /** the last store write failed and none succeeded since */
    private failing = false;
    private readonly timer: NodeJS.Timeout;
    private retryTimer: NodeJS.Timeout | undefined;
    private inFlight: Promise<void> | undefined;
    private retryAt = 0;
    /** from the flush interval up to maxRetryDelayMs between retries of a failing store */
    private readonly backOff: BackOff;
    private lastDropWarning = 0;
    private closed = false;
    /**
     * Told of each batch once the store took it, in order (the dashboard's live stream): called in the
     * write's own turn, so it must not block or do I/O per record.
     */
    committed: ((batch: readonly InteractionRecord[]) => void) | undefined;

    constructor(
        private readonly store: TimeSeriesStore,
        private readonly options: WriteBufferOptions = DEFAULT_WRITE_BUFFER_OPTIONS,
        /** told of every record handed over, kept or dropped (the VO's metrics count them by protocol and outcome) */
        private readonly observe?: (record: InteractionRecord) => void
    ) {
        this.backOff = new BackOff({ minMs: options.flushIntervalMs, maxMs: options.maxRetryDelayMs });
        this.timer = setInterval(() => void this.drain(false), options.flushIntervalMs);
        // The VO's servers keep the process alive, not this timer; close() writes what is left.
        this.timer.unref();
    }

    push(record: InteractionRecord): void {
        this.stats.recorded++;
        this.observe?.(record);
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

    /**
     * Queues a record and resolves once the store has committed it (after-commit mode). A write is
     * started at once if none is running; records arriving meanwhile wait for the next one, so every
     * commit takes all that came during the previous (group commit). Rejects with CommitFailedError
     * when the record is not kept or the store fails.
     */
    pushAndWait(record: InteractionRecord): Promise<void> {
        const before = this.stats.dropped;
        this.push(record);
        if (this.stats.dropped !== before) {
            this.stats.notDurable++;
            return Promise.reject(
                new CommitFailedError(
                    this.closed ? "the recorder is closed" : `the write queue is full (${this.options.maxQueue})`,
                    this.retryInMs()
                )
            );
        }
        const pos = this.headPos + this.writing + this.queue.length - 1;
        const committed = new Promise<void>((resolve, reject) => this.waiters.push({ pos, resolve, reject }));
        if (this.inFlight === undefined && !this.commitScheduled && !this.failing) {
            this.commitScheduled = true;
            // setImmediate, not a microtask: records of the same turn of the event loop share the commit
            setImmediate(() => {
                this.commitScheduled = false;
                void this.drain(false);
            });
        }
        return committed;
    }

    /**
     * Why a record could not be committed now (the store is failing, the queue is full), for refusing
     * an interaction before it runs; undefined when commits are expected to succeed.
     */
    commitUnavailable(): CommitFailedError | undefined {
        if (this.closed) return new CommitFailedError("the recorder is closed", 1000);
        if (this.failing) {
            return new CommitFailedError(`the store is failing: ${this.stats.lastError}`, this.retryInMs());
        }
        if (this.queue.length >= this.options.maxQueue) {
            return new CommitFailedError(`the write queue is full (${this.options.maxQueue})`, this.retryInMs());
        }
        return undefined;
    }

    /** Once closed, records are no longer taken (they are counted as dropped). */
    get isClosed(): boolean {
        return this.closed;
    }

    private retryInMs(): number {
        return Math.max(this.options.flushIntervalMs, this.retryAt - Date.now());
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
        if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
        try {
            await this.flush();
        } catch (err) {
            this.stats.dropped += this.queue.length;
            warn("%s: %d records lost at close: %s", this.store.name, this.queue.length, (err as Error).message);
            this.queue = [];
            this.failWaiters(`closed before the commit: ${(err as Error).message}`);
        }
    }

    private drain(force: boolean): Promise<void> {
        if (this.inFlight !== undefined) {
            // One writer at a time; a forced flush waits for it and then drains the rest.
            return force ? this.inFlight.then(() => this.drain(true)) : this.inFlight;
        }
        if (this.queue.length === 0) return Promise.resolve();
        if (!force && Date.now() < this.retryAt) return Promise.resolve();
        this.inFlight = this.writeAll(force).finally(() => {
            this.inFlight = undefined;
        });
        return this.inFlight;
    }

    /**
     * Writes what is queued, a batch at a time. Past the first batch it goes on only while it must: a
     * flush, answers waiting for their commit (group commit), or a full batch. Otherwise what arrived
     * during the write waits for the next tick: under load, writing each trickle as it came made batches
     * of about 20 records, and a statement costs about 8 us a row more at that size than at 1000.
     */
    private async writeAll(force: boolean): Promise<void> {
        for (let first = true; this.queue.length > 0; first = false) {
            const more = force || this.waiters.length > 0 || this.queue.length >= this.options.batchSize;
            if (!first && !more) return;
            const batch = this.queue.splice(0, this.options.batchSize);
            this.writing = batch.length;
            try {
                await this.store.write(batch);
                this.writing = 0;
                this.stats.written += batch.length;
                this.stats.commits++;
                this.headPos += batch.length;
                this.backOff.success();
                this.retryAt = 0;
                this.failing = false;
                if (this.waiters.length > 0) this.resolveWaiters();
                this.tellCommitted(batch);
            } catch (err) {
                this.writing = 0;
                this.stats.errors++;
                this.stats.lastError = (err as Error).message;
                // Back to the head, in order; whatever no longer fits is the newest and is dropped.
                this.queue = batch.concat(this.queue);
                const overflow = this.queue.length - this.options.maxQueue;
                if (overflow > 0) {
                    this.queue.length = this.options.maxQueue;
                    this.stats.dropped += overflow;
                }
                this.retryAt = Date.now() + this.backOff.nextDelay();
                this.failing = true;
                // Nothing queued is durable now; answers are not held through the retries. The records
                // stay queued and are retried: they may still land, but nobody was told they did.
                this.failWaiters(`the store failed: ${this.stats.lastError}`);
                // retried when the back-off ends, not at the next tick of a possibly long flush interval
                if (this.retryTimer === undefined && !this.closed) {
                    this.retryTimer = setTimeout(() => {
                        this.retryTimer = undefined;
                        void this.drain(true); // forced: a timer may fire a little before retryAt
                    }, this.retryAt - Date.now());
                    this.retryTimer.unref();
                }
                warn(
                    "%s: write of %d records failed (%s); retrying in %d ms",
                    this.store.name,
                    batch.length,
                    this.stats.lastError,
                    this.backOff.bound
                );
                return;
            }
            debug("%s: wrote %d records", this.store.name, batch.length);
        }
    }

    /** A listener that throws does not make a written batch look failed: it would be written again. */
    private tellCommitted(batch: InteractionRecord[]): void {
        try {
            this.committed?.(batch);
        } catch (err) {
            warn("a listener of committed records failed: %s", (err as Error).message);
        }
    }

    private resolveWaiters(): void {
        let n = 0;
        while (n < this.waiters.length && this.waiters[n].pos < this.headPos) this.waiters[n++].resolve();
        if (n > 0) this.waiters.splice(0, n);
    }

    private failWaiters(why: string): void {
        if (this.waiters.length === 0) return;
        const waiting = this.waiters;
        this.waiters = [];
        this.stats.notDurable += waiting.length;
        const err = new CommitFailedError(why, this.retryInMs());
        for (const w of waiting) w.reject(err);
    }
}
