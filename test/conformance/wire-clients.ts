import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as coap from "coap";

/** What came back, whatever the protocol: the code as a string ("200", "2.05"), the content type and the bytes. */
export interface WireAnswer {
    code: string;
    contentType?: string;
    body: Buffer;
    headers: Record<string, string>;
}

export const CONTENT_FORMAT: Record<string, number> = {
    "text/plain": 0,
    "application/json": 50,
    "application/cbor": 60,
    "application/td+json": 432,
};

/** node's HTTP client (fetch), bounded in time. */
export async function httpCall(
    url: string,
    method: string,
    options: { body?: Buffer; contentType?: string; accept?: string; signal?: AbortSignal } = {}
): Promise<WireAnswer> {
    const headers: Record<string, string> = {};
    if (options.contentType !== undefined) headers["content-type"] = options.contentType;
    if (options.accept !== undefined) headers.accept = options.accept;
    const res = await fetch(url, {
        method,
        headers,
        body: options.body,
        redirect: "manual",
        signal: options.signal ?? AbortSignal.timeout(8000),
    });
    const body = Buffer.from(await res.arrayBuffer());
    return {
        code: String(res.status),
        contentType: res.headers.get("content-type") ?? undefined,
        body,
        headers: Object.fromEntries(res.headers.entries()),
    };
}

/** The Uri-Path options of an href: each segment decoded once (RFC 7252 section 6.4). */
export function uriPath(href: string): Buffer[] {
    return new URL(href).pathname
        .split("/")
        .filter((s) => s !== "")
        .map((s) => Buffer.from(decodeOnce(s)));
}

/** A malformed escape ("%ZZ") is sent as the text it is, as a client that cannot decode it would. */
function decodeOnce(segment: string): string {
    try {
        return decodeURIComponent(segment);
    } catch {
        return segment;
    }
}

/** The `coap` package's client, one request, bounded in time; `observe` returns the first notification. */
export function coapCall(
    href: string,
    method: string,
    options: { body?: Buffer; contentFormat?: number; accept?: number; agent?: coap.Agent; observe?: boolean } = {}
): Promise<WireAnswer & { close?: () => void; token?: Buffer }> {
    const url = new URL(href);
    const coapOptions: Record<string, unknown> = { "Uri-Path": uriPath(href) };
    const query = url.search
        .slice(1)
        .split("&")
        .filter((q) => q !== "");
    if (query.length > 0) coapOptions["Uri-Query"] = query.map((q) => Buffer.from(decodeOnce(q)));
    if (options.contentFormat !== undefined) coapOptions["Content-Format"] = options.contentFormat;
    if (options.accept !== undefined) coapOptions.Accept = options.accept;
    return new Promise((resolve, reject) => {
        const req = coap.request({
            hostname: url.hostname,
            port: Number(url.port || 5683),
            method,
            observe: options.observe === true,
            agent: options.agent,
            options: coapOptions,
        } as unknown as coap.CoapRequestParams);
        const timer = setTimeout(() => reject(new Error(`no CoAP answer from ${method} ${href} within 8 s`)), 8000);
        req.on("response", (res: coap.IncomingMessage) => {
            const done = (body: Buffer) => {
                clearTimeout(timer);
                const format = res.headers["Content-Format"];
                resolve({
                    code: res.code,
                    contentType: format === undefined ? undefined : String(format),
                    body,
                    headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])),
                    close: () => (res as unknown as { close(): void }).close(),
                    token: (req as unknown as { _packet: { token: Buffer } })._packet.token,
                });
            };
            if (options.observe === true && res.code.startsWith("2.")) {
                // an observation: its first notification is the answer (events register with an empty one)
                if (res.payload.length > 0 || res.headers.Observe === undefined) return done(res.payload);
                return done(Buffer.alloc(0));
            }
            done(res.payload);
        });
        req.on("error", (err: Error) => {
            clearTimeout(timer);
            reject(err);
        });
        req.end(options.body);
    });
}

/** Ends a CoAP observation by deregistering (RFC 7641 section 3.6): GET with Observe 1 and its token. */
export async function coapDeregister(href: string, token: Buffer): Promise<WireAnswer> {
    const agent = new coap.Agent();
    try {
        const url = new URL(href);
        return await new Promise((resolve, reject) => {
            const req = coap.request({
                hostname: url.hostname,
                port: Number(url.port || 5683),
                observe: 1,
                token,
                agent,
                options: { "Uri-Path": uriPath(href) },
            } as unknown as coap.CoapRequestParams);
            req.on("response", (res: coap.IncomingMessage) =>
                resolve({ code: res.code, body: res.payload, headers: {} })
            );
            req.on("error", reject);
            req.end();
        });
    } finally {
        agent.close();
    }
}

export const LIBCOAP_CLIENT = "coap-client-notls";
let outputs = 0;

/** Whether libcoap's client is on the PATH. */
export function hasLibcoapClient(): Promise<boolean> {
    return new Promise((resolve) => execFile(LIBCOAP_CLIENT, ["-h"], (err) => resolve(err?.code !== "ENOENT")));
}

/**
 * libcoap's `coap-client`: one request; the answer's code and options are read from its
 * verbose log (-v 6 prints every PDU), the payload from its standard output.
 */
export function libcoapCall(
    href: string,
    method: string,
    options: {
        payloadFile?: string;
        payload?: string;
        contentFormat?: number;
        accept?: number;
        block?: number;
        /** how long coap-client waits for the whole exchange (-B), default 8 s */
        waitSeconds?: number;
    } = {}
): Promise<WireAnswer> {
    // the payload goes to a file of its own (-o): -v 6 writes binary payloads as a hex dump into the log
    const out = path.join(os.tmpdir(), `node-wot-vo-coap-client-${process.pid}-${++outputs}`);
    const wait = options.waitSeconds ?? 8;
    const args = ["-v", "6", "-B", String(wait), "-o", out, "-m", method.toLowerCase()];
    if (options.accept !== undefined) args.push("-A", String(options.accept));
    if (options.contentFormat !== undefined) args.push("-t", String(options.contentFormat));
    if (options.block !== undefined) args.push("-b", String(options.block));
    if (options.payload !== undefined) args.push("-e", options.payload);
    if (options.payloadFile !== undefined) args.push("-f", options.payloadFile);
    args.push(href);
    return new Promise((resolve, reject) => {
        execFile(
            LIBCOAP_CLIENT,
            args,
            { encoding: "buffer", timeout: (wait + 7) * 1000, maxBuffer: 8 << 20 },
            (err, stdout, stderr) => {
                const log = `${stderr.toString()}\n${stdout.toString()}`;
                // the answers: "v:1 t:ACK c:2.05 i:... {..} [ Content-Format:application/json ] :: '...'"
                const answers = [...log.matchAll(/t:(?:ACK|CON|NON) c:(\d\.\d\d) [^\n]*?\[([^\]]*)\]/g)];
                const last = answers.at(-1);
                if (last === undefined) {
                    reject(new Error(`coap-client ${args.join(" ")} gave no answer (${err?.message ?? ""}): ${log}`));
                    return;
                }
                const format = /Content-Format:([^\s,]+)/.exec(last[2])?.[1];
                let body = Buffer.alloc(0);
                try {
                    body = fs.readFileSync(out);
                    fs.rmSync(out);
                } catch {
                    // no payload: coap-client writes no file
                }
                resolve({ code: last[1], contentType: format, body, headers: { options: last[2] } });
            }
        );
    });
}
