export { DeviceProxy, DeviceProxyError, DeviceLostError, ProxyHost, DEFAULT_PROXY_TIMEOUT_MS } from "./device-proxy";
export { attachDevicePush } from "./device-push";
export { InvalidProxyError } from "./mirror-model";
export { DeviceProxyOptions, DevicePushOptions, WhenLost } from "../options/proxy-options";
