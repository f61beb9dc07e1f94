import type { Server } from "node:http";
import { replaceMethod } from "../patches/replace-method";

/**
 * binding-http 0.9.2 stops with `server.close()`, which waits for every open connection to end: one
 * client holding a long poll (an observation or an event subscription) kept a VO from stopping for as
 * long as the client waited (30 s for curl -m 30, forever for node-wot's client). Its open
 * connections are closed once the server stops accepting new ones.
 */
export function stopClosesConnections(server: { stop(): Promise<void> }, httpServer: () => Server): void {
    replaceMethod<() => Promise<void>>(
        server,
        "stop",
        "http-stop-closes-connections",
        (stop) =>
            function (this: unknown) {
                const stopped = stop.call(this);
                httpServer().closeAllConnections();
                return stopped;
            }
    );
}
