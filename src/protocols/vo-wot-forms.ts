import { VoError } from "../model/errors";

/**
 * vo-wot's forms, as wotpy2 0.1.0 (vo-wot 0.19.0) writes them in the TDs its catalogue serves:
 *
 *   http://h:p/<thing>/property/<name>               readproperty, writeproperty   {"value": v}
 *   http://h:p/<thing>/property/<name>/subscription  observeproperty               {"value": v}, one long poll per change
 *   http://h:p/<thing>/action/<name>                 invokeaction                  {"input": x} -> {"result": r} | {"error": m}
 *   http://h:p/<thing>/event/<name>/subscription     subscribeevent                {"payload": data}, one long poll per emission
 *   coap://h:p/property?thing=<thing>&name=<name>    read, write, observe          {"value": v}
 *   coap://h:p/action?thing=<thing>&name=<name>      invokeaction                  POST {"input"} -> {"id"}; GET {"id"} -> {"done", "result" | "error"}
 *   coap://h:p/event?thing=<thing>&name=<name>       subscribeevent                {"name", "data", "time"}
 *
 * Every body is wrapped, where node-wot's clients send and expect the bare value. A TD is taken for
 * vo-wot's when one of its HTTP or CoAP forms has one of these shapes (`voWotConsumable`); its forms
 * are then marked with the resource they name, and the HTTP and CoAP clients (vo-wot-http-client.ts,
 * vo-wot-coap-client.ts) wrap and unwrap the bodies of marked forms only: a form of another server
 * that happens to have such a path is left alone.
 */

/** The resource a vo-wot form names: how its bodies are wrapped. */
export type VoWotResource = "property" | "observe" | "action" | "event";

/** The key of the mark on a form of a TD taken for vo-wot's. */
export const VO_WOT_RESOURCE = "voWotResource";

type Form = { href: string; op?: string | string[]; [key: string]: unknown };
type Affordance = { forms?: Form[]; [key: string]: unknown };
type Td = { base?: string; properties?: Record<string, Affordance>; [key: string]: unknown };

export interface VoWotShape {
    protocol: "http" | "coap";
    resource: VoWotResource;
    /** the Thing's name in vo-wot's URLs */
    thing: string;
    /** the affordance's name in vo-wot's URLs (wotpy2 slugifies it) */
    name: string;
}

/** A vo-wot TD that cannot be consumed as one: the message says which form of which affordance. */
export class VoWotTdError extends VoError {
    readonly kind = "invalid-input";
}

/** A vo-wot answer without the key its envelope must have (or not JSON): names the URL and what came. */
export class VoWotEnvelopeError extends VoError {
    readonly kind = "unavailable";
}

/** What a marked form names, or undefined for any other form. */
export function voWotResourceOf(form: { [key: string]: unknown }): VoWotResource | undefined {
    const r = form[VO_WOT_RESOURCE];
    return r === "property" || r === "observe" || r === "action" || r === "event" ? r : undefined;
}

const HTTP_ROUTES: Record<string, VoWotResource> = {
    "property/": "property",
    "property/subscription": "observe",
    "action/": "action",
    "event/subscription": "event",
};

/** The vo-wot resource an absolute http(s) or coap(s) URL names by its shape, or undefined. */
export function voWotShapeOf(href: string): VoWotShape | undefined {
    let url: URL;
    try {
        url = new URL(href);
    } catch {
        return undefined;
    }
    if (url.protocol === "http:" || url.protocol === "https:") {
        const segments = url.pathname.split("/").map((s) => safeDecode(s));
        if (segments.length < 4 || segments.length > 5 || segments[0] !== "") return undefined;
        const [, thing, dir, name, tail] = segments;
        const resource = HTTP_ROUTES[`${dir}/${tail ?? ""}`];
        if (resource === undefined || !thing || !name) return undefined;
        return { protocol: "http", resource, thing, name };
    }
    if (url.protocol === "coap:" || url.protocol === "coaps:") {
        const dir = url.pathname.slice(1);
        const thing = url.searchParams.get("thing");
        const name = url.searchParams.get("name");
        if (!["property", "action", "event"].includes(dir) || !thing || !name) return undefined;
        // one CoAP resource per property answers read, write and observe: the form's op says which
        return { protocol: "coap", resource: dir as VoWotResource, thing, name };
    }
    return undefined;
}

function safeDecode(segment: string): string | undefined {
    try {
        return decodeURIComponent(segment);
    } catch {
        return undefined;
    }
}

const KINDS = { properties: "property", actions: "action", events: "event" } as const;
/** The resources each kind's forms may name on vo-wot's HTTP server (a property: read/write, or its long poll). */
const ALLOWED: Record<string, VoWotResource[]> = {
    property: ["property", "observe"],
    action: ["action"],
    event: ["event"],
};

function absolute(href: string, base: string | undefined): string {
    try {
        return new URL(href, base).toString();
    } catch {
        return href;
    }
}

const SCHEMES = /^(https?|coaps?):/;

/**
 * The TD to consume: when it is vo-wot's (one of its HTTP or CoAP forms has vo-wot's shape), a copy
 * whose forms are marked with the resource each names and whose data schemas have no `oneOf: []`
 * (wotpy2 writes one into every schema; JSON Schema wants at least one branch, and node-wot's
 * validator rejects the schema, so no value could be read); any other TD as it is. A TD taken for
 * vo-wot's where an HTTP or CoAP form has another shape, names another Thing, or names a resource of
 * another kind, is refused with `VoWotTdError` naming the affordance and the form.
 */
export function voWotConsumable<T>(td: T): { td: T; voWot: boolean } {
    if (td === null || typeof td !== "object" || Array.isArray(td)) return { td, voWot: false };
    const copy = structuredClone(td) as unknown as Td;
    const forms = httpAndCoapForms(copy);
    if (!forms.some((f) => voWotShapeOf(f.href) !== undefined)) return { td, voWot: false };
    let thing: string | undefined;
    for (const { kind, name, form, href } of forms) {
        const shape = voWotShapeOf(href);
        const what = `${kind} ${name}'s form ${href}`;
        if (shape === undefined) {
            throw new VoWotTdError(`its TD has vo-wot's forms, but ${what} is not one of vo-wot's URLs`);
        }
        const resource = shape.protocol === "coap" && kind === "property" ? coapPropertyResource(form) : shape.resource;
        if (!ALLOWED[kind].includes(resource) || (shape.protocol === "coap" && shape.resource !== kind)) {
            throw new VoWotTdError(`its TD has vo-wot's forms, but ${what} names vo-wot's ${shape.resource} resource`);
        }
        thing ??= shape.thing;
        if (shape.thing !== thing) {
            throw new VoWotTdError(
                `its TD has vo-wot's forms, but ${what} names Thing "${shape.thing}", not "${thing}"`
            );
        }
        form[VO_WOT_RESOURCE] = resource;
    }
    dropEmptyOneOf(copy);
    return { td: copy as unknown as T, voWot: true };
}

/** The TD's affordance forms on http(s) and coap(s), with their hrefs made absolute by `base`. */
function httpAndCoapForms(td: Td): { kind: string; name: string; form: Form; href: string }[] {
    const base = typeof td.base === "string" ? td.base : undefined;
    const forms: { kind: string; name: string; form: Form; href: string }[] = [];
    for (const [key, kind] of Object.entries(KINDS)) {
        const map = td[key];
        if (map === null || typeof map !== "object") continue;
        for (const [name, a] of Object.entries(map as Record<string, Affordance>)) {
            if (a === null || typeof a !== "object" || !Array.isArray(a.forms)) continue;
            for (const form of a.forms) {
                if (form === null || typeof form !== "object" || typeof form.href !== "string") continue;
                const href = absolute(form.href, base);
                if (SCHEMES.test(href)) forms.push({ kind, name, form, href });
            }
        }
    }
    return forms;
}

/** A CoAP property form observes when its op is observeproperty alone, else it reads and writes. */
function coapPropertyResource(form: Form): VoWotResource {
    const ops = [form.op ?? []].flat();
    return ops.length > 0 && ops.every((o) => o === "observeproperty" || o === "unobserveproperty")
        ? "observe"
        : "property";
}

/** Removes every `oneOf: []` under the TD (in place). */
function dropEmptyOneOf(node: unknown): void {
    if (Array.isArray(node)) {
        for (const n of node) dropEmptyOneOf(n);
        return;
    }
    if (node === null || typeof node !== "object") return;
    const o = node as Record<string, unknown>;
    if (Array.isArray(o.oneOf) && o.oneOf.length === 0) delete o.oneOf;
    for (const v of Object.values(o)) dropEmptyOneOf(v);
}

/** JSON of a vo-wot body, or a VoWotEnvelopeError naming the URL. */
export function parseEnvelope(body: Buffer, href: string): Record<string, unknown> {
    let parsed: unknown;
    try {
        parsed = JSON.parse(body.toString("utf8"));
    } catch {
        throw new VoWotEnvelopeError(`vo-wot answer from ${href} is not JSON: ${shown(body)}`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new VoWotEnvelopeError(`vo-wot answer from ${href} is not a JSON object: ${shown(body)}`);
    }
    return parsed as Record<string, unknown>;
}

/** The value under `key` of a vo-wot answer, or a VoWotEnvelopeError naming the URL, the key and the body. */
export function unwrapEnvelope(body: Buffer, key: string, href: string): unknown {
    const parsed = parseEnvelope(body, href);
    if (!(key in parsed)) {
        throw new VoWotEnvelopeError(`vo-wot answer from ${href} has no "${key}": ${shown(body)}`);
    }
    return parsed[key];
}

/** `{key: value}` of a request body node-wot encoded as JSON (no body: null, as wotpy2's None). */
export function wrapEnvelope(key: string, body: Buffer | undefined, href: string): Buffer {
    const text = body === undefined ? "" : body.toString("utf8").trim();
    let value: unknown = null;
    try {
        if (text !== "") value = JSON.parse(text);
    } catch {
        throw new VoWotEnvelopeError(`vo-wot's ${href} takes JSON; the body is not: ${shown(Buffer.from(text))}`);
    }
    return Buffer.from(JSON.stringify({ [key]: value }), "utf8");
}

/** The JSON of a value, for the Content a client hands node-wot (undefined is null: wotpy2's None). */
export function jsonBody(value: unknown): Buffer {
    return Buffer.from(JSON.stringify(value ?? null), "utf8");
}

function shown(body: Buffer): string {
    const text = body.toString("utf8");
    return text.length > 200 ? `${text.slice(0, 200)}...` : text === "" ? "(empty)" : text;
}
