import type { Operation } from "../../model/interaction-record";
import { JSON_MEDIA_TYPE, mediaTypeOf } from "../../model/media-type";

/** The media types of the forms of `forms` on this server's scheme that carry `op`, in TD order. */
export function offeredTypes(
    forms: readonly { href: string; contentType?: string; op?: string | string[] }[],
    scheme: string,
    op: Operation | "writeallproperties"
): string[] {
    const types: string[] = [];
    const prefix = `${scheme}:`;
    for (const form of forms) {
        if (!form.href.startsWith(prefix)) continue;
        if (form.op !== undefined && !(Array.isArray(form.op) ? form.op.includes(op) : form.op === op)) continue;
        const type = mediaTypeOf(form.contentType ?? JSON_MEDIA_TYPE);
        if (!types.includes(type)) types.push(type);
    }
    return types;
}
