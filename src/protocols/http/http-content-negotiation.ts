import type { IncomingMessage } from "node:http";
import type { Operation } from "../../model/interaction-record";
import { JSON_MEDIA_TYPE, mediaTypeOf } from "../../model/media-type";
import { chooseMediaType } from "./http-accept";
import { offeredTypes } from "./http-forms";
import { affordanceOf, HttpTarget } from "./http-target";

/**
 * binding-http 0.9.2 ignores `Accept`: it answers a read, an observation or an event in the type
 * of the form whose contentType equals the request's Content-Type (ProtocolHelpers.
 * findRequestMatchingFormIndex), and a GET has none, so JSON comes back to a client asking for
 * CBOR. The served TD lists a JSON and a CBOR form for every affordance (node-wot offers both
 * codecs), so both are answered: the type is chosen from the forms of the affordance by the
 * request's `Accept` (RFC 9110: q-values, `type/*`, `*\/*`), then written into the request's
 * Content-Type, where binding-http looks for it. A type no form offers is answered 406, naming
 * the ones that are.
 */

/**
 * Whether binding-http would already answer what `Accept` asks for: no preference, anything, or
 * exactly the type it answers in (the request's Content-Type; JSON without one, as a GET has none).
 * Only the other requests pay for negotiating.
 */
export function acceptIsDefault(req: IncomingMessage): boolean {
    const accept = req.headers.accept;
    return accept === undefined || accept === "*/*" || accept === (req.headers["content-type"] ?? JSON_MEDIA_TYPE);
}

export type Negotiated = { type: string } | { offered: string[] };

/** The forms a target is served by, for the operation a GET on it stands for. */
function formsFor(target: HttpTarget): { forms: readonly { href: string }[]; op: Operation } | undefined {
    if (target.route === "properties") return { forms: target.thing.forms ?? [], op: "readallproperties" };
    const affordance = affordanceOf(target) as { forms: { href: string }[] } | undefined;
    if (affordance === undefined) return undefined;
    const op: Operation =
        target.route === "observe"
            ? "observeproperty"
            : target.route === "event"
              ? "subscribeevent"
              : target.route === "action"
                ? "invokeaction"
                : "readproperty";
    return { forms: affordance.forms, op };
}

/**
 * The type to answer a target in, or what it offers when `Accept` takes none of it. Undefined
 * when the target is not one negotiated here (binding-http answers it, 404 included).
 */
export function negotiate(req: IncomingMessage, target: HttpTarget, scheme: string): Negotiated | undefined {
    const served = formsFor(target);
    if (served === undefined) return undefined;
    let offered = offeredTypes(served.forms, scheme, served.op);
    if (offered.length === 0) return undefined;
    if (target.route === "action" && hasBody(req)) {
        // A form's contentType is the type of the input and of the output alike: an action with a
        // body is answered in the body's type, or not at all.
        const sent = mediaTypeOf(req.headers["content-type"] ?? JSON_MEDIA_TYPE);
        if (!offered.includes(sent)) return undefined; // binding-http answers 415
        offered = [sent];
    }
    const type = chooseMediaType(req.headers.accept, offered);
    return type === undefined ? { offered } : { type };
}

/** Writes the chosen type where binding-http looks for it (a GET or a bodyless POST has no other use for it). */
export function steer(req: IncomingMessage, type: string): void {
    if (hasBody(req)) return; // the body's own type already chose the form
    req.headers["content-type"] = type;
}

function hasBody(req: IncomingMessage): boolean {
    const length = req.headers["content-length"];
    return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

export function notAcceptableText(accept: string | undefined, offered: readonly string[]): string {
    return `not acceptable: Accept: ${accept ?? ""}; this resource is offered as ${offered.join(", ")}`;
}
