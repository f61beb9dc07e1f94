import type { VoWebSocketServerConfig } from "./ws-server";
import { InvalidOptionsError } from "../../model/errors";

/** `websocket` in the attach options: the port (and interface) the VO's WebSocket server listens on. */
export interface WebSocketOptions {
    /** 0..65535, 0: any free port */
    port: number;
    /** default every interface */
    address?: string;
    /** WSS: the server's certificate and its private key (PEM files), both or neither */
    certFile?: string;
    keyFile?: string;
}

export class InvalidWebSocketOptionsError extends InvalidOptionsError {}

export function resolveWebSocketOptions(o: WebSocketOptions): VoWebSocketServerConfig {
    if (o === null || typeof o !== "object" || !Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
        throw new InvalidWebSocketOptionsError(
            `node-wot-vo option websocket.port must be an integer 0..65535, got ${JSON.stringify(o?.port)}`
        );
    }
    if (o.address !== undefined && (typeof o.address !== "string" || o.address === "")) {
        throw new InvalidWebSocketOptionsError("node-wot-vo option websocket.address must be a non-empty string");
    }
    if ((o.certFile === undefined) !== (o.keyFile === undefined)) {
        throw new InvalidWebSocketOptionsError(
            "node-wot-vo options websocket.certFile and websocket.keyFile: WSS needs both, or neither for ws://"
        );
    }
    const tls = o.certFile === undefined ? {} : { serverCert: o.certFile, serverKey: o.keyFile };
    return { port: o.port, address: o.address, ...tls };
}
