import WebSocket from "ws";

/**
 * Asks a WebSocket server whether it is up: a handshake on the URL's path (the root for the VO's own server).
 * Over wss:// the certificate is not checked: whether it is trusted here is no part of being up (the VO's own
 * is made for the name it advertises, not for the loopback address the self-check asks), as the HTTP probe.
 */
export function wsProbe(url: URL, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(url.href, { handshakeTimeout: timeoutMs, rejectUnauthorized: false });
        let settled = false;
        const finish = (err: Error | undefined): void => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            ws.removeAllListeners();
            ws.on("error", () => undefined);
            ws.terminate();
            if (err === undefined) resolve(`WebSocket handshake from ${url.host}`);
            else reject(err);
        };
        const timer = setTimeout(() => finish(new Error(`no WebSocket handshake within ${timeoutMs} ms`)), timeoutMs);
        ws.on("open", () => finish(undefined));
        ws.on("unexpected-response", (_req, res) =>
            finish(new Error(`${url.host} answered the handshake with HTTP ${res.statusCode}`))
        );
        ws.on("error", (err) => finish(new Error(`${url.host}: ${err.message}`)));
    });
}
