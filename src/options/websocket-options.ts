import { invalidOption, port, section, text } from "./option-checks";

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

/** The WebSocket server of `websocket`: the VO's WebSocket server's config. */
export interface ResolvedWebSocketOptions {
    /** 0: any free port */
    port: number;
    /** the interface to listen on; default every interface */
    address?: string;
    /** WSS (`wss://` forms): the certificate and private key files (PEM); absent: ws:// */
    serverCert?: string;
    serverKey?: string;
}

export function resolveWebSocketOptions(o: WebSocketOptions): ResolvedWebSocketOptions {
    section(o, "websocket", "a mapping like { port: 8081 }");
    const certFile = text(o.certFile, "websocket.certFile", undefined);
    const keyFile = text(o.keyFile, "websocket.keyFile", undefined);
    if ((certFile === undefined) !== (keyFile === undefined)) {
        throw invalidOption(
            "websocket",
            "WSS needs both websocket.certFile and websocket.keyFile, or neither for ws://"
        );
    }
    const tls = certFile === undefined ? {} : { serverCert: certFile, serverKey: keyFile };
    return { port: port(o.port, "websocket.port"), address: text(o.address, "websocket.address", undefined), ...tls };
}
