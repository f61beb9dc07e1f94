import { canRetryHttpCall, HttpError, InfluxDB, QueryApi, setLogger } from "@influxdata/influxdb-client";
import { BackOff } from "../../model/back-off";
import type { AffordanceKind, InteractionRecord } from "../../model/interaction-record";
import { createLogger } from "../../log";
import type { Spool, SpooledBatch } from "../spool";
import type { AggregateRow, HistoryRecord, NormalizedHistoryQuery, TimeSeriesStore } from "../time-series-store";
import type { FluxRow, InfluxDbApi, InfluxQLRow } from "./influxdb-api";
import { InfluxDbReads } from "./influxdb-reads";
import { bindParams, quoteIdent, type InfluxQLParam } from "./influxql";
import { DatabaseSetupError, ensureDatabases, serverMajorVersion } from "./influxdb1";
import { queryInfluxQL, queryOne, seriesRows } from "./influxql-endpoint";
import type { InfluxLayout, ResolvedInfluxDbOptions } from "../../options/influxdb-options";
import { toLines } from "./line-protocol";
import { ensureOrgBucket, orgIdOf, PointValue, PointWriter, WritePointOptions } from "./influxdb-write-point";
import { detectLayout } from "./layout-detection";

const { debug, warn } = createLogger("timeseries:influxdb");

// The client logs through console by default; route it to our logger (it never sees the token).
setLogger({
    error: (m: string, err?: unknown) => warn("influxdb-client: %s%s", m, err ? ` ${describe(err).message}` : ""),
    warn: (m: string, err?: unknown) => debug("influxdb-client: %s%s", m, err ? ` ${describe(err).message}` : ""),
});

/** Counters of the InfluxDB write path, since attach. */
export interface InfluxDbStats {
    /** points InfluxDB accepted on first try */
    written: number;
    /** points put into the spool because InfluxDB could not take them */
    spooled: number;
    /** spooled points later written */
    replayed: number;
    /** points InfluxDB refused as malformed (never retried) */
    rejected: number;
    /** points the spool's disk bound dropped */
    dropped: number;
    /** points neither written nor spooled because the spool itself failed (SQLite error) */
    lost: number;
    /** points waiting in the spool now */
    pending: number;
    /** bytes of line protocol waiting in the spool now */
    pendingBytes: number;
    /** failed requests */
    errors: number;
    /** last failure, without secrets */
    lastError?: string;
    /** why the spool last failed to take points (disk full, ...) */
    lastSpoolError?: string;
    /** true while InfluxDB is considered unreachable (writes go straight to the spool) */
    down: boolean;
}

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
const DOWN_REMINDER_MS = 5 * 60_000;
const REPLAY_BATCHES_PER_ROUND = 64;
/** Points one replay round holds in memory at most (16 batches of the write buffer's default 1000). */
const REPLAY_POINTS_PER_ROUND = 16_000;
/** Points per replayed request at most (InfluxDB's own advice is batches of about 5000 lines). */
const REPLAY_MAX_POINTS = 5000;
/**
 * With answers after commit every batch goes through the spool; its shipping waits this long once caught up,
 * so that one request (and one DELETE, one more commit) carries many group commits instead of one each.
 */
const REPLAY_LINGER_MS = 50;
/** Write requests at once: enough to overlap converting a batch with sending the previous ones. */
const MAX_IN_FLIGHT = 4;

/** Why a send failed, and whether trying again later can help. */
function describe(err: unknown): { retry: boolean; message: string } {
    if (err instanceof DatabaseSetupError) return { retry: true, message: err.message };
    if (err instanceof HttpError) {
        const what = `InfluxDB answered ${err.statusCode} ${err.statusMessage ?? ""}`.trim();
        if (err.statusCode === 401 || err.statusCode === 403) {
            return { retry: true, message: `${what}: the token was refused (check INFLUX_TOKEN / the token file)` };
        }
        if (err.statusCode === 404)
            return { retry: true, message: `${what}: ${err.body ?? "bucket or org not found"}` };
        if (err.statusCode === 400 || err.statusCode === 422) {
            return { retry: false, message: `${what}: ${err.body ?? "malformed points"}` };
        }
        return { retry: true, message: `${what}${err.body ? `: ${err.body}` : ""}` };
    }
    const e = err as { code?: string; message?: string };
    return {
        retry: canRetryHttpCall(err) || e.code !== undefined,
        message: `InfluxDB unreachable: ${e.code ?? e.message}`,
    };
}

/**
 * Interaction records in InfluxDB 2.x or 1.8 (layout in line-protocol.ts, read back through InfluxQL by
 * influxdb-reads.ts). A batch InfluxDB cannot take goes to the durable spool and is replayed, oldest
 * first, when it is back; while it is down new batches go straight to the spool, so the recorder never
 * waits on a dead server. When answers wait for the commit (confirmWrites), every batch goes through the spool.
 */
export class InfluxDbStore implements TimeSeriesStore, InfluxDbApi {
    readonly name = "influxdb";
    private readonly client: InfluxDB;
    private readonly queryApi: QueryApi;
    private readonly reads: InfluxDbReads;
    private readonly points: PointWriter;
    private readonly counters = { written: 0, spooled: 0, replayed: 0, rejected: 0, lost: 0, errors: 0 };
    private readonly inFlight = new Set<Promise<void>>();
    private lastError?: string;
    private lastSpoolError?: string;
    private downUntil = 0;
    private downSince = 0;
    private lastWarned: string | undefined;
    private lastWarnAt = 0;
    private readonly backOff = new BackOff({ minMs: MIN_BACKOFF_MS, maxMs: MAX_BACKOFF_MS });
    private bucketsReady = false;
    /** the server's major version once asked (`/ping`); undefined: it named none, treated as 2.x */
    private major: Promise<number | undefined> | undefined;
    private replaying: Promise<void> | undefined;
    private replayTimer: NodeJS.Timeout | undefined;
    private closed = false;
    /** the layout found in the buckets when `options.layout` is unset (once found) */
    private detected: Promise<InfluxLayout> | undefined;
    private detectedLayout: InfluxLayout | undefined;

    constructor(
        readonly options: ResolvedInfluxDbOptions,
        private readonly spool: Spool,
        /**
         * write() resolves only once every point is committed to the durable spool, and rejects when
         * the spool cannot take it (answers wait for the commit); the spool is shipped to InfluxDB
         * right behind, in requests that join many commits. Otherwise write() resolves once the
         * requests are on their way, MAX_IN_FLIGHT at a time.
         */
        private readonly confirmWrites = false
    ) {
        this.client = new InfluxDB({ url: options.url, token: options.token, timeout: options.timeoutMs });
        this.queryApi = this.client.getQueryApi(options.org);
        const run = (db: string, statement: string) => queryOne(this.client.transport, db, statement);
        this.reads = new InfluxDbReads(run, options.buckets, () => this.layout());
        this.points = new PointWriter(this.client, options.org, options.retentionSeconds, () => this.serverMajor());
    }

    /**
     * The layout read and written: the option's, else what the buckets hold (asked once, again after a failure).
     * Until the server has been asked (it was down from the start), records are spooled in the per-kind layout.
     */
    layout(): Promise<InfluxLayout> {
        if (this.options.layout !== undefined) return Promise.resolve(this.options.layout);
        this.detected ??= detectLayout(
            (db, statement) => queryOne(this.client.transport, db, statement),
            this.options.buckets
        ).then(
            (found) => {
                if (found.perThing) {
                    warn(
                        found.layout === "per-thing"
                            ? "InfluxDB holds records in the per-thing layout of earlier releases: reading and writing it. " +
                                  "`node-wot-vo migrate-influx` copies them to the per-kind layout (InfluxDB 3 needs it)"
                            : "InfluxDB holds records in the per-thing layout too, which the VO no longer reads: " +
                                  "`node-wot-vo migrate-influx` copies them to the per-kind layout"
                    );
                }
                return (this.detectedLayout = found.layout);
            },
            (err: unknown) => {
                this.detected = undefined;
                throw err;
            }
        );
        return this.detected;
    }

    private writeLayout(): InfluxLayout {
        return this.options.layout ?? this.detectedLayout ?? "per-kind";
    }

    /** Creates missing buckets (databases on 1.x). Never throws: a server that is down or refuses the token is retried later. */
    async start(): Promise<void> {
        await this.ensureBuckets().catch((err) => this.markDown(describe(err).message));
        if (!this.spool.isEmpty) this.scheduleReplay(0);
    }

    stats(): InfluxDbStats {
        return {
            ...this.counters,
            dropped: this.spool.stats().droppedPoints,
            pending: this.spool.stats().pendingPoints,
            pendingBytes: this.spool.stats().pendingBytes,
            lastError: this.lastError,
            lastSpoolError: this.lastSpoolError,
            down: Date.now() < this.downUntil,
        };
    }

    /**
     * Resolves once each batch is on its way: up to MAX_IN_FLIGHT requests run while the next
     * records are converted. A batch that fails is spooled by its own request; flush() and close()
     * wait for all of them.
     */
    async write(records: readonly InteractionRecord[]): Promise<void> {
        const confirmed: Promise<void>[] = [];
        for (const [kind, lines] of toLines(records, this.writeLayout())) {
            const payload = lines.join("\n");
            // Confirmed writes go to the spool first: a local commit (a fraction of a millisecond) instead
            // of a round trip to InfluxDB and its own WAL sync per group commit, which held durable
            // answers at 30-60% of the default's throughput.
            if (!this.confirmWrites && this.available() && this.spool.isEmpty) {
                while (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight);
                const delivered = this.deliver(kind, lines.length, payload);
                const request: Promise<void> = delivered
                    .catch(() => undefined)
                    .finally(() => this.inFlight.delete(request));
                this.inFlight.add(request);
                if (this.confirmWrites) confirmed.push(delivered);
            } else {
                await this.toSpool(kind, lines.length, payload);
            }
        }
        if (!this.spool.isEmpty) this.scheduleReplay(this.replayDelay());
        // A rejection sends the whole batch back to the write buffer; points InfluxDB already took are
        // written again with the same series and timestamp, which InfluxDB stores once.
        if (confirmed.length > 0) await Promise.all(confirmed);
    }

    /**
     * One request; on a retryable failure the batch goes to the spool. Rejects only when confirming
     * writes and the spool cannot take the batch; otherwise those points are counted lost.
     */
    private async deliver(kind: AffordanceKind, points: number, payload: string): Promise<void> {
        try {
            await this.send(kind, payload);
            this.counters.written += points;
            return;
        } catch (err) {
            if (!this.handleFailure(err, points)) return; // rejected as malformed: not retryable
        }
        try {
            await this.toSpool(kind, points, payload);
            this.scheduleReplay(this.downUntil - Date.now());
        } catch (err) {
            if (this.confirmWrites) throw err;
            this.counters.lost += points;
            warn("%d points lost: the spool cannot take them: %s", points, (err as Error).message);
        }
    }

    private async toSpool(kind: AffordanceKind, points: number, payload: string): Promise<void> {
        try {
            await this.spool.add(kind, points, payload);
        } catch (err) {
            this.lastSpoolError = (err as Error).message;
            throw err;
        }
        this.counters.spooled += points;
    }

    /**
     * Replays the spool now, up to its newest batch at the call (what comes later is for the next flush);
     * rejects, naming the cause, if InfluxDB cannot take all of it.
     */
    async flush(): Promise<void> {
        await Promise.all(this.inFlight);
        this.downUntil = 0;
        const target = this.spool.newestId;
        let left: boolean;
        do {
            await this.replay();
            left = ((await this.spool.oldestId()) ?? Infinity) <= target;
        } while (left && !this.closed && this.available());
        if (left) {
            throw new Error(
                `${this.spool.stats().pendingPoints} points still spooled: ${this.lastError ?? "InfluxDB unavailable"}`
            );
        }
    }

    /** When to ship what the spool holds: at once after an outage, after a linger behind confirmed writes. */
    private replayDelay(): number {
        return Math.max(this.downUntil - Date.now(), this.confirmWrites ? REPLAY_LINGER_MS : 0);
    }

    async history(q: NormalizedHistoryQuery): Promise<HistoryRecord[] | AggregateRow[]> {
        if (q.aggregate !== undefined) return this.reads.aggregates(q);
        return this.reads.records(q);
    }

    latest(thing: string, property: string): Promise<HistoryRecord | undefined> {
        return this.reads.latest(thing, property);
    }

    /** `servient.influxdb.executeQuery(flux)`: raw Flux, rows as objects. */
    executeQuery(fluxText: string): Promise<FluxRow[]> {
        if (typeof fluxText !== "string" || fluxText.trim() === "") {
            return Promise.reject(new TypeError("executeQuery: flux must be a non-empty string"));
        }
        return this.queryApi.collectRows<FluxRow>(fluxText);
    }

    /** `servient.influxdb.executeInfluxQL(influxql, params?, { database? })`: InfluxQL on `/query`, rows as objects. */
    async executeInfluxQL(
        influxql: string,
        params?: Readonly<Record<string, InfluxQLParam>>,
        options: { database?: string } = {}
    ): Promise<InfluxQLRow[]> {
        if (typeof influxql !== "string" || influxql.trim() === "") {
            throw new TypeError("executeInfluxQL: influxql must be a non-empty string");
        }
        const statement = bindParams(influxql, params ?? {});
        const database = options.database ?? this.options.buckets.property;
        const results = await queryInfluxQL(this.client.transport, database, statement);
        return results.flatMap(seriesRows);
    }

    /** `servient.influxdb.writePoint(key, value, options?)`: vo-wot's `write_point`, see `PointWriter`. */
    writePoint(key: string, value: PointValue, options?: WritePointOptions): Promise<void> {
        return this.points.writePoint(key, value, options);
    }

    async close(): Promise<void> {
        // confirmed writes wait in the spool for at most a linger: ship them before stopping, if InfluxDB is up
        if (this.confirmWrites && !this.closed && this.available()) await this.flush().catch(() => undefined);
        this.closed = true;
        await Promise.all(this.inFlight);
        if (this.replayTimer !== undefined) clearTimeout(this.replayTimer);
        await this.replaying;
    }

    /**
     * Asks InfluxDB, with the VO's token, whether it would take writes now (one bucket looked up), for the
     * VO's readiness; rejects naming why not. The write path is left alone: it finds out by itself.
     */
    async probe(timeoutMs: number): Promise<void> {
        const signal = AbortSignal.timeout(timeoutMs);
        try {
            // 1.x has no buckets API: the database is looked up through InfluxQL, which checks the credentials too
            const path =
                (await this.serverMajor(signal)) === 1
                    ? `/query?${new URLSearchParams({ q: `SHOW RETENTION POLICIES ON ${quoteIdent(this.options.buckets.property)}` })}`
                    : `/api/v2/buckets?${new URLSearchParams({ org: this.options.org, name: this.options.buckets.property, limit: "1" })}`;
            await this.client.transport.request(path, null, { method: "GET", signal });
        } catch (err) {
            const e = err as { name?: string };
            if (e.name === "AbortError" || e.name === "TimeoutError")
                throw new Error(`InfluxDB did not answer in ${timeoutMs} ms`);
            throw new Error(describe(err).message);
        }
    }

    // ---- write path --------------------------------------------------------------------------

    private async send(kind: AffordanceKind, payload: string): Promise<void> {
        if (!this.bucketsReady) await this.ensureBuckets();
        const bucket = this.options.buckets[kind];
        const query = new URLSearchParams({ org: this.options.org, bucket, precision: "ns" });
        await this.client.transport.request(`/api/v2/write?${query}`, payload, {
            method: "POST",
            headers: { "content-type": "text/plain; charset=utf-8" },
            gzipThreshold: this.options.gzipThreshold,
        });
    }

    /** Counts and logs a failure; returns true if the points should be spooled for later. */
    private handleFailure(err: unknown, points: number): boolean {
        const { retry, message } = describe(err);
        this.counters.errors++;
        this.lastError = message;
        if (!retry) {
            this.counters.rejected += points;
            warn("%d points rejected and not retried: %s", points, message);
            return false;
        }
        this.markDown(message);
        return true;
    }

    private available(): boolean {
        return Date.now() >= this.downUntil;
    }

    private markDown(message: string): void {
        this.lastError = message;
        const delay = this.backOff.nextDelay(); // jittered: VOs restarted together spread out
        const now = Date.now();
        // one line when an outage starts, when its cause changes, then one every few minutes
        if (this.downSince === 0 || message !== this.lastWarned || now - this.lastWarnAt >= DOWN_REMINDER_MS) {
            const since = this.downSince === 0 ? "" : ` (down for ${Math.round((now - this.downSince) / 1000)} s)`;
            warn("%s%s; spooling, %d points waiting", message, since, this.spool.stats().pendingPoints);
            this.lastWarned = message;
            this.lastWarnAt = now;
        }
        if (this.downSince === 0) this.downSince = now;
        this.downUntil = now + delay;
    }

    private markUp(): void {
        if (this.downSince > 0) {
            warn("InfluxDB is back after %d s; replaying the spool", Math.round((Date.now() - this.downSince) / 1000));
        }
        this.downSince = 0;
        this.lastWarned = undefined;
        this.backOff.success();
        this.downUntil = 0;
    }

    private scheduleReplay(delayMs: number): void {
        if (this.closed || this.replayTimer !== undefined || this.replaying !== undefined) return;
        this.replayTimer = setTimeout(
            () => {
                this.replayTimer = undefined;
                void this.replay();
            },
            Math.max(0, delayMs)
        );
        this.replayTimer.unref();
    }

    private replay(): Promise<void> {
        this.replaying ??= this.replayRounds().finally(() => {
            this.replaying = undefined;
            if (!this.spool.isEmpty && !this.closed) this.scheduleReplay(this.replayDelay());
        });
        return this.replaying;
    }

    /**
     * Oldest batches first, those of one kind (one bucket) joined into requests of up to
     * REPLAY_MAX_POINTS points; stops at the first failure so the order within each kind is kept.
     */
    private async replayRounds(): Promise<void> {
        while (!this.spool.isEmpty && !this.closed && this.available()) {
            const newest = this.spool.newestId;
            const batches = await this.spool.oldest(REPLAY_BATCHES_PER_ROUND, REPLAY_POINTS_PER_ROUND);
            if (batches.length === 0) return;
            for (const group of replayGroups(batches)) {
                const points = group.reduce((n, b) => n + b.points, 0);
                try {
                    await this.send(group[0].kind, group.map((b) => b.payload).join("\n"));
                    this.markUp();
                    this.counters.replayed += points;
                } catch (err) {
                    if (this.handleFailure(err, points)) return; // still down: keep them
                }
                await this.spool.remove(group); // written, or rejected for good
            }
            // caught up with what was spooled when the round began: behind confirmed writes, what came since
            // waits for the linger (replay() schedules it)
            if (this.confirmWrites && batches[batches.length - 1].id >= newest) return;
        }
    }

    /** Asks once; asks again after a failure (the server was down). */
    private serverMajor(signal?: AbortSignal): Promise<number | undefined> {
        this.major ??= serverMajorVersion(this.client.transport, signal).catch((err: unknown) => {
            this.major = undefined;
            throw err;
        });
        return this.major;
    }

    private async ensureBuckets(): Promise<void> {
        if ((await this.serverMajor()) === 1) {
            for (const [name, retention] of this.bucketRetentions()) {
                for (const created of await ensureDatabases(this.client.transport, [name], retention)) {
                    debug("created database %s (retention %ds)", created, retention);
                }
            }
        } else {
            await this.ensureOrgBuckets();
        }
        await this.layout(); // before the first point goes out
        this.bucketsReady = true;
        this.markUp();
    }

    /** Each bucket with the retention it is created with: the longest of the kinds it holds (0, for ever, longest). */
    private bucketRetentions(): Map<string, number> {
        const out = new Map<string, number>();
        for (const kind of ["property", "action", "event"] as const) {
            const name = this.options.buckets[kind];
            const seconds = this.options.bucketRetentionSeconds[kind];
            const known = out.get(name);
            out.set(name, known === undefined ? seconds : known === 0 || seconds === 0 ? 0 : Math.max(known, seconds));
        }
        return out;
    }

    private async ensureOrgBuckets(): Promise<void> {
        const orgID = await orgIdOf(this.client, this.options.org);
        for (const [name, retention] of this.bucketRetentions()) {
            if (await ensureOrgBucket(this.client, orgID, name, retention)) {
                debug("created bucket %s (retention %ds)", name, retention);
            }
        }
    }
}

/** Spooled batches as requests: per kind, in spool order, each up to REPLAY_MAX_POINTS points (one batch at least). */
export function replayGroups(batches: readonly SpooledBatch[]): SpooledBatch[][] {
    const groups: SpooledBatch[][] = [];
    const open = new Map<AffordanceKind, { batches: SpooledBatch[]; points: number }>();
    for (const batch of batches) {
        const current = open.get(batch.kind);
        if (current !== undefined && current.points + batch.points <= REPLAY_MAX_POINTS) {
            current.batches.push(batch);
            current.points += batch.points;
        } else {
            const fresh = { batches: [batch], points: batch.points };
            open.set(batch.kind, fresh);
            groups.push(fresh.batches);
        }
    }
    return groups;
}
