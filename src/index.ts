import "./servient-augmentation";
import type * as CoapServerModule from "./protocols/coap/coap-server";
import type * as CoapClientModule from "./protocols/coap/coap-client-factory";
import type * as MqttServerModule from "./protocols/mqtt/mqtt-broker-server";
import type * as WsServerModule from "./protocols/websocket/ws-server";
import { allProtocols, ProtocolFace } from "./protocols";

export { VoPersistence, VoServientDecorations } from "./plugin";
export { VoPersistenceOptions } from "./options/vo-options";
export { DEFAULT_SQLITE_PATH } from "./options/sqlite-options";
export { DEFAULT_MAX_VALUE_BYTES, WriteBufferOptions } from "./options/recording-options";
export { DEFAULT_PROTOCOL_LIMITS } from "./options/server-options";
export {
    VoError,
    VoErrorKind,
    VO_ERROR_KINDS,
    InvalidOptionsError,
    InfluxDbConfigError,
    InvalidProxyError,
    RemoteActionError,
} from "./model/errors";
export { InteractionRecord, AffordanceKind, Operation, Protocol } from "./model/interaction-record";
export { currentRequest, RequestOrigin } from "./model/request-context";
export { RequestRefusedError, RefusalReason } from "./model/refusal";
export { HealthCheckResult, HealthProbe, HealthReport } from "./model/health-report";
export { HealthChecks, HealthCheck } from "./health/health-checks";
export { VoMetrics, METRIC_PREFIX } from "./metrics/vo-metrics";
export {
    allProtocols,
    PROTOCOL_SCHEMES,
    protocolFor,
    ProtocolFace,
    ServerHooks,
    ProtocolRefusal,
    ProtocolLimits,
} from "./protocols";
export { SqliteDbApi, InvalidInsertError, InsertValue } from "./sqlite/sqlite-db-api";
export { SqliteError, RunResult, Row, SqlParams, SqlValue } from "./sqlite/database";
export { MIGRATIONS } from "./sqlite/migrations";
export { InfluxDbApi, FluxRow, InfluxQLRow, InfluxDbNotConfiguredError } from "./timeseries/influxdb/influxdb-api";
export { InfluxQLParam, quoteIdent, quoteString } from "./timeseries/influxdb/influxql";
export { InfluxDbOptions, InfluxLayout } from "./options/influxdb-options";
export { InfluxDbStats } from "./timeseries/influxdb/influxdb-store";
export {
    HistoryRecord,
    AggregateRow,
    AggregateFn,
    HistoryOrder,
    TimeSeriesStore,
} from "./timeseries/time-series-store";
export {
    HistoryQuery,
    TimeBound,
    InvalidHistoryQueryError,
    DEFAULT_HISTORY_LIMIT,
    MAX_HISTORY_LIMIT,
    MAX_HISTORY_PAGE,
} from "./history/history-query";
export {
    SeriesQuery,
    MeanQuery,
    ForecastQuery,
    ForecastPoint,
    NotEnoughPointsError,
} from "./history/history-statistics";
export { ArimaOrder, ForecastUnavailableError } from "./history/forecast-model";
export { WriteStats } from "./timeseries/write-buffer";
export { setStaticAddress } from "./protocols/static-address";
export type { VoMqttServerConfig, BrokerConnection } from "./protocols/mqtt/mqtt-broker-server";
export { MqttOptions } from "./options/mqtt-options";
export type { VoWebSocketServerConfig } from "./protocols/websocket/ws-server";
export { WebSocketOptions } from "./options/websocket-options";
export { VoHttpClientFactory, VoHttpsClientFactory, VoHttpClient } from "./protocols/http/http-client-factory";
export { voWotConsumable, VoWotTdError, VoWotEnvelopeError } from "./protocols/vo-wot-forms";
export { DeviceProxy, DeviceProxyError, DeviceLostError, ProxyHost, attachDevicePush } from "./proxy";
export type { DeviceProxyOptions, DevicePushOptions, WhenLost } from "./options/proxy-options";
export { markStale } from "./recording/thing-recorder";

/*
 * The classes of CoAP, MQTT and WebSocket load their bindings when first used: each brings its own copy of
 * node-wot's core (about 29 MB of a process that loads them all), which a VO serving HTTP alone never needs.
 * Each is a type and a value of the same name, as a class is.
 */
export type VoCoapServer = CoapServerModule.VoCoapServer;
export declare const VoCoapServer: typeof CoapServerModule.VoCoapServer;
export type VoCoapClientFactory = CoapClientModule.VoCoapClientFactory;
export declare const VoCoapClientFactory: typeof CoapClientModule.VoCoapClientFactory;
export type CoapResponseError = CoapClientModule.CoapResponseError;
export declare const CoapResponseError: typeof CoapClientModule.CoapResponseError;
export type VoMqttBrokerServer = MqttServerModule.VoMqttBrokerServer;
export declare const VoMqttBrokerServer: typeof MqttServerModule.VoMqttBrokerServer;
export type VoWebSocketServer = WsServerModule.VoWebSocketServer;
export declare const VoWebSocketServer: typeof WsServerModule.VoWebSocketServer;
/** Deprecated: every protocol's face, which loads every binding; use protocolFor(scheme) or allProtocols(). */
export declare const PROTOCOLS: readonly ProtocolFace[];

/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, see above */
const lazily: Record<string, () => unknown> = {
    VoCoapServer: () => (require("./protocols/coap/coap-server") as typeof CoapServerModule).VoCoapServer,
    VoCoapClientFactory: () =>
        (require("./protocols/coap/coap-client-factory") as typeof CoapClientModule).VoCoapClientFactory,
    CoapResponseError: () =>
        (require("./protocols/coap/coap-client-factory") as typeof CoapClientModule).CoapResponseError,
    VoMqttBrokerServer: () =>
        (require("./protocols/mqtt/mqtt-broker-server") as typeof MqttServerModule).VoMqttBrokerServer,
    VoWebSocketServer: () => (require("./protocols/websocket/ws-server") as typeof WsServerModule).VoWebSocketServer,
    PROTOCOLS: () => allProtocols(),
};
/* eslint-enable @typescript-eslint/no-require-imports */
for (const [name, get] of Object.entries(lazily)) Object.defineProperty(exports, name, { enumerable: true, get });
// the names, for Node.js's ESM import of this CommonJS module: its lexer reads `exports.<name> =`; this never runs
if (typeof exports !== "object") {
    exports.VoCoapServer = exports.VoCoapClientFactory = exports.CoapResponseError = undefined;
    exports.VoMqttBrokerServer = exports.VoWebSocketServer = exports.PROTOCOLS = undefined;
}
