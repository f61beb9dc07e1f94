import { coapFace } from "./coap/coap-face";
import { httpFace } from "./http/http-face";
import { mqttFace } from "./mqtt/mqtt-face";
import type { ProtocolFace } from "./protocol-face";
import { websocketFace } from "./websocket/ws-face";

export type { ProtocolFace, ProtocolLimits, ProtocolRefusal, ServerHooks } from "./protocol-face";

/** Every protocol the VO serves and probes; a new binding is one folder and one line here. */
export const PROTOCOLS: readonly ProtocolFace[] = [httpFace, coapFace, mqttFace, websocketFace];

/** The protocol of a URL scheme ("coap" or "coap:"), or undefined. */
export function protocolFor(scheme: string): ProtocolFace | undefined {
    const s = scheme.replace(/:$/, "");
    return PROTOCOLS.find((p) => p.schemes.includes(s));
}
