import type { ExposedThing, ProtocolServer, Servient } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import { resolveOptions, ResolvedOptions, VoPersistenceOptions } from "./options/vo-options";
import { GapLookup } from "./history/history-gaps";
import { HealthChecks } from "./health/health-checks";
import { timeSeriesCheck } from "./health/time-series-check";
import { addVoChecks, INFLUXDB_PROBE_MS } from "./health/vo-checks";
import { dashboardFiles } from "./dashboard/dashboard-assets";
import { historyAction } from "./history/history-action";
import { LiveFeed } from "./history/live-feed";
import { describeHistory } from "./history/history-description";
import { HistoryQuery, normalizeHistoryQuery } from "./history/history-query";
import { HistoryService } from "./history/history-service";
import { ForecastPoint, ForecastQuery, HistoryStatistics, MeanQuery } from "./history/history-statistics";
import { parseHistoryParams } from "./history/history-params";
import { createLogger } from "./log";
import { ProtocolRefusal, protocolFor, ServerHooks } from "./protocols";
import { CatalogueServer, startCatalogue } from "./protocols/http/http-catalogue";
import { checkPatchTargets } from "./protocols/patches/patch-check";
import { replaceMethod } from "./protocols/patches/replace-method";
import { addProtocolServers } from "./protocols/protocol-servers";
import { recordConsumedThing } from "./recording/consumed-recorder";
import { Exclusions, exclusionsOf, instrumentThing, markStale, recordRefusal } from "./recording/thing-recorder";
import type { Database } from "./sqlite/database";
import { SqliteDb, SqliteDbApi } from "./sqlite/sqlite-db-api";
import { answersAfterCommit } from "./timeseries/after-commit";
import { openStores } from "./timeseries/open-stores";
import { SqliteRetention, type RetentionStats } from "./timeseries/sqlite/sqlite-retention";
import { SqliteTimeSeriesStore } from "./timeseries/sqlite/sqlite-time-series-store";
import { purgeStateTables } from "./vo-state/state-retention";
import { InfluxDbApi, notConfiguredInfluxDb } from "./timeseries/influxdb/influxdb-api";
import { InfluxDbStore } from "./timeseries/influxdb/influxdb-store";
import type { AggregateRow, HistoryRecord, TimeSeriesStore } from "./timeseries/time-series-store";
import { WriteBuffer, WriteStats } from "./timeseries/write-buffer";
import type { ServerUnderCheck } from "./liveness/self-check";
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
    private readonly historyService: HistoryService;
    private readonly statistics: HistoryStatistics;
    /** the dashboard's live stream: committed records go to the pages open */
    private readonly liveFeed: LiveFeed;
    private catalogueServer: CatalogueServer | undefined;
    private servient: Servient | undefined;
    /** old points, statistics and VO-table rows deleted; the free-space bound kept */
    private readonly retention: SqliteRetention;
    /** `recording.exclude`: undefined when nothing is left out */
    private readonly exclusions: Exclusions | undefined;

    private constructor(
        readonly options: ResolvedOptions,
        private readonly db: Database,
        private readonly store: TimeSeriesStore,
        private readonly buffer: WriteBuffer,
        /** the metrics of `/metrics`, in a registry of this VO's own (undefined with `metrics: false`) */
        readonly metrics?: VoMetrics
    ) {
        this.sqliteDb = new SqliteDb(db);
        this.exclusions = exclusionsOf(options.exclude);
        this.runs = new VoRuns(db, options.vo.heartbeatIntervalMs);
        const embedded = store instanceof SqliteTimeSeriesStore ? store : undefined;
        this.retention = new SqliteRetention(db, embedded, options.retention, [
            (rawBefore, statsBefore) => purgeStateTables(db, rawBefore, statsBefore),
        ]);
        this.historyService = new HistoryService(store, new GapLookup(new StateHistory(db)));
        this.statistics = new HistoryStatistics(store);
        this.influxdb = store instanceof InfluxDbStore ? store : notConfiguredInfluxDb;
        this.state = new VoState(
            db,
            options.vo,
            () => this.servers as unknown as ServerUnderCheck[],
            { timeseries: timeSeriesCheck(buffer, store, options.writeBuffer.maxQueue, this.retention.stats) },
            historyAction(
                this.historyService,
                () => this.servient,
                options.vo.thing === false ? undefined : options.vo.thing.id
            )
        );
        const influxdb = store instanceof InfluxDbStore ? store : undefined;
        // whether history reads are answered: InfluxDB may be down while the spool takes the writes
        const readable = influxdb && (() => influxdb.probe(INFLUXDB_PROBE_MS).then(() => undefined));
        this.liveFeed = new LiveFeed(() => this.state.panelState(), readable);
        buffer.committed = (batch) => this.liveFeed.committed(batch);
        addVoChecks(this.health, { buffer, db, influxdb, retention: this.retention.stats });
        metrics?.watch({
            writeStats: () => buffer.getStats(),
            maxQueue: options.writeBuffer.maxQueue,
            influxdb: influxdb && (() => influxdb.stats()),
            device: options.vo.device && (() => this.state.deviceLiveness.state as DeviceState),
            observers: () => this.state.observers.countByProtocol(),
        });
    }

    static async attach(servient: Servient, options: VoPersistenceOptions = {}): Promise<VoPersistence> {
        if (attached.has(servient)) {
            throw new Error("node-wot-vo is already attached to this servient");
        }
        const resolved = resolveOptions(options);
        // every patched method where the registry says (an upgrade renames one): said before anything opens
        checkPatchTargets();
        // Open and migrate before touching the servient: a bad file fails here, with nothing half-done.
        const { db, store } = await openStores(resolved, "record");
        const metrics = resolved.metrics ? new VoMetrics() : undefined;
        const buffer = new WriteBuffer(store, resolved.writeBuffer, metrics?.count);
        const vo = new VoPersistence(resolved, db, store, buffer, metrics);
        try {
            vo.retention.start();
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
     * The mean of an affordance's numeric values (booleans as 0/1) of successful interactions in `[from, to)`, or
     * null when there are none; with `last: n`, of the newest n only (vo-wot's `mean_value`: `from: "-10m"`).
     */
    mean(query: MeanQuery): Promise<number | null> {
        return this.statistics.mean(query);
    }

    /**
     * The next `horizon` steps of an affordance's numeric series by a (seasonal) ARIMA model fitted to `[from, to)`
     * (vo-wot's `forecasting`: ARIMA(1,d,1), `from: "-10m"`, `horizon: 1`); refused with `NotEnoughPointsError`,
     * saying how many it needs, over too few points.
     */
    forecast(query: ForecastQuery): Promise<ForecastPoint[]> {
        return this.statistics.forecast(query);
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
        return recordConsumedThing(thing, (r) => this.buffer.push(r), this.options.maxValueBytes, this.exclusions);
    }

    /** The newest known value of a property (read, written or changed), or undefined. */
    latest(thing: string, property: string): Promise<HistoryRecord | undefined> {
        if (typeof thing !== "string" || typeof property !== "string") {
            return Promise.reject(new TypeError("latest(thing, property): both must be strings"));
        }
        return this.store.latest(thing, property);
    }

    /**
     * Marks the read being answered as answered from a value recorded at `recordedAtMs` instead of the device (a
     * proxy whose device is lost): its record is stale, its answer says since when. What `ProxyHost` asks for.
     */
    markStale(recordedAtMs?: number): void {
        markStale(recordedAtMs);
    }

    /** Counters of the write path; `store` holds the InfluxDB store's own (spooled, replayed, ...). */
    stats(): WriteStats & { store?: object; retention: RetentionStats } {
        const store = this.store.stats?.();
        const retention = { ...this.retention.stats };
        return store === undefined
            ? { ...this.buffer.getStats(), retention }
            : { ...this.buffer.getStats(), store, retention };
    }

    /**
     * Deletes now what is past its retention, as the purge that runs every `retention.purgeInterval` does (a run
     * already going is waited for); failures are counted in `stats().retention`, never thrown.
     */
    purge(): Promise<void> {
        return this.retention.runOnce();
    }

    /** Resolves once everything recorded so far is in the store; rejects, naming why, if it cannot be. */
    async flush(): Promise<void> {
        await this.buffer.flush();
        await this.store.flush?.();
    }

    /** Writes what is left and closes the stores. Idempotent. */
    close(): Promise<void> {
        this.closing ??= (async () => {
            this.liveFeed.close();
            await this.runs.end().catch((err: Error) => warn("clean stop not recorded: %s", err.message));
            await this.catalogueServer?.close();
            await this.state.close();
            await this.retention.stop();
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

    private hook(servient: Servient): void {
        this.servient = servient;
        const record = this.buffer.push.bind(this.buffer);
        const afterCommit =
            this.options.acknowledge === "after-commit"
                ? answersAfterCommit(this.buffer, this.options.acknowledgeReads)
                : undefined;
        const instrument = (thing: ExposedThing): void =>
            instrumentThing(thing, record, {
                maxValueBytes: this.options.maxValueBytes,
                onSubscription: (change) => this.state.onSubscription(change),
                afterCommit,
                exclusions: this.exclusions,
            });
        const hooks: ServerHooks = {
            limits: this.options.protocols,
            redirect: (scheme: string, port: number, path: string) =>
                this.state.redirects.redirectFor(scheme, port, path),
            refused: (refusal: ProtocolRefusal) =>
                recordRefusal(refusal, record, this.options.maxValueBytes, this.exclusions),
            history: (thing, kind, name, query, format) =>
                this.historyService.answer(thing, kind, name, parseHistoryParams(query), format),
            describeHistory,
            dashboard:
                this.options.dashboard === false
                    ? undefined
                    : {
                          ...dashboardFiles(this.options.dashboard.path),
                          state: () => this.state.panelState(),
                          live: this.liveFeed,
                      },
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
        this.wrapLifecycle(servient);

        // the servers the options ask for; HTTP and CoAP servers are the host's (the CLI adds the descriptor's)
        addProtocolServers(servient, { mqtt: this.options.mqtt, websocket: this.options.websocket });

        const decorations: VoServientDecorations = { vo: this, sqliteDb: this.sqliteDb, influxdb: this.influxdb };
        Object.assign(servient, decorations);
    }

    /** Starting the servient starts the VO (its runs, state, catalogue); shutting it down closes the VO. */
    private wrapLifecycle(servient: Servient): void {
        // The VO Thing, the self-check and the device probes need running servers.
        replaceMethod<Servient["start"]>(servient, "start", "servient-start", (start) => async () => {
            const wot = await start.call(servient);
            await this.runs.begin();
            await this.state.start(wot);
            try {
                const catalogue = this.options.catalogue;
                if (catalogue !== undefined && this.catalogueServer === undefined) {
                    this.catalogueServer = await startCatalogue(catalogue, servient, this.options.protocols.voWot);
                    debug("catalogue on %s:%d", catalogue.host, this.catalogueServer.port);
                }
            } catch (err) {
                await servient.shutdown().catch(() => undefined); // nothing left listening half-started
                throw err;
            }
            return wot;
        });
        replaceMethod<Servient["shutdown"]>(servient, "shutdown", "servient-shutdown", (shutdown) => async () => {
            this.liveFeed.close(); // the dashboard's streams end before their connections are closed
            try {
                await shutdown.call(servient);
            } finally {
                await this.close();
            }
        });
    }
}
