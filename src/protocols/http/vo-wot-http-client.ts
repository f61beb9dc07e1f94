import { Readable } from "node:stream";
import { Content } from "@node-wot/core";
import type { HttpForm } from "@node-wot/binding-http";
import type { Request, RequestInit, Response } from "node-fetch";
import { createLogger } from "../../log";
import { BackOff } from "../../model/back-off";
import { JSON_MEDIA_TYPE } from "../../model/media-type";
import { RemoteActionError } from "../../model/errors";
import {
    jsonBody,
    parseEnvelope,
    unwrapEnvelope,
    voWotResourceOf,
    voWotShapeOf,
    VoWotEnvelopeError,
    wrapEnvelope,
} from "../vo-wot-forms";

const { warn } = createLogger("protocols:http:vo-wot-http-client");

/**
 * The requests of binding-http's client on a form of a vo-wot TD (vo-wot-forms.ts): bodies wrapped in and
 * unwrapped from vo-wot's envelopes, and its long polls run here. binding-http's long poll first sends a
 * HEAD, which tornado answers 405, and resolves the subscription only on a 2xx to it: a subscription to
 * vo-wot would never start. Here a poll is a GET answered at the next change (`{"value"}`) or emission
 * (`{"payload"}`), polled again at once; vo-wot's server subscribes per poll, so what comes between
 * two polls is missed, as by wotpy2's own client.
 */

/** What a vo-wot request needs of binding-http's client: its requests (with security) and checks. */
export interface HttpRequester {
    generateFetchRequest(form: HttpForm, method: "GET" | "PUT" | "POST", init?: RequestInit): Promise<Request>;
    /** answers a 2xx, or throws binding-http's error for any other status */
    doFetch(request: Request): Promise<Response>;
}

/** How long a poll waits before it is sent again (a silently dropped connection is noticed by then). */
const POLL_TIMEOUT_MS = 60_000;
/** A subscription counts as started when its first poll has not failed by then (vo-wot's answer is the next change). */
const START_GRACE_MS = 300;
/** The pause after a failed poll before the next one: 1 s, doubling to 30 s while the polls fail. */
const RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

const json = (body: Buffer) => new Content(JSON_MEDIA_TYPE, Readable.from([body]));

async function send(client: HttpRequester, form: HttpForm, method: "GET" | "PUT" | "POST", body?: Buffer) {
    const headers: [string, string][] = [["accept", JSON_MEDIA_TYPE]];
    if (body !== undefined) headers.push(["content-type", JSON_MEDIA_TYPE]);
    const request = await client.generateFetchRequest(form, method, { headers, body } as RequestInit);
    const response = await client.doFetch(request);
    return response.buffer();
}

export async function readVoWot(client: HttpRequester, form: HttpForm): Promise<Content> {
    return json(jsonBody(unwrapEnvelope(await send(client, form, "GET"), "value", form.href)));
}

export async function writeVoWot(client: HttpRequester, form: HttpForm, content: Content): Promise<void> {
    await send(client, form, "PUT", wrapEnvelope("value", await content.toBuffer(), form.href));
}

/** `{"result"}` is the output; `{"error"}` (vo-wot answers a failed action 200) rejects with its message. */
export async function invokeVoWot(client: HttpRequester, form: HttpForm, content?: Content): Promise<Content> {
    const body = wrapEnvelope("input", content === undefined ? undefined : await content.toBuffer(), form.href);
    return actionOutcome(await send(client, form, "POST", body), form.href);
}

/** The outcome of a finished vo-wot invocation: `{"result"}` as the output, `{"error"}` thrown. */
export function actionOutcome(body: Buffer, href: string): Content {
    const answer = parseEnvelope(body, href);
    if ("error" in answer && answer.error !== undefined && answer.error !== null) {
        throw new RemoteActionError(String(answer.error));
    }
    if (!("result" in answer)) {
        throw new VoWotEnvelopeError(`vo-wot answer from ${href} has neither "result" nor "error"`);
    }
    return json(jsonBody(answer.result));
}

/** The open long polls of one client, by the affordance they follow (an unsubscription may name another form). */
export class VoWotLongPolls {
    private readonly open = new Map<string, Set<() => void>>();

    /** Starts polling; resolves once the first poll was not refused, or rejects with why it was. */
    subscribe(
        client: HttpRequester,
        form: HttpForm,
        next: (content: Content) => void,
        complete?: () => void
    ): Promise<{ unsubscribe(): void }> {
        const key = affordanceKey(form.href);
        const envelope = voWotResourceOf(form) === "event" ? "payload" : "value";
        const abort = new AbortController();
        let closed = false;
        const close = () => {
            if (closed) return;
            closed = true;
            abort.abort();
            this.open.get(key)?.delete(close);
            complete?.();
        };
        // listed at once, so that the client's stop ends a subscription still starting too
        this.open.set(key, (this.open.get(key) ?? new Set()).add(close));
        return new Promise((resolve, reject) => {
            let started = false;
            const start = () => {
                if (started || closed) return;
                started = true;
                clearTimeout(grace);
                resolve({ unsubscribe: close });
            };
            const grace = setTimeout(start, START_GRACE_MS);
            const poll = async (): Promise<void> => {
                const request = await client.generateFetchRequest(form, "GET", {
                    headers: [["accept", JSON_MEDIA_TYPE]],
                    timeout: POLL_TIMEOUT_MS,
                    signal: abort.signal,
                } as RequestInit);
                const body = await (await client.doFetch(request)).buffer();
                if (closed) return;
                start();
                deliver(body);
            };
            const deliver = (body: Buffer) => {
                try {
                    next(json(jsonBody(unwrapEnvelope(body, envelope, form.href))));
                } catch (err) {
                    // one bad answer is not the end of the subscription: logged, and polled again
                    warn("%s", (err as Error).message);
                }
            };
            const failures = new FailedPolls(form.href);
            const loop = async () => {
                while (!closed) {
                    try {
                        await poll();
                        failures.answered();
                    } catch (err) {
                        if (!started) {
                            clearTimeout(grace);
                            close();
                            return reject(err as Error);
                        }
                        if (closed) return;
                        if ((err as { type?: string }).type === "request-timeout") continue;
                        await pause(failures.failed(err as Error), abort.signal);
                    }
                }
            };
            void loop();
        });
    }

    /** Ends the polls following the affordance the form names; false when there is none. */
    unsubscribe(href: string): boolean {
        const closers = this.open.get(affordanceKey(href));
        if (closers === undefined || closers.size === 0) return false;
        for (const close of [...closers]) close();
        this.open.delete(affordanceKey(href));
        return true;
    }

    closeAll(): void {
        for (const closers of this.open.values()) for (const close of [...closers]) close();
        this.open.clear();
    }
}

/**
 * A run of failed polls of one subscription: said at its first failure and when the polls answer again, not once
 * a poll; the pause before the next poll grows from 1 s to 30 s while they fail (a peer down for hours).
 */
class FailedPolls {
    private count = 0;
    private readonly backOff = new BackOff({ minMs: RETRY_MS, maxMs: MAX_RETRY_MS });

    constructor(private readonly href: string) {}

    answered(): void {
        if (this.count > 0) warn("long poll of %s answers again after %d failed", this.href, this.count);
        this.count = 0;
        this.backOff.success();
    }

    /** The pause before the next poll. */
    failed(err: Error): number {
        if (this.count++ === 0) {
            const every = `up to every ${MAX_RETRY_MS / 1000} s while it fails`;
            warn("long poll of %s failed, polling again (%s): %s", this.href, every, err.message);
        }
        return this.backOff.nextDelay();
    }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
}

/** One key for a property's read/write form and its subscription form, so either form ends its poll. */
function affordanceKey(href: string): string {
    const shape = voWotShapeOf(href);
    if (shape === undefined) return href;
    const family = shape.resource === "observe" ? "property" : shape.resource;
    return `${new URL(href).origin}/${shape.thing}/${family}/${shape.name}`;
}
