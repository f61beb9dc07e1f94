export { DeviceProxy, DeviceProxyError, DeviceLostError } from "./device-proxy";
export { DEFAULT_PROXY_TIMEOUT_MS } from "../options/proxy-options";
export type { DeviceEvent, DeviceStatus, ProxyHost, RecordedValue } from "./proxy-host";
export { attachDevicePush } from "./device-push";
export { InvalidProxyError } from "./mirror-model";
export { DeviceProxyOptions, DevicePushOptions, WhenLost } from "../options/proxy-options";
