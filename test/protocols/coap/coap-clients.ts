import { execFile } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as coap from "coap";

export interface CoapAnswer {
    code: string;
    body: Buffer;
    text: string;
    headers: Record<string, unknown>;
}

/**
 * One request with the `coap` package (node-coap), bounded by node-coap's own retransmission timeout.
 * The path is sent as written: node-coap puts each "/"-separated segment in a Uri-Path option as it is,
 * still percent-encoded.
 */
export function coapRequest(
    url: string,
    opts: {
        method?: "GET" | "PUT" | "POST";
        payload?: Buffer | string;
        accept?: string | number;
        contentFormat?: string;
        observe?: boolean;
        agent?: coap.Agent;
        /** send the payload block-wise (Block1) in blocks of 2^(4 + blockSzx) bytes, one token for all */
        blockSzx?: number;
    } = {}
): Promise<CoapAnswer> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
        const req = coap.request({
            hostname: u.hostname,
            port: Number(u.port),
            pathname: u.pathname,
            query: u.search.slice(1),
            method: opts.method ?? "GET",
            observe: opts.observe === true ? true : undefined,
            agent: opts.agent,
        } as coap.CoapRequestParams);
        if (opts.accept !== undefined) req.setOption("Accept", opts.accept as string);
        req.setOption("Content-Format", opts.contentFormat ?? "application/json");
        if (opts.blockSzx !== undefined) req.setOption("Block1", Buffer.from([opts.blockSzx]));
        req.on("response", (res: coap.IncomingMessage) => {
            resolve({
                code: res.code,
                body: res.payload,
                text: res.payload.toString("utf8"),
                headers: res.headers as Record<string, unknown>,
            });
            // an observation's answer is a stream: this client wanted the first answer only
            (res as unknown as { close?(): void }).close?.();
        });
        req.on("error", reject);
        req.on("timeout", reject);
        req.end(opts.payload);
    });
}

export interface LibcoapAnswer {
    /** the code of the last response libcoap received, e.g. "2.04" */
    code: string | undefined;
    stdout: string;
    /** libcoap's trace of the messages it sent and received (-v 7), one summary line each */
    pdus: string[];
    /** the payload of an error answer (4.xx, 5.xx), which libcoap writes to stderr after the code */
    errorPayload?: string;
}

/** libcoap's client (coap-client-notls, libcoap 4.3), run as a process, bounded by `timeoutMs`. */
export function libcoap(args: string[], timeoutMs = 15_000): Promise<LibcoapAnswer> {
    return new Promise((resolve, reject) => {
        execFile(
            "coap-client-notls",
            ["-v", "7", "-B", String(Math.ceil(timeoutMs / 1000)), ...args],
            { timeout: timeoutMs + 2000, maxBuffer: 64 * 1024 * 1024 },
            (err, stdout, stderr) => {
                if (err !== null && (err as { killed?: boolean }).killed === true) {
                    return reject(new Error(`coap-client-notls ${args.join(" ")} did not end: ${stderr.slice(-500)}`));
                }
                const pdus = `${stdout}\n${stderr}`
                    .split("\n")
                    .filter((l) => l.startsWith("v:1 "))
                    .map((l) => l.replace(/ :: .*$/, ""));
                const answers = pdus.map((l) => /^v:1 t:\w+ c:([2-5]\.\d\d) /.exec(l)?.[1]).filter((c) => c);
                // libcoap writes the payload between its log lines, without a line end of its own
                const body = stdout
                    .replace(/\w{3} \d\d \d\d:\d\d:\d\d\.\d+ [A-Z]{4} .*(\n|$)/g, "")
                    .split("\n")
                    .filter((l) => !l.startsWith("v:1 "))
                    .join("\n");
                const errorPayload = /^[45]\.\d\d (.*)$/m.exec(stderr)?.[1];
                resolve({ code: answers.at(-1), stdout: body.trim(), pdus, errorPayload });
            }
        );
    });
}

let outputs = 0;

/**
 * libcoap's client as `libcoap` runs it, the payloads it receives written to a file of their own (-o; each
 * notification of an observation appended) instead of between its log lines, where a binary one is a hex dump.
 */
export async function libcoapPayload(args: string[], timeoutMs = 15_000): Promise<LibcoapAnswer & { payload: Buffer }> {
    const out = path.join(os.tmpdir(), `node-wot-vo-libcoap-${process.pid}-${++outputs}`);
    try {
        const answer = await libcoap(["-o", out, ...args], timeoutMs);
        return { ...answer, payload: fs.existsSync(out) ? fs.readFileSync(out) : Buffer.alloc(0) };
    } finally {
        fs.rmSync(out, { force: true });
    }
}

/** A bare CoAP message (RFC 7252 section 3), enough for a test client to speak without a library. */
export interface Message {
    type: "CON" | "NON" | "ACK" | "RST";
    code: string;
    messageId: number;
    token: Buffer;
    options: [number, Buffer][];
    payload: Buffer;
}

const TYPES = ["CON", "NON", "ACK", "RST"] as const;

export function encode(m: Message): Buffer {
    const [cls, detail] = m.code.split(".").map(Number);
    const head = Buffer.from([
        0x40 | (TYPES.indexOf(m.type) << 4) | m.token.length,
        (cls << 5) | detail,
        m.messageId >> 8,
        m.messageId & 0xff,
    ]);
    const parts = [head, m.token];
    let last = 0;
    for (const [number, value] of [...m.options].sort((a, b) => a[0] - b[0])) {
        const delta = number - last;
        last = number;
        const nibble = (n: number) => (n < 13 ? n : n < 269 ? 13 : 14);
        const ext = (n: number) => (n < 13 ? [] : n < 269 ? [n - 13] : [(n - 269) >> 8, (n - 269) & 0xff]);
        parts.push(Buffer.from([(nibble(delta) << 4) | nibble(value.length), ...ext(delta), ...ext(value.length)]));
        parts.push(value);
    }
    if (m.payload.length > 0) parts.push(Buffer.from([0xff]), m.payload);
    return Buffer.concat(parts);
}

export function decode(buf: Buffer): Message {
    const tkl = buf[0] & 0x0f;
    const message: Message = {
        type: TYPES[(buf[0] >> 4) & 0x3],
        code: `${buf[1] >> 5}.${String(buf[1] & 0x1f).padStart(2, "0")}`,
        messageId: buf.readUInt16BE(2),
        token: buf.subarray(4, 4 + tkl),
        options: [],
        payload: Buffer.alloc(0),
    };
    let i = 4 + tkl;
    let number = 0;
    while (i < buf.length) {
        if (buf[i] === 0xff) {
            message.payload = buf.subarray(i + 1);
            break;
        }
        let delta = buf[i] >> 4;
        let length = buf[i] & 0x0f;
        i++;
        const read = (n: number) => {
            if (n === 13) return buf[i++] + 13;
            if (n === 14) return (buf[i++] << 8) + buf[i++] + 269;
            return n;
        };
        delta = read(delta);
        length = read(length);
        number += delta;
        message.options.push([number, buf.subarray(i, i + length)]);
        i += length;
    }
    return message;
}

export const OPTION = { Observe: 6, UriPath: 11, ContentFormat: 12, Accept: 17 } as const;

/** The acknowledgement of a confirmable message (an empty message: no token, options or payload). */
export function emptyAck(messageId: number, type: "ACK" | "RST" = "ACK"): Message {
    return { type, code: "0.00", messageId, token: Buffer.alloc(0), options: [], payload: Buffer.alloc(0) };
}

/** Uri-Path options of a URL's path, each segment percent-decoded (RFC 7252 section 6.4). */
export function pathOptions(url: string): [number, Buffer][] {
    return new URL(url).pathname
        .split("/")
        .slice(1)
        .map((s) => [OPTION.UriPath, Buffer.from(decodeURIComponent(s))]);
}

/** A UDP socket speaking bare CoAP to one server: sends messages, hands every message received to `onMessage`. */
export async function rawSocket(onMessage: (m: Message) => void): Promise<{
    send(m: Message, port: number): void;
    port: number;
    close(): void;
}> {
    const socket = dgram.createSocket("udp4");
    socket.on("message", (buf) => onMessage(decode(buf)));
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    return {
        send: (m, port) => socket.send(encode(m), port, "127.0.0.1"),
        port: socket.address().port,
        close: () => socket.close(),
    };
}
