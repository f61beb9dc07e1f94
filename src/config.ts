import path from "node:path";
import {
    InfluxDbOptions,
    ResolvedInfluxDbOptions,
    resolveInfluxDbOptions,
} from "./timeseries/influxdb/influxdb-options";
import { InvalidOptionsError } from "./model/errors";
import { flag, oneOf, port, positiveInteger, section, text } from "./options/option-checks";
import { DEFAULT_PROTOCOL_LIMITS, ProtocolLimits } from "./protocols/protocol-face";
import type { CatalogueOptions } from "./protocols/http/http-catalogue";
import { MqttOptions, resolveMqttOptions } from "./protocols/mqtt/mqtt-options";
import type { VoMqttServerConfig } from "./protocols/mqtt/mqtt-broker-server";
import { resolveWebSocketOptions, WebSocketOptions } from "./protocols/websocket/ws-options";
import type { VoWebSocketServerConfig } from "./protocols/websocket/ws-server";
import { DashboardOptions, ResolvedDashboardOptions, resolveDashboardOptions } from "./dashboard/dashboard-options";
import { DEFAULT_WRITE_BUFFER_OPTIONS, WriteBufferOptions } from "./timeseries/write-buffer";
import { SQLITE_SYNCHRONOUS_MODES, SqliteSynchronous } from "./sqlite/database";
import { ResolvedVoStateOptions, resolveVoStateOptions, VoStateOptions } from "./vo-state/vo-state-options";

/** Options of `VoPersistence.attach`; every field has a default. */
export interface VoPersistenceOptions {
    sqlite?: {
        /** database file; default `$VO_SQLITE_PATH`, else `./data/vo.sqlite` (relative to the working directory) */
        path?: string;
        /**
         * SQLite `synchronous` (the file is always in WAL mode): "normal" survives a crash of the
         * process, "full" also a power loss. Default "full" when answers wait for the commit, else "normal".
         */
        synchronous?: SqliteSynchronous;
    };
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
    recording?: Partial<WriteBufferOptions> & {
        /** values larger than this many bytes of JSON are recorded cut and flagged; default 65536 */
        maxValueBytes?: number;
        /**
         * When a write or an action invocation is answered: "at-once" (default; a crash loses at most
         * what was queued, about one flush interval), or "after-commit": only once its record is
         * committed (SQLite, or InfluxDB / its spool). See docs/operations.md, "Durable acknowledgements".
         */
        acknowledge?: AcknowledgeMode;
        /** with "after-commit", reads wait for their record too; default false */
        acknowledgeReads?: boolean;
    };
}

export type AcknowledgeMode = "at-once" | "after-commit";
export const ACKNOWLEDGE_MODES: readonly AcknowledgeMode[] = ["at-once", "after-commit"];

export interface ResolvedOptions {
    sqlitePath: string;
    sqliteSynchronous: SqliteSynchronous;
    acknowledge: AcknowledgeMode;
    acknowledgeReads: boolean;
    influxdb?: ResolvedInfluxDbOptions;
    writeBuffer: WriteBufferOptions;
    maxValueBytes: number;
    protocols: ProtocolLimits;
    catalogue?: Required<CatalogueOptions>;
    mqtt?: VoMqttServerConfig;
    websocket?: VoWebSocketServerConfig;
    vo: ResolvedVoStateOptions;
    dashboard: ResolvedDashboardOptions;
    metrics: boolean;
}

export const DEFAULT_SQLITE_PATH = path.join("data", "vo.sqlite");
export const DEFAULT_MAX_VALUE_BYTES = 64 * 1024;
export { DEFAULT_PROTOCOL_LIMITS };

export { InvalidOptionsError };

/** Validates options once, at attach, into a complete typed object. */
export function resolveOptions(
    options: VoPersistenceOptions = {},
    env: NodeJS.ProcessEnv = process.env
): ResolvedOptions {
    if (options === null || typeof options !== "object") {
        throw new InvalidOptionsError("node-wot-vo options must be an object");
    }
    const rec = section(options.recording ?? {}, "recording");
    const acknowledge = oneOf(rec.acknowledge, "recording.acknowledge", ACKNOWLEDGE_MODES, "at-once");
    return {
        sqlitePath: text(options.sqlite?.path, "sqlite.path", env.VO_SQLITE_PATH || DEFAULT_SQLITE_PATH),
        sqliteSynchronous: oneOf(
            options.sqlite?.synchronous,
            "sqlite.synchronous",
            SQLITE_SYNCHRONOUS_MODES,
            acknowledge === "after-commit" ? "full" : "normal"
        ),
        acknowledge,
        acknowledgeReads: flag(rec.acknowledgeReads, "recording.acknowledgeReads", false),
        influxdb: options.influxdb === undefined ? undefined : resolveInfluxDbOptions(options.influxdb, env),
        writeBuffer: writeBufferOptions(rec),
        maxValueBytes: positiveInteger(rec.maxValueBytes, "recording.maxValueBytes", DEFAULT_MAX_VALUE_BYTES),
        protocols: protocolLimits(options.protocols),
        catalogue: catalogueOptions(options.catalogue),
        mqtt: options.mqtt === undefined ? undefined : resolveMqttOptions(options.mqtt, env),
        websocket: options.websocket === undefined ? undefined : resolveWebSocketOptions(options.websocket),
        vo: resolveVoStateOptions(options.vo),
        dashboard: resolveDashboardOptions(options.dashboard),
        metrics: flag(options.metrics, "metrics", true),
    };
}

function writeBufferOptions(rec: Partial<WriteBufferOptions>): WriteBufferOptions {
    const d = DEFAULT_WRITE_BUFFER_OPTIONS;
    return {
        batchSize: positiveInteger(rec.batchSize, "recording.batchSize", d.batchSize),
        flushIntervalMs: positiveInteger(rec.flushIntervalMs, "recording.flushIntervalMs", d.flushIntervalMs),
        maxQueue: positiveInteger(rec.maxQueue, "recording.maxQueue", d.maxQueue),
        maxRetryDelayMs: positiveInteger(rec.maxRetryDelayMs, "recording.maxRetryDelayMs", d.maxRetryDelayMs),
    };
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
    };
}

/** the catalogue listens on the loopback interface unless told otherwise */
export const DEFAULT_CATALOGUE_HOST = "127.0.0.1";

function catalogueOptions(o: CatalogueOptions | undefined): Required<CatalogueOptions> | undefined {
    if (o === undefined) return undefined;
    section(o, "catalogue", "a mapping like { port: 9090 }");
    return { port: port(o.port, "catalogue.port"), host: text(o.host, "catalogue.host", DEFAULT_CATALOGUE_HOST) };
}
