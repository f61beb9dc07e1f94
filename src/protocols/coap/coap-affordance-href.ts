import { replaceMethod } from "../patches/replace-method";
import { hrefSegment } from "./coap-uri";

type CreateAffordanceForm = (
    base: string,
    dir: string,
    mediaType: string,
    opValues: unknown,
    thingUriVariables?: Record<string, unknown>,
    affordanceName?: string,
    affordanceUriVariables?: Record<string, unknown>,
    subprotocol?: string
) => { href: string };

/**
 * binding-coap 0.8.16 gives properties, actions and events with uriVariables a URI template encoded once more,
 * which clients cannot expand, and encodes each name twice (`coap-uri`): each form's href is written again as
 * `<base>/<dir>/<name encoded once>{?vars}`.
 */
export function writeAffordanceHrefsOnce(server: object): void {
    replaceMethod<CreateAffordanceForm>(
        server,
        "createAffordanceForm",
        "coap-affordance-href",
        (create) =>
            function (this: unknown, base, dir, mediaType, ops, thingVars, name, affordanceVars, subprotocol) {
                const form = create.call(this, base, dir, mediaType, ops, thingVars, name, affordanceVars, subprotocol);
                form.href = affordanceHref(base, dir, name, affordanceVars, thingVars);
                return form;
            }
    );
}

/** `<base>/<dir>/<name encoded once>{?vars}`: a URI template (RFC 6570) a client can expand. */
function affordanceHref(
    base: string,
    dir: string,
    name: string | undefined,
    affordanceVars: Record<string, unknown> | undefined,
    thingVars: Record<string, unknown> | undefined
): string {
    if (name === undefined || name === "") return `${base}/${dir}`;
    const vars = [...Object.keys(affordanceVars ?? {}), ...Object.keys(thingVars ?? {})];
    const template = vars.length === 0 ? "" : `{?${vars.map(encodeURIComponent).join(",")}}`;
    return `${base}/${dir}/${hrefSegment(name)}${template}`;
}
