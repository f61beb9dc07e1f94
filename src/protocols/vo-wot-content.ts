import { Readable } from "node:stream";
import { Content, ContentSerdes } from "@node-wot/core";
import type { Operation } from "../model/interaction-record";
import { JSON_MEDIA_TYPE, mediaTypeOf } from "../model/media-type";

/**
 * Values between vo-wot's envelopes and node-wot's handlers, alike on every protocol that speaks vo-wot's wire
 * format (HTTP, CoAP, MQTT, WebSocket): envelopes carry JSON values, the Thing's handle* methods take and give
 * Content.
 */

/** A value as node-wot's handlers take it: JSON; none (an action without input) is an empty body. */
export function jsonContent(value: unknown): Content {
    const bytes = value === undefined ? [] : [Buffer.from(JSON.stringify(value), "utf8")];
    return new Content(JSON_MEDIA_TYPE, Readable.from(bytes));
}

/** The value a handler's Content holds, read by `schema`; undefined for an empty body. */
export async function valueOf(content: Content, schema: object | undefined): Promise<unknown> {
    const body = await content.toBuffer();
    if (body.length === 0) return undefined;
    return ContentSerdes.get().contentToValue({ type: content.type, body }, (schema ?? {}) as never);
}

/** What an error says, for an envelope's `error`. */
export function messageOf(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

type FormLike = { href: string; contentType?: string; op?: string | string[] };

/**
 * The options of a handle* call for a vo-wot request: the index of the affordance's node-wot JSON form for `op` on a
 * server of `scheme` (the first form when none fits), so the request is checked and recorded as on that form.
 */
export function handlerOptions(affordance: { forms: object[] }, scheme: string, op: Operation): { formIndex: number } {
    const prefix = `${scheme}:`;
    const index = (affordance.forms as FormLike[]).findIndex(
        (f) =>
            f.href.startsWith(prefix) &&
            (f.contentType === undefined || mediaTypeOf(f.contentType) === JSON_MEDIA_TYPE) &&
            (f.op === undefined || f.op === op || (Array.isArray(f.op) && f.op.includes(op)))
    );
    return { formIndex: Math.max(0, index) };
}
