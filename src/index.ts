import "./servient-augmentation";

export { VoPersistence, VoServientDecorations } from "./plugin";
export { VoPersistenceOptions, DEFAULT_SQLITE_PATH, DEFAULT_MAX_VALUE_BYTES, InvalidOptionsError } from "./config";
export { InteractionRecord, AffordanceKind, Operation, Protocol } from "./recording/interaction-record";
export { currentRequest, RequestOrigin } from "./recording/request-context";
export { SqliteDbApi, InvalidInsertError, InsertValue } from "./sqlite/sqlite-db-api";
export { SqliteError, RunResult, Row, SqlParams, SqlValue } from "./sqlite/database";
export { MIGRATIONS } from "./sqlite/migrations";
export { InfluxDbApi, FluxRow, InfluxDbNotConfiguredError } from "./timeseries/influxdb/influxdb-api";
export { InfluxDbOptions, InfluxDbConfigError } from "./timeseries/influxdb/influxdb-options";
export { InfluxDbStats } from "./timeseries/influxdb/influxdb-store";
export {
    HistoryQuery,
    HistoryRecord,
    AggregateRow,
    AggregateFn,
    TimeBound,
    TimeSeriesStore,
} from "./timeseries/time-series-store";
export { InvalidHistoryQueryError } from "./timeseries/history-query";
export { WriteStats, WriteBufferOptions } from "./timeseries/write-buffer";
export { setStaticAddress } from "./bindings/static-address";
export { VoCoapServer } from "./bindings/coap-server";
export { VoCoapClientFactory, CoapResponseError } from "./bindings/coap-client-factory";
export { VoHttpClientFactory, VoHttpClient } from "./bindings/http-client-factory";
export { DeviceProxy, DeviceProxyError, ProxyHost, attachDevicePush, InvalidProxyError } from "./proxy";
export type { DeviceProxyOptions, DevicePushOptions, WhenLost } from "./proxy";
export { markStale } from "./recording/thing-recorder";
export { runVo, RunVoOptions, RunningVo, InvalidRunError } from "./cli/run-vo";
export { loadDescriptor, parseDescriptor, RunConfig, DescriptorError, DescriptorProblem } from "./cli/descriptor";
export { validateThingDescription, loadThingDescription, InvalidThingDescriptionError } from "./cli/td-validation";
export { VoScript, VoScriptContext, VoScriptProperty, VoScriptError } from "./cli/vo-script";
