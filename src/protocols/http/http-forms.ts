import type { Operation } from "../../model/interaction-record";

const JSON_TYPE = "application/json";

/** The media type of a Content-Type value, lower case, without parameters. */
export function mediaTypeOf(contentType: string): string {
    const semi = contentType.indexOf(";");
    return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

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
        const type = mediaTypeOf(form.contentType ?? JSON_TYPE);
        if (!types.includes(type)) types.push(type);
    }
    return types;
}
