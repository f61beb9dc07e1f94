import type { ExposedThing, ProtocolServer, Servient } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import { resolveOptions, ResolvedOptions, VoPersistenceOptions } from "./config";
import { GapLookup } from "./history/history-gaps";
import { HealthChecks } from "./health/health-checks";
import { addVoChecks } from "./health/vo-checks";
import { dashboardFiles } from "./dashboard/dashboard-assets";
import { historyAction } from "./history/history-action";
import { describeHistory } from "./history/history-description";
import { HistoryQuery, normalizeHistoryQuery } from "./history/history-query";
import { HistoryService } from "./history/history-service";
import { parseHistoryParams } from "./history/history-params";
import { createLogger } from "./log";
import { RequestRefusedError } from "./model/refusal";
import { ProtocolRefusal, protocolFor, ServerHooks } from "./protocols";
import { CatalogueServer } from "./protocols/http/http-catalogue";
import { checkPatchTargets } from "./protocols/patches/patch-check";
import { replaceMethod } from "./protocols/patches/replace-method";
import { VoMqttBrokerServer } from "./protocols/mqtt/mqtt-broker-server";
import { VoWebSocketServer } from "./protocols/websocket/ws-server";
import { recordConsumedThing } from "./recording/consumed-recorder";
import { AfterCommit, instrumentThing, recordRefusal } from "./recording/thing-recorder";
import { Database } from "./sqlite/database";
import { migrate } from "./sqlite/migrations";
import { SqliteDb, SqliteDbApi } from "./sqlite/sqlite-db-api";
import { InfluxDbApi, notConfiguredInfluxDb } from "./timeseries/influxdb/influxdb-api";
import { InfluxDbStore } from "./timeseries/influxdb/influxdb-store";
import { Spool } from "./timeseries/spool";
import { SqliteTimeSeriesStore } from "./timeseries/sqlite/sqlite-time-series-store";
import type { AggregateRow, HistoryRecord, TimeSeriesStore } from "./timeseries/time-series-store";
import { CommitFailedError, WriteBuffer, WriteStats } from "./timeseries/write-buffer";
import type { ServerUnderCheck, StoreCheck } from "./liveness/self-check";
import type { DeviceState } from "./liveness/liveness-state";
import { VoMetrics } from "./metrics/vo-metrics";
import { VoRuns } from "./vo-state/vo-runs";
import { StateHistory } from "./vo-state/state-history";
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
    /** the VO's starts, heartbeats and clean stops (vo_run): where history has vo-down gaps */
    readonly runs: VoRuns;
    /** the checks of `/livez` and `/readyz`: `vo.health.add("readyz", name, check)` adds one */
    readonly health = new HealthChecks();
    private closing: Promise<void> | undefined;
    private servers: ProtocolServer[] = [];
    private errorsAtLastCheck = 0;
    private lostAtLastCheck = 0;
    private readonly historyService: HistoryService;
    private catalogueServer: CatalogueServer | undefined;
    private servient: Servient | undefined;

    private constructor(
        readonly options: ResolvedOptions,
        private readonly db: Database,
        private readonly store: TimeSeriesStore,
        private readonly buffer: WriteBuffer,
        /** the metrics of `/metrics`, in a registry of this VO's own (undefined with `metrics: false`) */
        readonly metrics?: VoMetrics
    ) {
        this.sqliteDb = new SqliteDb(db);
        this.runs = new VoRuns(db, options.vo.heartbeatIntervalMs);
        this.historyService = new HistoryService(store, new GapLookup(new StateHistory(db)));
        this.influxdb = store instanceof InfluxDbStore ? store : notConfiguredInfluxDb;
        this.state = new VoState(
            db,
            options.vo,
            () => this.servers as unknown as ServerUnderCheck[],
            { timeseries: () => this.storeCheck() },
            historyAction(
                this.historyService,
                () => this.servient,
                options.vo.thing === false ? undefined : options.vo.thing.id
            )
        );
        const influxdb = store instanceof InfluxDbStore ? store : undefined;
        addVoChecks(this.health, { buffer, db, influxdb });
        metrics?.watch({
            writeStats: () => buffer.getStats(),
            maxQueue: options.writeBuffer.maxQueue,
            influxdb: influxdb && (() => influxdb.stats()),
            device: options.vo.device && (() => this.state.deviceLiveness.state as DeviceState),
            observers: () => this.state.observers.countByProtocol(),
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
        // every patched method where the registry says (an upgrade renames one): said before anything opens
        checkPatchTargets();
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
        const metrics = resolved.metrics ? new VoMetrics() : undefined;
        const buffer = new WriteBuffer(store, resolved.writeBuffer, metrics?.count);
        const vo = new VoPersistence(resolved, db, store, buffer, metrics);
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

    /**
     * Recorded interactions of one affordance, oldest first unless `order: "newest"` (or windows of an
     * aggregate); at most `limit`, by default `DEFAULT_HISTORY_LIMIT` (1000). Checked as a history resource's
     * parameters are, by the same normalizer.
     */
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

    /**
     * Notes that `thing` fronts the device this VO monitors (a mirror, a Thing the device pushes
     * to): while the device is lost, the Thing's history carries device-lost gaps.
     */
    async frontsDevice(thing: string): Promise<void> {
        const device = this.options.vo.device?.url;
        if (device !== undefined) await this.runs.frontsDevice(thing, device);
    }

    /**
     * A Thing this VO consumes (another VO), whose interactions through this VO are recorded under
     * its id: `protocol` the scheme of the form used, `origin` the host:port it went to.
     */
    recordConsumed(thing: WoT.ConsumedThing): WoT.ConsumedThing {
        return recordConsumedThing(thing, (r) => this.buffer.push(r), this.options.maxValueBytes);
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
            await this.runs.end().catch((err: Error) => warn("clean stop not recorded: %s", err.message));
            await this.catalogueServer?.close();
            await this.state.close();
            await this.buffer.close();
            await this.store.close();
            await this.db.close();
            debug("closed: %o", this.buffer.getStats());
        })();
        return this.closing;
    }

    /** Where the catalogue listens, once the servient started with one configured. */
    get catalogue(): { host: string; port: number } | undefined {
        const c = this.catalogueServer;
        return c === undefined ? undefined : { host: c.host, port: c.port };
    }

    /** The catalogue lists the Things under the keys the HTTP server serves their TDs at (else their ids). */
    private async startCatalogue(servient: Servient): Promise<void> {
        const options = this.options.catalogue;
        if (options === undefined || this.catalogueServer !== undefined) return;
        const entries = (): Iterable<[string, ExposedThing]> => {
            const web = this.servers.find((s) => s.scheme === "http" || s.scheme === "https") as unknown as
                { getThings?: () => Map<string, ExposedThing> } | undefined;
            if (typeof web?.getThings === "function") return web.getThings();
            return Object.keys(servient.getThings()).flatMap((id): [string, ExposedThing][] => {
                const thing = servient.getThing(id);
                return thing === undefined ? [] : [[id, thing]];
            });
        };
        try {
            this.catalogueServer = await CatalogueServer.start(options, entries);
        } catch (err) {
            throw new Error(
                `catalogue: cannot listen on ${options.host}:${options.port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`
            );
        }
        debug("catalogue on %s:%d", options.host, this.catalogueServer.port);
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
        this.servient = servient;
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
            describeHistory,
            dashboard: this.options.dashboard === false ? undefined : dashboardFiles(this.options.dashboard.path),
            health: {
                report: (probe) => this.health.report(probe),
                metrics: this.metrics && (() => this.metrics!.exposition()),
            },
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

        replaceMethod<Servient["addServer"]>(servient, "addServer", "servient-add-server", (addServer) => (server) => {
            capture(server);
            return addServer.call(servient, server);
        });
        // WoT.produce calls addThing for every Thing before the script sees it.
        replaceMethod<Servient["addThing"]>(servient, "addThing", "servient-add-thing", (addThing) => (thing) => {
            instrument(thing);
            return addThing.call(servient, thing);
        });
        // The VO Thing, the self-check and the device probes need running servers.
        replaceMethod<Servient["start"]>(servient, "start", "servient-start", (start) => async () => {
            const wot = await start.call(servient);
            await this.runs.begin();
            await this.state.start(wot);
            try {
                await this.startCatalogue(servient);
            } catch (err) {
                await servient.shutdown().catch(() => undefined); // nothing left listening half-started
                throw err;
            }
            return wot;
        });
        replaceMethod<Servient["shutdown"]>(servient, "shutdown", "servient-shutdown", (shutdown) => async () => {
            try {
                await shutdown.call(servient);
            } finally {
                await this.close();
            }
        });

        // servers the options ask for (binding-mqtt and binding-websockets are typed against their own core copies)
        if (this.options.mqtt !== undefined) servient.addServer(new VoMqttBrokerServer(this.options.mqtt) as never);
        if (this.options.websocket !== undefined) {
            servient.addServer(new VoWebSocketServer(this.options.websocket) as never);
        }

        const decorations: VoServientDecorations = { vo: this, sqliteDb: this.sqliteDb, influxdb: this.influxdb };
        Object.assign(servient, decorations);
    }
}
