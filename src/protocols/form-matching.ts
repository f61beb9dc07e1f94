import { nodeWotCores } from "./node-wot-cores";
import { replaceMethod } from "./patches/replace-method";

type Form = { href: string; contentType?: string };
type FindForm = (forms: Form[] | undefined, uriScheme: string, requestUrl?: string, contentType?: string) => number;

/** A form's href as node-wot's matching reads it: the URL without its first URI template. */
interface ParsedHref {
    href: string;
    protocol: string;
    pathname: string;
}

const parsed = new WeakMap<Form, ParsedHref>();
const MEMOIZED = Symbol("node-wot-vo: form matching memoized");

function parse(form: Form): ParsedHref {
    const known = parsed.get(form);
    if (known !== undefined && known.href === form.href) return known;
    const url = new URL(form.href.replace(/(\{[\S]*\})/, ""));
    const fresh = { href: form.href, protocol: url.protocol, pathname: url.pathname };
    parsed.set(form, fresh);
    return fresh;
}

/**
 * node-wot's ProtocolHelpers.findRequestMatchingFormIndex (core 0.8.16 and 0.9.2), with the same answers.
 * Upstream parses every form's href with `new URL` on every request to find the one the request came
 * through (12 forms an affordance for a VO serving HTTP and CoAP on two interfaces): a few microseconds of
 * each interaction. Here each href is parsed once and kept with its form until the href changes.
 */
export const findRequestMatchingFormIndex: FindForm = (forms, uriScheme, requestUrl, contentType) => {
    if (forms === undefined) return 0;
    const path = requestUrl === undefined ? undefined : requestUrl.split("?")[0];
    const protocol = `${uriScheme}:`;
    let matching = forms.filter((form) => {
        const href = parse(form);
        return href.protocol === protocol && (path === undefined || href.pathname === path);
    });
    if (contentType != null) {
        const sameType = matching.filter((form) => form.contentType === contentType);
        if (sameType.length > 0) matching = sameType;
    }
    return matching.length > 0 ? forms.indexOf(matching[0]) : 0;
};

/** Puts findRequestMatchingFormIndex in place of upstream's in every core copy the bindings call. Idempotent. */
export function memoizeFormMatching(): void {
    for (const { ProtocolHelpers } of nodeWotCores()) {
        const helpers = ProtocolHelpers as unknown as { [MEMOIZED]?: true };
        if (helpers[MEMOIZED] === true) continue;
        const name = "findRequestMatchingFormIndex";
        replaceMethod<FindForm>(helpers, name, "form-matching-memoized", () => findRequestMatchingFormIndex);
        helpers[MEMOIZED] = true;
    }
}
