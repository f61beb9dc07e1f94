import "./servient-augmentation";

export { VoPersistence, VoServientDecorations } from "./plugin";
export {
    VoPersistenceOptions,
    DEFAULT_SQLITE_PATH,
    DEFAULT_MAX_VALUE_BYTES,
    DEFAULT_PROTOCOL_LIMITS,
    InvalidOptionsError,
} from "./config";
export { VoError, VoErrorKind, VO_ERROR_KINDS } from "./model/errors";
export { InteractionRecord, AffordanceKind, Operation, Protocol } from "./model/interaction-record";
export { currentRequest, RequestOrigin } from "./model/request-context";
export { RequestRefusedError, RefusalReason } from "./model/refusal";
export { HealthCheckResult, HealthProbe, HealthReport } from "./model/health-report";
export { HealthChecks, HealthCheck } from "./health/health-checks";
export { VoMetrics, METRIC_PREFIX } from "./metrics/vo-metrics";
export { PROTOCOLS, protocolFor, ProtocolFace, ServerHooks, ProtocolRefusal, ProtocolLimits } from "./protocols";
export { SqliteDbApi, InvalidInsertError, InsertValue } from "./sqlite/sqlite-db-api";
export { SqliteError, RunResult, Row, SqlParams, SqlValue } from "./sqlite/database";
export { MIGRATIONS } from "./sqlite/migrations";
export { InfluxDbApi, FluxRow, InfluxDbNotConfiguredError } from "./timeseries/influxdb/influxdb-api";
export { InfluxDbOptions, InfluxDbConfigError } from "./timeseries/influxdb/influxdb-options";
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
export { WriteStats, WriteBufferOptions } from "./timeseries/write-buffer";
export { setStaticAddress } from "./protocols/static-address";
export { VoCoapServer } from "./protocols/coap/coap-server";
export { VoMqttBrokerServer, VoMqttServerConfig, BrokerConnection } from "./protocols/mqtt/mqtt-broker-server";
export { MqttOptions } from "./protocols/mqtt/mqtt-options";
export { VoWebSocketServer, VoWebSocketServerConfig } from "./protocols/websocket/ws-server";
export { WebSocketOptions } from "./protocols/websocket/ws-options";
export { VoCoapClientFactory, CoapResponseError } from "./protocols/coap/coap-client-factory";
export { VoHttpClientFactory, VoHttpsClientFactory, VoHttpClient } from "./protocols/http/http-client-factory";
export {
    DeviceProxy,
    DeviceProxyError,
    DeviceLostError,
    ProxyHost,
    attachDevicePush,
    InvalidProxyError,
} from "./proxy";
export type { DeviceProxyOptions, DevicePushOptions, WhenLost } from "./proxy";
export { markStale } from "./recording/thing-recorder";
