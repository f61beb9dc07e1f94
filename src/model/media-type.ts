import { ContentSerdes } from "@node-wot/core";

/**
 * Media types as every layer reads them: one answer to "what type is this?" and "is this JSON?",
 * and one strict decoder of a body by its type.
 */

/** What a form or a request without a content type means (TD 1.1 section 5.3.4.2). */
export const JSON_MEDIA_TYPE = "application/json";

/** The media type of a Content-Type value, lower case, without parameters (`; charset=utf-8`). */
export function mediaTypeOf(contentType: string): string {
    const semi = contentType.indexOf(";");
    return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/**
 * Whether a Content-Type value is JSON: `application/json` or a `+json` structured syntax suffix
 * (RFC 6839: `application/td+json`), parameters ignored. No type at all is JSON, as in a TD form.
 */
export function isJsonMediaType(contentType: string | undefined): boolean {
    if (contentType === undefined) return true;
    const type = mediaTypeOf(contentType);
    return type === JSON_MEDIA_TYPE || type.endsWith("+json");
}

/**
 * A body decoded by its type: JSON parsed strictly (node-wot's JSON codec takes a malformed document
 * for a string), any other type by node-wot's codecs. Throws when the body is not decodable.
 */
export function decodeBody(contentType: string | undefined, body: Buffer, schema?: object): unknown {
    if (isJsonMediaType(contentType)) return JSON.parse(body.toString("utf8"));
    return ContentSerdes.get().contentToValue({ type: contentType!, body }, (schema ?? {}) as never);
}

/** Why a body was not decodable, for the answer and the record: "malformed JSON", else the type it failed as. */
export function undecodableKind(contentType: string | undefined): string {
    return isJsonMediaType(contentType) ? "malformed JSON" : `not decodable as ${contentType}`;
}
