import type { Servient } from "@node-wot/core";
import { HttpServer } from "@node-wot/binding-http";
import type { HttpConfig } from "@node-wot/binding-http";
import type { CoapServerConfig } from "@node-wot/binding-coap";
import type { MdnsOption } from "./coap/binding-coap-mdns";
import type { VoCoapServer } from "./coap/coap-server";
import type { VoMqttBrokerServer, VoMqttServerConfig } from "./mqtt/mqtt-broker-server";
import type { VoWebSocketServer, VoWebSocketServerConfig } from "./websocket/ws-server";

/** The servers a VO runs, each only when its options are given: nothing listens that was not asked for. */
export interface ProtocolServerOptions {
    /** binding-http's server (port, address, security, HTTPS certificate and key): the descriptor's `http` */
    http?: HttpConfig;
    /** the descriptor's `coap` */
    coap?: CoapServerConfig & MdnsOption;
    /** a server through a broker: `mqtt` of the attach options */
    mqtt?: VoMqttServerConfig;
    /** `websocket` of the attach options */
    websocket?: VoWebSocketServerConfig;
}

/** The servers added, by protocol. */
export interface ProtocolServers {
    http?: HttpServer;
    coap?: VoCoapServer;
    mqtt?: VoMqttBrokerServer;
    websocket?: VoWebSocketServer;
}

/**
 * Creates the servers the options ask for and adds them to the servient, in this order (the order of the forms in
 * the TDs): HTTP, CoAP, MQTT, WebSocket.
 */
export function addProtocolServers(servient: Servient, options: ProtocolServerOptions): ProtocolServers {
    // each binding is loaded only when its server is asked for (see protocols/index.ts)
    /* eslint-disable @typescript-eslint/no-require-imports */
    const servers: ProtocolServers = {
        http: options.http && new HttpServer(options.http),
        coap:
            options.coap &&
            new (require("./coap/coap-server") as typeof import("./coap/coap-server")).VoCoapServer(options.coap),
        mqtt:
            options.mqtt &&
            new (require("./mqtt/mqtt-broker-server") as typeof import("./mqtt/mqtt-broker-server")).VoMqttBrokerServer(
                options.mqtt
            ),
        websocket:
            options.websocket &&
            new (require("./websocket/ws-server") as typeof import("./websocket/ws-server")).VoWebSocketServer(
                options.websocket
            ),
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
    // binding-coap, binding-mqtt and binding-websockets are typed against their own copies of @node-wot/core
    for (const server of [servers.http, servers.coap, servers.mqtt, servers.websocket]) {
        if (server !== undefined) servient.addServer(server as never);
    }
    return servers;
}
