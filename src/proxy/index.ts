export { DeviceProxy, DeviceProxyError, DeviceLostError, DEFAULT_PROXY_TIMEOUT_MS } from "./device-proxy";
export type { DeviceEvent, DeviceStatus, ProxyHost, RecordedValue } from "./proxy-host";
export { attachDevicePush } from "./device-push";
export { InvalidProxyError } from "./mirror-model";
export { DeviceProxyOptions, DevicePushOptions, WhenLost } from "../options/proxy-options";
