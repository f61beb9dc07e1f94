import type { ProtocolServer } from "@node-wot/core";
import type { ProtocolFace, ServerHooks } from "../protocol-face";
import { brokerConnectionFor, VoMqttBrokerServer } from "./mqtt-broker-server";
import { mqttProbe } from "./mqtt-probe";

function instrument(server: ProtocolServer, hooks: ServerHooks): boolean {
    // binding-mqtt's own MqttBrokerServer carries no request context; only ours can be told
    if (!(server instanceof VoMqttBrokerServer)) return false;
    server.setHooks(hooks);
    return true;
}

/**
 * A broker the VO is connected to is reported by that connection (the self-check asks the VO's own
 * client, and says why it is down); any other broker, or a device topic, by a fresh connection.
 */
async function probe(url: URL, timeoutMs: number): Promise<string> {
    const own = url.pathname.replace(/\/+/g, "") === "" ? brokerConnectionFor(url) : undefined;
    if (own === undefined) return mqttProbe(url, timeoutMs);
    const since = new Date(own.since).toISOString();
    if (!own.connected) {
        throw new Error(`MQTT broker ${own.broker} down since ${since}: ${own.lastError ?? "not connected"}`);
    }
    return `MQTT connected to ${own.broker} since ${since}, ${own.things} Things`;
}

export const mqttFace: ProtocolFace = { schemes: ["mqtt", "mqtts"], instrument, probe };
