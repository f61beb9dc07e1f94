import { InvalidOptionsError } from "../model/errors";
import { DashboardOptions, ResolvedDashboardOptions, resolveDashboardOptions } from "./dashboard-options";
import { InfluxDbOptions, ResolvedInfluxDbOptions, resolveInfluxDbOptions } from "./influxdb-options";
import { MqttOptions, ResolvedMqttOptions, resolveMqttOptions } from "./mqtt-options";
import { flag, port, positiveInteger, section, text } from "./option-checks";
import { RecordingOptions, ResolvedRecordingOptions, resolveRecordingOptions } from "./recording-options";
import { CatalogueOptions, DEFAULT_CATALOGUE_HOST, DEFAULT_PROTOCOL_LIMITS, ProtocolLimits } from "./server-options";
import { ResolvedRetentionOptions, resolveRetentionOptions, RetentionOptions } from "./retention-options";
import { resolveSqliteOptions, SqliteOptions, SqliteSynchronous } from "./sqlite-options";
import { ResolvedVoStateOptions, resolveVoStateOptions, VoStateOptions } from "./vo-state-options";
import { ResolvedWebSocketOptions, resolveWebSocketOptions, WebSocketOptions } from "./websocket-options";

/** Options of `VoPersistence.attach`; every field has a default. */
export interface VoPersistenceOptions {
    sqlite?: SqliteOptions;
    /** time series into InfluxDB 2.x instead of the embedded store; see InfluxDbOptions */
    influxdb?: InfluxDbOptions;
    /** the VO's own state: self-check, device liveness, observers, redirects, device IP, the VO Thing */
    vo?: VoStateOptions;
    /** what the VO's protocol servers accept */
    protocols?: Partial<ProtocolLimits>;
    /** a catalogue of the VO's TDs on a port of its own, as vo-wot's (`/`, `/<thing>`, `/.well-known/wot`); default none */
    catalogue?: CatalogueOptions;
    /** expose the servient's Things over MQTT through this broker too (the VO adds the server) */
    mqtt?: MqttOptions;
    /** expose them over WebSocket too, on this port */
    websocket?: WebSocketOptions;
    /** the dashboard on the VO's HTTP server: `{ path }` (default "/dashboard/"), or false for none */
    dashboard?: DashboardOptions;
    /** `/metrics` (Prometheus) on the VO's HTTP server; default true (`/livez` and `/readyz` are always served) */
    metrics?: boolean;
    recording?: RecordingOptions;
    /**
     * how long what is recorded is kept: raw interactions 30 days (per kind and per affordance too), 5-minute
     * statistics a year, hourly ones for ever, and the free space kept on the disk; see RetentionOptions
     */
    retention?: RetentionOptions;
}

/** VoPersistenceOptions validated: every default filled in, every file and variable read. */
export interface ResolvedOptions extends ResolvedRecordingOptions {
    sqlitePath: string;
    sqliteSynchronous: SqliteSynchronous;
    influxdb?: ResolvedInfluxDbOptions;
    protocols: ProtocolLimits;
    catalogue?: Required<CatalogueOptions>;
    mqtt?: ResolvedMqttOptions;
    websocket?: ResolvedWebSocketOptions;
    vo: ResolvedVoStateOptions;
    dashboard: ResolvedDashboardOptions;
    metrics: boolean;
    retention: ResolvedRetentionOptions;
}

/** Validates options once, at attach, into a complete typed object. */
export function resolveOptions(
    options: VoPersistenceOptions = {},
    env: NodeJS.ProcessEnv = process.env
): ResolvedOptions {
    if (options === null || typeof options !== "object") {
        throw new InvalidOptionsError("node-wot-vo options must be an object");
    }
    const recording = resolveRecordingOptions(
        section(options.recording ?? {}, "recording"),
        options.influxdb !== undefined
    );
    const retention = resolveRetentionOptions(options.retention);
    const sqlite = options.sqlite === undefined ? undefined : section(options.sqlite, "sqlite");
    return {
        ...resolveSqliteOptions(sqlite, recording.acknowledge === "after-commit", env),
        ...recording,
        influxdb: options.influxdb === undefined ? undefined : influxDbOptions(options.influxdb, retention, env),
        protocols: protocolLimits(options.protocols),
        catalogue: catalogueOptions(options.catalogue),
        mqtt: options.mqtt === undefined ? undefined : resolveMqttOptions(options.mqtt, env),
        websocket: options.websocket === undefined ? undefined : resolveWebSocketOptions(options.websocket),
        vo: resolveVoStateOptions(options.vo),
        dashboard: resolveDashboardOptions(options.dashboard),
        metrics: flag(options.metrics, "metrics", true),
        retention,
    };
}

/** InfluxDB's options, each kind's bucket created with `influxdb.retention`, else the kind's raw retention. */
function influxDbOptions(o: InfluxDbOptions, retention: ResolvedRetentionOptions, env: NodeJS.ProcessEnv) {
    const influx = resolveInfluxDbOptions(o, env);
    const seconds = (ns: bigint | null): number =>
        o.retention !== undefined
            ? influx.retentionSeconds
            : ns === null
              ? 0
              : Math.max(3600, Number(ns / 1_000_000_000n));
    const r = retention.raw;
    influx.bucketRetentionSeconds = {
        property: seconds(r.property),
        action: seconds(r.action),
        event: seconds(r.event),
    };
    return influx;
}

function protocolLimits(o: Partial<ProtocolLimits> | undefined): ProtocolLimits {
    const d = DEFAULT_PROTOCOL_LIMITS;
    const limits = section(o ?? {}, "protocols");
    return {
        maxBodyBytes: positiveInteger(limits.maxBodyBytes, "protocols.maxBodyBytes", d.maxBodyBytes),
        observerTimeoutMs: positiveInteger(
            limits.observerTimeoutMs,
            "protocols.observerTimeoutMs",
            d.observerTimeoutMs
        ),
        voWot: flag(limits.voWot, "protocols.voWot", d.voWot),
    };
}

function catalogueOptions(o: CatalogueOptions | undefined): Required<CatalogueOptions> | undefined {
    if (o === undefined) return undefined;
    section(o, "catalogue", "a mapping like { port: 9090 }");
    return { port: port(o.port, "catalogue.port"), host: text(o.host, "catalogue.host", DEFAULT_CATALOGUE_HOST) };
}
