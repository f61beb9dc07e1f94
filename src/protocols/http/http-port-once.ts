import { replaceMethod } from "../patches/replace-method";
import type { HttpServerInternals } from "./http-server-internals";

/**
 * The port from the `listening` event instead of the socket at each call: binding-http builds debug
 * lines with getPort() at every request (three times on this face), and each `server.address()` is a
 * getsockname system call: about 9 us a request, 11% of the server's CPU under an HTTP read load
 * (bench/interactions.ts with --cpu-prof).
 */
export function askPortOnce(s: HttpServerInternals): void {
    replaceMethod<() => number>(s, "getPort", "http-port-once", (getPort) => {
        const ask = () => getPort.call(s);
        const server = s.getServer();
        let port = server.listening ? ask() : -1;
        server.on("listening", () => (port = ask()));
        server.on("close", () => (port = -1));
        return () => (port > 0 ? port : ask());
    });
}
