import path from "node:path";
import {
    InfluxDbOptions,
    ResolvedInfluxDbOptions,
    resolveInfluxDbOptions,
} from "./timeseries/influxdb/influxdb-options";
import { InvalidOptionsError } from "./model/errors";
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

function positiveInteger(value: unknown, name: string, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
        throw new InvalidOptionsError(
            `node-wot-vo option ${name} must be a positive integer, got ${JSON.stringify(value)}`
        );
    }
    return value;
}

/** Runs a folder's own option check, its error turned into InvalidOptionsError. */
function checked<T>(resolve: () => T): T {
    try {
        return resolve();
    } catch (err) {
        throw new InvalidOptionsError((err as Error).message);
    }
}

function flag(value: unknown, name: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") {
        throw new InvalidOptionsError(`node-wot-vo option ${name} must be true or false, got ${JSON.stringify(value)}`);
    }
    return value;
}

function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) {
        throw new InvalidOptionsError(
            `node-wot-vo option ${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${JSON.stringify(value)}`
        );
    }
    return value as T;
}

function voStateOptions(o: VoStateOptions | undefined): ResolvedVoStateOptions {
    try {
        return resolveVoStateOptions(o);
    } catch (err) {
        throw new InvalidOptionsError((err as Error).message);
    }
}

function dashboardOptions(o: DashboardOptions | undefined): ResolvedDashboardOptions {
    try {
        return resolveDashboardOptions(o);
    } catch (err) {
        throw new InvalidOptionsError((err as Error).message);
    }
}

/** Validates options once, at attach, into a complete typed object. */
export function resolveOptions(
    options: VoPersistenceOptions = {},
    env: NodeJS.ProcessEnv = process.env
): ResolvedOptions {
    if (options === null || typeof options !== "object") {
        throw new InvalidOptionsError("node-wot-vo options must be an object");
    }
    const sqlitePath = options.sqlite?.path ?? env.VO_SQLITE_PATH ?? DEFAULT_SQLITE_PATH;
    if (typeof sqlitePath !== "string" || sqlitePath.length === 0) {
        throw new InvalidOptionsError("node-wot-vo option sqlite.path must be a non-empty string");
    }
    const rec = options.recording ?? {};
    const d = DEFAULT_WRITE_BUFFER_OPTIONS;
    const acknowledge = oneOf(rec.acknowledge, "recording.acknowledge", ACKNOWLEDGE_MODES, "at-once");
    if (rec.acknowledgeReads !== undefined && typeof rec.acknowledgeReads !== "boolean") {
        throw new InvalidOptionsError(
            `node-wot-vo option recording.acknowledgeReads must be true or false, got ${JSON.stringify(rec.acknowledgeReads)}`
        );
    }
    return {
        sqlitePath,
        sqliteSynchronous: oneOf(
            options.sqlite?.synchronous,
            "sqlite.synchronous",
            SQLITE_SYNCHRONOUS_MODES,
            acknowledge === "after-commit" ? "full" : "normal"
        ),
        acknowledge,
        acknowledgeReads: rec.acknowledgeReads ?? false,
        influxdb: options.influxdb === undefined ? undefined : resolveInfluxDbOptions(options.influxdb, env),
        writeBuffer: {
            batchSize: positiveInteger(rec.batchSize, "recording.batchSize", d.batchSize),
            flushIntervalMs: positiveInteger(rec.flushIntervalMs, "recording.flushIntervalMs", d.flushIntervalMs),
            maxQueue: positiveInteger(rec.maxQueue, "recording.maxQueue", d.maxQueue),
            maxRetryDelayMs: positiveInteger(rec.maxRetryDelayMs, "recording.maxRetryDelayMs", d.maxRetryDelayMs),
        },
        maxValueBytes: positiveInteger(rec.maxValueBytes, "recording.maxValueBytes", DEFAULT_MAX_VALUE_BYTES),
        protocols: {
            maxBodyBytes: positiveInteger(
                options.protocols?.maxBodyBytes,
                "protocols.maxBodyBytes",
                DEFAULT_PROTOCOL_LIMITS.maxBodyBytes
            ),
            observerTimeoutMs: positiveInteger(
                options.protocols?.observerTimeoutMs,
                "protocols.observerTimeoutMs",
                DEFAULT_PROTOCOL_LIMITS.observerTimeoutMs
            ),
        },
        catalogue: catalogueOptions(options.catalogue),
        mqtt: options.mqtt === undefined ? undefined : checked(() => resolveMqttOptions(options.mqtt!, env)),
        websocket:
            options.websocket === undefined ? undefined : checked(() => resolveWebSocketOptions(options.websocket!)),
        vo: voStateOptions(options.vo),
        dashboard: dashboardOptions(options.dashboard),
        metrics: flag(options.metrics, "metrics", true),
    };
}

function catalogueOptions(o: CatalogueOptions | undefined): Required<CatalogueOptions> | undefined {
    if (o === undefined) return undefined;
    if (o === null || typeof o !== "object" || !Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
        throw new InvalidOptionsError(
            `node-wot-vo option catalogue.port must be an integer from 0 to 65535, got ${JSON.stringify(o?.port)}`
        );
    }
    if (o.host !== undefined && (typeof o.host !== "string" || o.host.length === 0)) {
        throw new InvalidOptionsError("node-wot-vo option catalogue.host must be a non-empty string");
    }
    return { port: o.port, host: o.host ?? "127.0.0.1" };
}
