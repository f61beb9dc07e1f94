import { Readable } from "node:stream";
import { Content } from "@node-wot/core";
import { JSON_MEDIA_TYPE } from "../../model/media-type";
import { createLogger } from "../../log";
import { RemoteActionError } from "../../model/errors";
import {
    jsonBody,
    parseEnvelope,
    unwrapEnvelope,
    voWotResourceOf,
    VoWotEnvelopeError,
    wrapEnvelope,
} from "../vo-wot-forms";

const { warn } = createLogger("protocols:coap:vo-wot-coap-client");

/**
 * binding-coap's client on a form of a vo-wot TD (vo-wot-forms.ts), as wotpy2 0.1.0's CoAP server answers:
 *
 *   GET  /property?thing=&name=                 2.05 {"value": v}
 *   PUT  /property?thing=&name=  {"value": v}   2.04
 *   GET  /property?thing=&name=  Observe        {"value": v} now, then at each change
 *   POST /action?thing=&name=    {"input": x}   2.01 {"id": i}; then GET /action with {"id": i} and Observe:
 *                                               {"id", "done": false} until {"id", "done": true, "result" | "error"}
 *   GET  /event?thing=&name=     Observe        the last emission (or nothing) now, then {"name", "data", "time"}
 *
 * An observation's first answer is what was, not a change (the property's value, the event before the
 * subscription): it is skipped, as binding-http's long polls and vo-wot's HTTP server deliver changes only.
 */

export interface CoapForm {
    href: string;
    contentType?: string;
}

/** What a vo-wot request needs of the VO's CoAP client (coap-client-factory.ts). */
export interface CoapRequester {
    send(form: CoapForm, method: string, content?: Content): Promise<Content>;
    /** an observation whose first answer is handed to `next` too */
    observe(
        form: CoapForm,
        next: (content: Content) => void,
        error?: (err: Error) => void,
        complete?: () => void,
        payload?: Buffer
    ): Promise<{ unsubscribe(): void }>;
}

/** How long an invocation is followed before it counts as failed: wotpy2's server forgets it after 5 min. */
const INVOCATION_LIMIT_MS = 5 * 60 * 1000;

const json = (body: Buffer) => new Content(JSON_MEDIA_TYPE, Readable.from([body]));

export async function readVoWot(client: CoapRequester, form: CoapForm): Promise<Content> {
    const answer = await (await client.send(form, "GET")).toBuffer();
    return json(jsonBody(unwrapEnvelope(answer, "value", form.href)));
}

export async function writeVoWot(client: CoapRequester, form: CoapForm, content: Content): Promise<void> {
    await client.send(form, "PUT", json(wrapEnvelope("value", await content.toBuffer(), form.href)));
}

/** Creates the invocation, then observes it until it is done: its result, or its error thrown. */
export async function invokeVoWot(client: CoapRequester, form: CoapForm, content?: Content): Promise<Content> {
    const input = wrapEnvelope("input", content === undefined ? undefined : await content.toBuffer(), form.href);
    const created = await (await client.send(form, "POST", json(input))).toBuffer();
    const id = unwrapEnvelope(created, "id", form.href);
    if (typeof id !== "string" || id === "") {
        throw new VoWotEnvelopeError(`vo-wot answer from ${form.href} has no invocation "id": ${created.toString()}`);
    }
    return new Promise<Content>((resolve, reject) => {
        let observation: { unsubscribe(): void } | undefined;
        let settled = false;
        const settle = (fn: () => void) => {
            if (settled) return;
            settled = true;
            clearTimeout(limit);
            observation?.unsubscribe();
            fn();
        };
        const limit = setTimeout(
            () => settle(() => reject(new VoWotEnvelopeError(`invocation ${id} at ${form.href} not done in time`))),
            INVOCATION_LIMIT_MS
        );
        const onStatus = (status: Content) => {
            status
                .toBuffer()
                .then((body) => {
                    const answer = parseEnvelope(body, form.href);
                    if (answer.done !== true) return;
                    if (answer.error !== undefined && answer.error !== null) {
                        return settle(() => reject(new RemoteActionError(String(answer.error))));
                    }
                    settle(() => resolve(json(jsonBody(answer.result))));
                })
                .catch((err: Error) => settle(() => reject(err)));
        };
        const fail = (err: Error) => settle(() => reject(err));
        client
            .observe(form, onStatus, fail, undefined, Buffer.from(JSON.stringify({ id })))
            .then((o) => (settled ? o.unsubscribe() : (observation = o)))
            .catch(fail);
    });
}

/** An observation of a vo-wot property or event: each change's value, each emission's data. */
export function observeVoWot(
    client: CoapRequester,
    form: CoapForm,
    next: (content: Content) => void,
    error?: (err: Error) => void,
    complete?: () => void
): Promise<{ unsubscribe(): void }> {
    const key = voWotResourceOf(form as unknown as Record<string, unknown>) === "event" ? "data" : "value";
    let first = true;
    return client.observe(
        form,
        (content) => {
            if (first) return void (first = false);
            content
                .toBuffer()
                .then((body) =>
                    body.length === 0 ? undefined : next(json(jsonBody(unwrapEnvelope(body, key, form.href))))
                )
                // one bad notification is not the end of the observation
                .catch((err: Error) => warn("%s", err.message));
        },
        error,
        complete
    );
}
