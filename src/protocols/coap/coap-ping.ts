import dgram from "node:dgram";
import net from "node:net";
import crypto from "node:crypto";

export type PingAnswer = "reset" | "response";

/**
 * CoAP ping (RFC 7252 section 4.3): an empty Confirmable message, which a CoAP endpoint answers
 * with a Reset. Any message carrying the same Message ID counts as an answer: node-wot's own CoAP
 * server (the `coap` package) answers 4.05 in an ACK instead of a Reset, and is alive all the same.
 * Rejects with a message naming the host when nothing comes back within `timeoutMs`.
 */
export function coapPing(host: string, port: number, timeoutMs: number): Promise<PingAnswer> {
    const family = net.isIPv6(host) ? "udp6" : "udp4";
    const socket = dgram.createSocket(family);
    const mid = crypto.randomInt(0, 0x10000);
    // version 1, type CON (0), token length 0; code 0.00 (empty); message id
    const ping = Buffer.from([0x40, 0x00, mid >> 8, mid & 0xff]);
    return new Promise<PingAnswer>((resolve, reject) => {
        const done = (err: Error | undefined, answer?: PingAnswer) => {
            clearTimeout(timer);
            socket.close();
            if (err) reject(err);
            else resolve(answer!);
        };
        const timer = setTimeout(
            () => done(new Error(`no answer to a CoAP ping from ${host}:${port} within ${timeoutMs} ms`)),
            timeoutMs
        );
        socket.on("message", (msg) => {
            if (msg.length < 4 || msg[0] >> 6 !== 1 || msg.readUInt16BE(2) !== mid) return; // not ours
            done(undefined, ((msg[0] >> 4) & 0x3) === 3 ? "reset" : "response");
        });
        socket.on("error", (err) => done(new Error(`CoAP ping to ${host}:${port} failed: ${err.message}`)));
        socket.send(ping, port, host);
    });
}
