/**
 * How affordance names travel in CoAP URIs. binding-coap 0.8.16 encodes a name twice in a TD's href
 * (core's `updateInteractionNameWithUriVariablePattern` encodes it, then `createAffordanceForm` encodes that
 * again: "a b" becomes "a%2520b") and decodes requests to match, so a client that encodes a name once, as a
 * URI is meant to be read, cannot reach a property whose name holds "/", "%" or "?". Here a name is one path
 * segment, encoded once with encodeURIComponent, and a request is read from its Uri-Path options, one per
 * segment (node-coap's `req.url` joins them with "/" and is cut at the first "?", both of which a name may hold).
 *
 * Clients fill Uri-Path two ways: node-coap (and so node-wot's CoAP client) sends each segment as written,
 * still percent-encoded; RFC 7252 section 6.4 clients (libcoap) decode it first. A segment names the
 * affordance its percent-decoding names, else the one it names as sent.
 */

interface RequestLike {
    url?: string;
    _packet?: { options?: { name: string | number; value: unknown }[] };
}

/** The Uri-Path options of a request, as sent (a trailing empty segment kept: "/thing/properties/"). */
export function uriPath(req: RequestLike): string[] {
    const options = req._packet?.options;
    if (options === undefined) return (req.url ?? "/").split("?")[0].split("/").slice(1);
    return options.filter((o) => o.name === "Uri-Path" || o.name === 11).map((o) => optionText(o.value));
}

/** The Uri-Query options of a request joined with "&", as node-wot core's parseUrlParameters reads a query. */
export function uriQuery(req: RequestLike): string {
    const options = req._packet?.options;
    if (options === undefined) return (req.url ?? "").split("?").slice(1).join("?");
    return uriQueryOptions(req).join("&");
}

/** The Uri-Query options of a request, one argument each, as sent. */
export function uriQueryOptions(req: RequestLike): string[] {
    const options = req._packet?.options;
    if (options === undefined)
        return uriQuery(req)
            .split("&")
            .filter((a) => a !== "");
    return options.filter((o) => o.name === "Uri-Query" || o.name === 15).map((o) => optionText(o.value));
}

/** The name a path segment stands for among those `has` knows, or undefined. */
export function nameIn(segment: string, has: (name: string) => boolean): string | undefined {
    const decoded = percentDecode(segment);
    if (decoded !== undefined && has(decoded)) return decoded;
    return has(segment) ? segment : undefined;
}

/** A segment as a client meant it, for messages: decoded when it decodes. */
export function segmentText(segment: string): string {
    return percentDecode(segment) ?? segment;
}

/** One path segment of an href: the name encoded once. */
export function hrefSegment(name: string): string {
    return encodeURIComponent(name);
}

function percentDecode(segment: string): string | undefined {
    try {
        return decodeURIComponent(segment);
    } catch {
        return undefined; // a malformed escape ("%ZZ"): the segment can only mean itself
    }
}

function optionText(value: unknown): string {
    return Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
}
