import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { replaceMethod } from "../patches/replace-method";

/**
 * binding-http 0.9.2 reads a request body whole, whatever its size, and hands it to the handler:
 * a 5 MB write reaches the script. Bodies are bounded here by `limits.maxBodyBytes`:
 *
 * - a Content-Length over the bound is answered 413 before a byte of the body is read (and before
 *   `100 Continue`, so a client that waits for it never sends the body at all);
 * - a chunked body is counted as it arrives, and binding-http is handed the request only once the
 *   body is complete and within the bound; the chunk that passes it stops the forwarding, the
 *   request is answered 413 and its connection closed. The handler never sees any of it.
 */

/** True when the request declares a body larger than `max` bytes. */
export function declaresTooLarge(req: IncomingMessage, max: number): boolean {
    const length = req.headers["content-length"];
    return length !== undefined && Number(length) > max;
}

/** True when the request's body has no declared length (chunked), so it must be counted. */
export function isChunked(req: IncomingMessage): boolean {
    return req.headers["content-length"] === undefined && req.headers["transfer-encoding"] !== undefined;
}

/**
 * Holds a chunked body back until it is complete: `complete()` runs once the whole body is in the
 * request's own buffer, unread (binding-http then reads it as usual), `tooLarge()` once the bytes
 * received pass `max` (nothing more is forwarded). One of the two runs, once.
 *
 * Node's HTTP parser hands body chunks to `IncomingMessage.push` and ends the body with
 * `push(null)`; counting there is the only place that sees every chunk without consuming it.
 */
export function holdChunkedBody(req: IncomingMessage, max: number, complete: () => void, tooLarge: () => void): void {
    let received = req.readableLength; // what arrived before the request was handed over (a middleware ran first)
    if (received > max) return tooLarge();
    if (req.complete) return complete();
    let over = false;
    type Push = (this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding) => boolean;
    replaceMethod<Push>(
        req,
        "push",
        "http-chunked-body-limit",
        (push) =>
            function (this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
                if (over) return true; // dropped: the request is refused
                if (chunk === null) {
                    req.push = push; // the body is complete: node's own again
                    const ret = push.call(this, null);
                    process.nextTick(complete); // out of the parser's callback
                    return ret;
                }
                received += (chunk as Buffer).length;
                if (received > max) {
                    over = true;
                    process.nextTick(tooLarge);
                    return true;
                }
                push.call(this, chunk, encoding);
                // nobody reads the request yet: keep the parser reading; at most `max` bytes are held
                return true;
            }
    );
}

/** Reads a body whole, or resolves undefined as soon as it passes `max` bytes (the rest is not kept). */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const onData = (chunk: Buffer): void => {
            size += chunk.length;
            if (size > max) {
                req.off("data", onData);
                req.off("end", onEnd);
                resolve(undefined);
                return;
            }
            chunks.push(chunk);
        };
        const onEnd = (): void => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
        req.on("data", onData);
        req.once("end", onEnd);
        req.once("error", reject);
        // after "end" this is a no-op; without it, a client gone mid-body would leave the promise pending
        req.once("close", () => reject(new Error("the request closed before its body ended")));
    });
}

/** How long a refused client may go on sending before its connection is dropped, ms. */
const LINGER_MS = 2000;

/** 413, and the connection closed after it: the rest of the body is not kept. */
export function answerTooLarge(res: ServerResponse, max: number): void {
    if (res.headersSent) {
        res.destroy();
        return;
    }
    if (res.socket !== null) lingerOnClose(res.socket);
    res.writeHead(413, { "Content-Type": "text/plain; charset=utf-8", Connection: "close" });
    res.end(`payload too large: a request body may have at most ${max} bytes\n`);
}

/**
 * Node destroys a `Connection: close` socket as soon as the answer is written (destroySoon). A
 * client still sending its body then gets a reset, and a reset can discard the 413 before the
 * client has read it. The socket is half-closed instead, what still comes is read into nothing
 * (the body is no longer forwarded), and it is dropped when the client closes or after LINGER_MS,
 * as web servers do (lingering close).
 */
function lingerOnClose(socket: Socket): void {
    replaceMethod(
        socket,
        "destroySoon",
        "http-lingering-close",
        () =>
            function (this: Socket) {
                this.end();
                setTimeout(() => this.destroy(), LINGER_MS).unref();
            }
    );
}

/**
 * Answers `Expect: 100-continue` requests that declare too large a body with 413 instead of
 * `100 Continue` (Node sends it by itself unless the server listens for `checkContinue`).
 */
export function refuseLargeBeforeContinue(
    server: Server,
    max: () => number,
    refuse: (req: IncomingMessage, res: ServerResponse) => void
): void {
    server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
        if (declaresTooLarge(req, max())) return refuse(req, res);
        res.writeContinue();
        server.emit("request", req, res);
    });
}
