import "./servient-augmentation";

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
} from "./model/errors";
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
export { InfluxDbApi, FluxRow, InfluxQLRow, InfluxDbNotConfiguredError } from "./timeseries/influxdb/influxdb-api";
export { InfluxQLParam, quoteIdent, quoteString } from "./timeseries/influxdb/influxql";
export { InfluxDbOptions } from "./options/influxdb-options";
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
export { WriteStats } from "./timeseries/write-buffer";
export { setStaticAddress } from "./protocols/static-address";
export { VoCoapServer } from "./protocols/coap/coap-server";
export { VoMqttBrokerServer, VoMqttServerConfig, BrokerConnection } from "./protocols/mqtt/mqtt-broker-server";
export { MqttOptions } from "./options/mqtt-options";
export { VoWebSocketServer, VoWebSocketServerConfig } from "./protocols/websocket/ws-server";
export { WebSocketOptions } from "./options/websocket-options";
export { VoCoapClientFactory, CoapResponseError } from "./protocols/coap/coap-client-factory";
export { VoHttpClientFactory, VoHttpsClientFactory, VoHttpClient } from "./protocols/http/http-client-factory";
export { DeviceProxy, DeviceProxyError, DeviceLostError, ProxyHost, attachDevicePush } from "./proxy";
export type { DeviceProxyOptions, DevicePushOptions, WhenLost } from "./options/proxy-options";
export { markStale } from "./recording/thing-recorder";
