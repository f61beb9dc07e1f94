import type { ExposedThing, ProtocolServer, Servient } from "@node-wot/core";
import { resolveOptions, ResolvedOptions, VoPersistenceOptions } from "./config";
import { HistoryService } from "./history/history-service";
import { parseHistoryParams } from "./history/history-params";
import { createLogger } from "./log";
import { ProtocolRefusal, protocolFor, ServerHooks } from "./protocols";
import { AfterCommit, instrumentThing, recordRefusal } from "./recording/thing-recorder";
import { RequestRefusedError } from "./model/refusal";
import { Database } from "./sqlite/database";
import { migrate } from "./sqlite/migrations";
import { SqliteDb, SqliteDbApi } from "./sqlite/sqlite-db-api";
import { normalizeHistoryQuery } from "./timeseries/history-query";
import { InfluxDbApi, notConfiguredInfluxDb } from "./timeseries/influxdb/influxdb-api";
import { InfluxDbStore } from "./timeseries/influxdb/influxdb-store";
import { Spool } from "./timeseries/spool";
import { SqliteTimeSeriesStore } from "./timeseries/sqlite/sqlite-time-series-store";
import type { AggregateRow, HistoryQuery, HistoryRecord, TimeSeriesStore } from "./timeseries/time-series-store";
import { CommitFailedError, WriteBuffer, WriteStats } from "./timeseries/write-buffer";
import type { ServerUnderCheck, StoreCheck } from "./liveness/self-check";
import { VoState } from "./vo-state/vo-state";

const { debug, warn } = createLogger("plugin");

/** What the plugin adds to a servient (typed for scripts by `servient-augmentation`). */
export interface VoServientDecorations {
    vo: VoPersistence;
    sqliteDb: SqliteDbApi;
    influxdb: InfluxDbApi;
}

const attached = new WeakMap<Servient, VoPersistence>();

/**
 * Turns a node-wot servient into a recording VO. Attach once, before producing Things:
 *
 *     const vo = await VoPersistence.attach(servient, { sqlite: { path: "data/vo.sqlite" } });
 *
 * Every Thing the servient produces from then on is recorded. `servient.shutdown()` also
 * flushes and closes the stores; `vo.close()` does the same without stopping the servient.
 */
export class VoPersistence {
    readonly sqliteDb: SqliteDbApi;
    readonly influxdb: InfluxDbApi;
    /** self-check, device liveness, observers, redirects, device IP (the seed's VO tables) */
    readonly state: VoState;
    private closing: Promise<void> | undefined;
    private servers: ProtocolServer[] = [];
    private errorsAtLastCheck = 0;
    private lostAtLastCheck = 0;
    private readonly historyService: HistoryService;

    private constructor(
        readonly options: ResolvedOptions,
        private readonly db: Database,
        private readonly store: TimeSeriesStore,
        private readonly buffer: WriteBuffer
    ) {
        this.sqliteDb = new SqliteDb(db);
        this.historyService = new HistoryService(store);
        this.influxdb = store instanceof InfluxDbStore ? store : notConfiguredInfluxDb;
        this.state = new VoState(db, options.vo, () => this.servers as unknown as ServerUnderCheck[], {
            timeseries: () => this.storeCheck(),
        });
    }

    /** The time-series path is healthy while its queue has room and (InfluxDB) the server answers. */
    private storeCheck(): ReturnType<StoreCheck> {
        const stats = this.buffer.getStats();
        const newErrors = stats.errors - this.errorsAtLastCheck;
        this.errorsAtLastCheck = stats.errors;
        const influx = this.store.stats?.() as
            | { down?: boolean; pending?: number; lost?: number; lastError?: string; lastSpoolError?: string }
            | undefined;
        const newLost = (influx?.lost ?? 0) - this.lostAtLastCheck;
        this.lostAtLastCheck = influx?.lost ?? 0;
        if (newLost > 0) {
            return {
                ok: false,
                detail: `${newLost} points lost: the spool cannot take them: ${influx?.lastSpoolError}`,
            };
        }
        if (newErrors > 0 && stats.queued > 0) {
            return { ok: false, detail: `${newErrors} failed writes since the last check: ${stats.lastError}` };
        }
        if (stats.queued >= this.options.writeBuffer.maxQueue) {
            return { ok: false, detail: `queue full (${stats.queued} records), last error: ${stats.lastError}` };
        }
        if (influx?.down)
            return { ok: false, detail: `InfluxDB down, ${influx.pending} points spooled: ${influx.lastError}` };
        return { ok: true, detail: `${stats.queued} queued` };
    }

    static async attach(servient: Servient, options: VoPersistenceOptions = {}): Promise<VoPersistence> {
        if (attached.has(servient)) {
            throw new Error("node-wot-vo is already attached to this servient");
        }
        const resolved = resolveOptions(options);
        // Open and migrate before touching the servient: a bad file fails here, with nothing half-done.
        const db = await Database.open(resolved.sqlitePath, resolved.sqliteSynchronous);
        let store: TimeSeriesStore;
        try {
            await migrate(db);
            store = await VoPersistence.openStore(resolved, db);
        } catch (err) {
            await db.close().catch(() => undefined);
            throw err;
        }
        const buffer = new WriteBuffer(store, resolved.writeBuffer);
        const vo = new VoPersistence(resolved, db, store, buffer);
        try {
            await vo.state.open();
        } catch (err) {
            await vo.close().catch(() => undefined);
            throw err;
        }
        vo.hook(servient);
        attached.set(servient, vo);
        debug("attached; time series -> %s", vo.timeSeriesTarget);
        return vo;
    }

    private static async openStore(resolved: ResolvedOptions, db: Database): Promise<TimeSeriesStore> {
        if (resolved.influxdb === undefined) return new SqliteTimeSeriesStore(db);
        const store = new InfluxDbStore(
            resolved.influxdb,
            await Spool.open(db, resolved.influxdb.maxSpoolBytes),
            resolved.acknowledge === "after-commit"
        );
        await store.start(); // a server that is down is not an error: records are spooled until it is back
        return store;
    }

    /** Where the time series go, for logs and the demo: "sqlite:data/vo.sqlite" or "influxdb:http://…". */
    get timeSeriesTarget(): string {
        const influx = this.options.influxdb;
        return influx === undefined
            ? `sqlite:${this.db.file}`
            : `influxdb:${influx.url} (org ${influx.org}, buckets ${Object.values(influx.buckets).join(", ")})`;
    }

    /** Recorded interactions of one affordance, oldest first (or windows of an aggregate). */
    history(query: HistoryQuery & { aggregate: NonNullable<HistoryQuery["aggregate"]> }): Promise<AggregateRow[]>;
    history(query: HistoryQuery & { aggregate?: undefined }): Promise<HistoryRecord[]>;
    history(query: HistoryQuery): Promise<HistoryRecord[] | AggregateRow[]>;
    history(query: HistoryQuery): Promise<HistoryRecord[] | AggregateRow[]> {
        try {
            return this.store.history(normalizeHistoryQuery(query));
        } catch (err) {
            return Promise.reject(err);
        }
    }

    /** The newest known value of a property (read, written or changed), or undefined. */
    latest(thing: string, property: string): Promise<HistoryRecord | undefined> {
        if (typeof thing !== "string" || typeof property !== "string") {
            return Promise.reject(new TypeError("latest(thing, property): both must be strings"));
        }
        return this.store.latest(thing, property);
    }

    /** Counters of the write path; `store` holds the InfluxDB store's own (spooled, replayed, ...). */
    stats(): WriteStats & { store?: object } {
        const store = this.store.stats?.();
        return store === undefined ? this.buffer.getStats() : { ...this.buffer.getStats(), store };
    }

    /** Resolves once everything recorded so far is in the store; rejects, naming why, if it cannot be. */
    async flush(): Promise<void> {
        await this.buffer.flush();
        await this.store.flush?.();
    }

    /** Writes what is left and closes the stores. Idempotent. */
    close(): Promise<void> {
        this.closing ??= (async () => {
            await this.state.close();
            await this.buffer.close();
            await this.store.close();
            await this.db.close();
            debug("closed: %o", this.buffer.getStats());
        })();
        return this.closing;
    }

    /** In after-commit mode: answers wait for the write buffer's commit; a failed one is a 503 / 5.03. */
    private afterCommit(): AfterCommit | undefined {
        if (this.options.acknowledge !== "after-commit") return undefined;
        const buffer = this.buffer;
        const refusal = (err: CommitFailedError, ran: boolean): RequestRefusedError =>
            new RequestRefusedError(
                "unavailable",
                ran
                    ? `done, but its record is not durable: ${err.message}`
                    : `refused: its record could not be made durable: ${err.message}`,
                Math.max(1, Math.ceil(err.retryInMs / 1000))
            );
        return {
            reads: this.options.acknowledgeReads,
            commit: (record) =>
                buffer.pushAndWait(record).catch((err: unknown) => {
                    throw err instanceof CommitFailedError ? refusal(err, true) : err;
                }),
            unavailable: () => {
                const err = buffer.commitUnavailable();
                return err === undefined ? undefined : refusal(err, false);
            },
        };
    }

    private hook(servient: Servient): void {
        const record = this.buffer.push.bind(this.buffer);
        const afterCommit = this.afterCommit();
        const instrument = (thing: ExposedThing): void =>
            instrumentThing(thing, record, {
                maxValueBytes: this.options.maxValueBytes,
                onSubscription: (change) => this.state.onSubscription(change),
                afterCommit,
            });
        const hooks: ServerHooks = {
            limits: this.options.protocols,
            redirect: (scheme: string, port: number, path: string) =>
                this.state.redirects.redirectFor(scheme, port, path),
            refused: (refusal: ProtocolRefusal) => recordRefusal(refusal, record, this.options.maxValueBytes),
            history: (thing, kind, name, query, format) =>
                this.historyService.answer(thing, kind, name, parseHistoryParams(query), format),
        };
        const capture = (server: ProtocolServer): void => {
            this.servers.push(server);
            if (protocolFor(server.scheme)?.instrument(server, hooks) !== true) {
                warn("server %s is not instrumented: no client addresses, redirects or refusal codes", server.scheme);
            }
        };

        for (const server of servient.getServers()) capture(server);
        for (const id of Object.keys(servient.getThings())) {
            const thing = servient.getThing(id);
            if (thing !== undefined) instrument(thing);
        }

        const addServer = servient.addServer.bind(servient);
        servient.addServer = (server: ProtocolServer): boolean => {
            capture(server);
            return addServer(server);
        };
        // WoT.produce calls addThing for every Thing before the script sees it.
        const addThing = servient.addThing.bind(servient);
        servient.addThing = (thing: ExposedThing): boolean => {
            instrument(thing);
            return addThing(thing);
        };
        // The VO Thing, the self-check and the device probes need running servers.
        const start = servient.start.bind(servient);
        servient.start = async () => {
            const wot = await start();
            await this.state.start(wot);
            return wot;
        };
        const shutdown = servient.shutdown.bind(servient);
        servient.shutdown = async (): Promise<void> => {
            try {
                await shutdown();
            } finally {
                await this.close();
            }
        };

        const decorations: VoServientDecorations = { vo: this, sqliteDb: this.sqliteDb, influxdb: this.influxdb };
        Object.assign(servient, decorations);
    }
}
