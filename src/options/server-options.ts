/**
 * Where the VO's servers listen and what they accept: the defaults node-wot-vo's descriptor, vo-wot's
 * descriptor and the attach options share, stated here once.
 */

/** node-wot-vo's own descriptor listens on the loopback interface unless told otherwise: the safe default */
export const DEFAULT_BIND = "127.0.0.1";
/** the HTTP server's port (vo-wot's too) */
export const DEFAULT_HTTP_PORT = 8080;
/** the CoAP server's port, and the port of a coap:// URL without one (RFC 7252) */
export const DEFAULT_COAP_PORT = 5683;
/** the WebSocket server's port (vo-wot's too) */
export const DEFAULT_WEBSOCKET_PORT = 8081;

/** Where the catalogue listens (`catalogue` in the attach options and the descriptor). */
export interface CatalogueOptions {
    /** TCP port; 0 takes any free one */
    port: number;
    /** address it binds to; default 127.0.0.1 */
    host?: string;
}

/** the catalogue listens on the loopback interface unless told otherwise */
export const DEFAULT_CATALOGUE_HOST = "127.0.0.1";

/** What the VO's protocol servers accept (`protocols` in the attach options). */
export interface ProtocolLimits {
    /** request bodies larger than this are refused (413 / 4.13) and the refusal recorded; default 1 MiB */
    maxBodyBytes: number;
    /** an observer whose notifications go unacknowledged this long is dropped as gone (CoAP); default 10 s */
    observerTimeoutMs: number;
    /**
     * the HTTP and CoAP servers answer vo-wot's resources too (`/<thing>/property/<name>` with `{"value": ...}`,
     * `coap://.../property?thing=&name=`, ...), the MQTT server vo-wot's `wotpy/...` topics, the WebSocket server
     * vo-wot's JSON-RPC on `/<thing>`, and the catalogue serves TDs with vo-wot's forms; default false (on for a VO
     * run from a vo-wot descriptor with H, U, M or WS)
     */
    voWot: boolean;
}

export const DEFAULT_PROTOCOL_LIMITS: ProtocolLimits = {
    maxBodyBytes: 1024 * 1024,
    observerTimeoutMs: 10_000,
    voWot: false,
};
