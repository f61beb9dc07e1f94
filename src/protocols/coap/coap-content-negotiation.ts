import { JSON_MEDIA_TYPE, mediaTypeOf } from "../../model/media-type";

/**
 * CoAP content negotiation (RFC 7252 section 5.10.4) over the forms of a served TD. binding-coap 0.8.16
 * ignores the Accept option of every request but a TD's: it picks the form by the request's own
 * Content-Format (JSON when there is none), so a client asking for CBOR, which the TD offers, got JSON.
 * Here the form node-wot answers with is the one of this server's scheme, for the operation, in the format
 * asked for; without Accept, the request's own format when offered (as before), else JSON. node-wot encodes the answer, notifications included, by
 * that form's contentType.
 */

export interface FormLike {
    href: string;
    contentType?: string;
    op?: string | string[];
}

export type Negotiated = { formIndex: number; contentType: string } | { notAcceptable: string };

/**
 * The form to answer `op` with, given the request's Accept option (a media type, or a number node-coap
 * has no name for), else `preferred`; `notAcceptable` names what is offered when none fits. Undefined when
 * no form of this scheme lists the operation (node-wot's own choice then stands).
 */
export function negotiate(
    forms: readonly FormLike[] | undefined,
    scheme: string,
    op: string,
    accept: unknown,
    preferred?: string
): Negotiated | undefined {
    const candidates = (forms ?? [])
        .map((form, formIndex) => ({ formIndex, contentType: form.contentType ?? JSON_MEDIA_TYPE, form }))
        .filter(({ form }) => form.href.startsWith(`${scheme}:`) && listsOp(form, op));
    if (candidates.length === 0) return undefined;
    const wanted = accept === undefined || accept === null ? undefined : mediaTypeOf(String(accept));
    const chosen =
        wanted === undefined
            ? (candidates.find(
                  (c) => preferred !== undefined && mediaTypeOf(c.contentType) === mediaTypeOf(preferred)
              ) ??
              candidates.find((c) => mediaTypeOf(c.contentType) === JSON_MEDIA_TYPE) ??
              candidates[0])
            : candidates.find((c) => mediaTypeOf(c.contentType) === wanted);
    if (chosen !== undefined) return { formIndex: chosen.formIndex, contentType: chosen.contentType };
    const offered = [...new Set(candidates.map((c) => c.contentType))].join(", ");
    return { notAcceptable: `Accept ${String(accept)} is not offered for ${op}; offered: ${offered}` };
}

/** A form without `op` stands for its affordance's default operations (TD 1.1 section 5.4.1). */
function listsOp(form: FormLike, op: string): boolean {
    return form.op === undefined || [form.op].flat().includes(op);
}
