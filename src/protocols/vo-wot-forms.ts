/**
 * The form builders of vo-wot's MQTT and WebSocket wire formats, for the TD the catalogue serves to
 * vo-wot's clients (http/vo-wot-td.ts), which may not reach into another protocol's folder itself.
 * Neither module loads its binding.
 */
export { voWotMqttForms } from "./mqtt/vo-wot-mqtt-dialect";
export { voWotWsForms } from "./websocket/vo-wot-ws-dialect";
