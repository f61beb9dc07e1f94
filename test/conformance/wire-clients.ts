import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as coap from "coap";
import * as mqtt from "mqtt";
import WebSocket from "ws";

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

/**
 * The `mqtt` package's MQTT 5 client, one connection to one broker: `publishRequest` publishes with a
 * Response Topic and waits for the answer (its `status` user property as the code), `firstMessage`
 * subscribes and waits for a message (a retained one comes at once), both bounded in time.
 */
export class MqttWireClient {
    private constructor(private readonly client: mqtt.MqttClient) {}

    static async connect(broker: string): Promise<MqttWireClient> {
        return new MqttWireClient(await mqtt.connectAsync(broker, { protocolVersion: 5, reconnectPeriod: 0 }));
    }

    async publishRequest(topic: string, body: Buffer, contentType = "application/json"): Promise<WireAnswer> {
        const responseTopic = `walk/replies/${crypto.randomBytes(6).toString("hex")}`;
        const correlationData = crypto.randomBytes(8);
        await this.client.subscribeAsync(responseTopic, { qos: 1 });
        try {
            const answer = this.wait(responseTopic, (_body, packet) =>
                correlationData.equals(packet.properties?.correlationData ?? Buffer.alloc(0))
            );
            await this.client.publishAsync(topic, body, {
                qos: 1,
                properties: { responseTopic, correlationData, contentType },
            });
            const { body: reply, packet } = await answer;
            const status = packet.properties?.userProperties?.status;
            return {
                code: String(Array.isArray(status) ? status[0] : status),
                contentType: packet.properties?.contentType,
                body: reply,
                headers: {},
            };
        } finally {
            await this.client.unsubscribeAsync(responseTopic);
        }
    }

    /** Subscribes to `topic` and resolves with its first message; `trigger` runs once the subscription holds. */
    async firstMessage(topic: string, trigger?: () => unknown): Promise<WireAnswer> {
        const message = this.wait(topic, () => true);
        await this.client.subscribeAsync(topic, { qos: 1 });
        try {
            if (trigger !== undefined) await trigger();
            const { body, packet } = await message;
            return { code: "message", contentType: packet.properties?.contentType, body, headers: {} };
        } finally {
            await this.client.unsubscribeAsync(topic);
        }
    }

    /** UNSUBACK of a topic (what ends an observation or subscription over MQTT, at the broker). */
    async unsubscribe(topic: string): Promise<WireAnswer> {
        await this.client.subscribeAsync(topic, { qos: 1 });
        await this.client.unsubscribeAsync(topic);
        return { code: "unsuback", body: Buffer.alloc(0), headers: {} };
    }

    private wait(
        topic: string,
        accept: (body: Buffer, packet: mqtt.IPublishPacket) => boolean
    ): Promise<{ body: Buffer; packet: mqtt.IPublishPacket }> {
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.client.off("message", onMessage);
                reject(new Error(`no MQTT message on ${topic} within 8 s`));
            }, 8000);
            const onMessage = (t: string, body: Buffer, packet: mqtt.IPublishPacket): void => {
                if (t !== topic || !accept(body, packet)) return;
                clearTimeout(timer);
                this.client.off("message", onMessage);
                resolve({ body, packet });
            };
            this.client.on("message", onMessage);
        });
    }

    end(): Promise<void> {
        return this.client.endAsync(true);
    }
}

/**
 * The `ws` package's client, one socket on one affordance: sends a JSON request (if any) and resolves
 * with the answer carrying its id (`code` "ok" or the error's status); with `push`, once that answer
 * is ok (or at once without a request), runs `trigger` and resolves with the first push of that `op`
 * (propertychange, event). Bounded in time.
 */
export async function wsCall(
    href: string,
    request: Record<string, unknown> | undefined,
    options: { push?: string; trigger?: () => unknown } = {}
): Promise<WireAnswer & { message?: Record<string, unknown> }> {
    const socket = new WebSocket(href);
    const messages: Record<string, unknown>[] = [];
    socket.on("message", (data) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>));
    const next = async (match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
        const deadline = Date.now() + 8000;
        while (Date.now() < deadline) {
            const m = messages.find(match);
            if (m !== undefined) return m;
            await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error(`no WebSocket answer from ${href} within 8 s (got ${JSON.stringify(messages)})`);
    };
    const answer = (m: Record<string, unknown>) => {
        const error = m.error as { status?: number } | undefined;
        return {
            code: error === undefined ? "ok" : String(error.status),
            body: Buffer.from(JSON.stringify(m)),
            headers: {},
            message: m,
        };
    };
    try {
        await new Promise<void>((resolve, reject) => {
            socket.once("open", () => resolve());
            socket.once("error", reject);
        });
        const id = crypto.randomBytes(4).toString("hex");
        if (request !== undefined) {
            socket.send(JSON.stringify({ ...request, id }));
            const reply = await next((m) => m.id === id);
            if (options.push === undefined || reply.error !== undefined) return answer(reply);
        }
        await options.trigger?.(); // for a subscription made by opening the socket, trigger waits until it holds
        return answer(await next((m) => m.op === options.push));
    } finally {
        socket.terminate();
    }
}
