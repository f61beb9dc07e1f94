/**
 * The topic layout binding-mqtt 0.8.16 advertises (`<thing>/properties/<name>`,
 * `<thing>/properties/<name>/writeproperty`, `<thing>/actions/<name>`, `<thing>/events/<name>`, the TD
 * retained at `<thing>`), with its segments percent-encoded as the binding writes them into hrefs.
 * The binding matches incoming topics against the raw names, so a Thing or affordance whose name
 * has a space, `%` or `/` never answers; here every segment is decoded before it is looked up.
 */

export type TopicKind = "properties" | "actions" | "events";

/** One segment as hrefs and topics carry it: percent-encoded, so `/`, `+` and `#` stay data. */
export function topicSegment(name: string): string {
    return encodeURIComponent(name);
}

export function thingTopic(thing: string): string {
    return topicSegment(thing);
}

export function affordanceTopic(thing: string, kind: TopicKind, name: string): string {
    return `${topicSegment(thing)}/${kind}/${topicSegment(name)}`;
}

/** What the VO subscribes to for one Thing: writes and read requests of any property, invocations of any action. */
export function requestFilters(thing: string): string[] {
    const t = topicSegment(thing);
    return [`${t}/properties/+/writeproperty`, `${t}/properties/+/readproperty`, `${t}/actions/+`];
}

export interface TopicRequest {
    thing: string;
    kind: "writeproperty" | "readproperty" | "invokeaction";
    name: string;
}

/** The request a topic stands for, its names decoded; undefined for a topic that is none. */
export function parseRequestTopic(topic: string): TopicRequest | undefined {
    const segments = topic.split("/");
    let decoded: string[];
    try {
        decoded = segments.map((s) => decodeURIComponent(s));
    } catch {
        return undefined; // a malformed escape names nothing the VO exposes
    }
    if (segments.length === 3 && segments[1] === "actions") {
        return { thing: decoded[0], kind: "invokeaction", name: decoded[2] };
    }
    if (segments.length === 4 && segments[1] === "properties") {
        if (segments[3] === "writeproperty") return { thing: decoded[0], kind: "writeproperty", name: decoded[2] };
        if (segments[3] === "readproperty") return { thing: decoded[0], kind: "readproperty", name: decoded[2] };
    }
    return undefined;
}
