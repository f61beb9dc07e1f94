import { ExposedThing } from "@node-wot/core";
import type { IPublishPacket } from "mqtt";
import type { AffordanceKind, Operation, Protocol } from "../../model/interaction-record";
import { refusalOf, RequestRefusedError } from "../../model/refusal";
import { RequestOrigin, runAsRequest } from "../../model/request-context";
import { DEFAULT_PROTOCOL_LIMITS, ServerHooks } from "../protocol-face";
import { affordanceBySlug, voWotSlug } from "../vo-wot-slug";
import { formOrigin, VoWotForms, VoWotTd } from "../vo-wot-td";
import { messageOrigin } from "./mqtt-origin";
import { jsonContent, valueOf } from "../vo-wot-content";

/**
 * vo-wot's MQTT wire format: the topics and JSON envelopes of wotpy2 0.1.0's MQTTServer (its handlers for
 * pings, properties, actions and events), which vo-wot 0.19.0 serves under the servient id `wotpy` (it
 * names none), spoken on the VO's own broker connection beside binding-mqtt's topics when
 * `protocols.voWot` is on. `<thing>` and `<name>` are vo-wot's url_names (vo-wot-slug.ts):
 *
 *   wotpy/ping                                  any payload    -> wotpy/pong, the same payload
 *   wotpy/property/requests/<thing>/<name>      {"action": "read"}
 *                                               -> wotpy/property/updates/<thing>/<name> {"value", "timestamp"}
 *                                               {"action": "write", "value": v, "ack"?: code}
 *                                               -> wotpy/property/ack/<thing>/<name> {"ack": code} (when given)
 *   wotpy/action/invocation/<thing>/<name>      {"id", "input"}
 *                                               -> wotpy/action/result/<thing>/<name> {"id", "timestamp",
 *                                                  "result"} or, the handler failing or refusing, {..., "error"}
 *   wotpy/property/updates/<thing>/<name>       each change of an observable property {"value", "timestamp"}
 *   wotpy/event/<thing>/<name>                  each emission {"name", "data", "timestamp"}
 *
 * Each request goes through the Thing's handle* methods with the index of the affordance's node-wot MQTT
 * form, so it is checked and recorded as node-wot's topics are (protocol mqtt or mqtts, the origin as
 * mqtt-origin.ts tells it). A request vo-wot would drop without a word (not JSON, no known "action", a
 * write without "value", a value the Thing refuses) is recorded as refused when the affordance is known;
 * an invocation is answered on its result topic with {"error"} (wotpy2's client raises it), a property
 * request is not answered, as in vo-wot: its topics have no error reply, so wotpy2's client times out.
 * A request for a Thing the VO does not have is left alone: on a broker shared by a fleet it is another's.
 */

export const VO_WOT_SERVIENT_ID = "wotpy";

/** What the dialect subscribes on the VO's broker connection. */
export const VO_WOT_FILTERS = [
    `${VO_WOT_SERVIENT_ID}/ping`,
    `${VO_WOT_SERVIENT_ID}/property/requests/+/+`,
    `${VO_WOT_SERVIENT_ID}/action/invocation/+/+`,
];

export function isVoWotTopic(topic: string): boolean {
    return topic.startsWith(`${VO_WOT_SERVIENT_ID}/`);
}

/** The topic of a vo-wot resource of a Thing's affordance. */
export function voWotTopic(
    route: "property/requests" | "property/updates" | "property/ack" | "action/invocation" | "action/result" | "event",
    title: string,
    name: string
): string {
    return `${VO_WOT_SERVIENT_ID}/${route}/${voWotSlug(title)}/${voWotSlug(name)}`;
}

type Form = { href: string; contentType: string; op: string[] };

/** vo-wot's MQTT forms of a Thing: its topics at the VO's broker; undefined when the TD has no MQTT form. */
export function mqttVoWotForms(td: VoWotTd): VoWotForms | undefined {
    const broker = formOrigin(td, /^(mqtts?:\/\/[^/]+)\//);
    if (broker === undefined) return undefined;
    const title = String(td.title);
    return {
        property: (name, p) => voWotMqttForms(broker, title, "property", name, p),
        action: (name) => voWotMqttForms(broker, title, "action", name),
        event: (name) => voWotMqttForms(broker, title, "event", name),
    };
}

/**
 * The MQTT forms vo-wot's client takes for an affordance, at `broker` (`mqtt://host:port`): a read needs
 * both the request and the updates topic (the answer comes there), so both are listed for a readable property.
 */
export function voWotMqttForms(
    broker: string,
    title: string,
    kind: AffordanceKind,
    name: string,
    p: { readOnly?: boolean; writeOnly?: boolean } = {}
): Form[] {
    const form = (route: Parameters<typeof voWotTopic>[0], op: string): Form => ({
        href: `${broker}/${voWotTopic(route, title, name)}`,
        contentType: "application/json",
        op: [op],
    });
    if (kind === "action") return [form("action/invocation", "invokeaction")];
    if (kind === "event") return [form("event", "subscribeevent")];
    const forms: Form[] = [];
    if (p.writeOnly !== true) forms.push(form("property/requests", "readproperty"));
    if (p.readOnly !== true) forms.push(form("property/requests", "writeproperty"));
    if (p.writeOnly !== true) forms.push(form("property/updates", "observeproperty"));
    return forms;
}

/** The envelope vo-wot publishes a property value in (a read's answer, a change). */
export function voWotUpdate(value: unknown): Buffer {
    return Buffer.from(JSON.stringify({ value: value ?? null, timestamp: Date.now() }));
}

/** The envelope vo-wot publishes an event emission in. */
export function voWotEmission(name: string, data: unknown): Buffer {
    return Buffer.from(JSON.stringify({ name, data: data ?? null, timestamp: Date.now() }));
}

/** What the VO's MQTT server lends the dialect. */
export interface VoWotMqttHost {
    things(): Iterable<ExposedThing>;
    publish(topic: string, body: Buffer, qos: 0 | 1 | 2): void;
    hooks(): ServerHooks | undefined;
    protocol: Protocol;
    broker: string;
    /** the index of the affordance's node-wot form at this broker */
    formIndex(affordance: { forms: { href: string }[] }): number;
}

class Dropped extends Error {}

/** Serves one message on a vo-wot topic; resolves once it is answered (or dropped, as vo-wot would). */
export async function serveVoWotMessage(
    host: VoWotMqttHost,
    topic: string,
    payload: Buffer,
    packet: IPublishPacket
): Promise<void> {
    const segments = topic.split("/");
    if (topic === `${VO_WOT_SERVIENT_ID}/ping`) return host.publish(`${VO_WOT_SERVIENT_ID}/pong`, payload, 1);
    if (segments.length !== 5) return;
    const route = `${segments[1]}/${segments[2]}`;
    const thing = [...host.things()].find((t) => voWotSlug(t.title) === segments[3]);
    const origin: RequestOrigin = { protocol: host.protocol, origin: messageOrigin(packet, host.broker) };
    const call = new VoWotMqttCall(host, origin, thing, segments[3], segments[4], payload);
    try {
        await runAsRequest(origin, () => (route === "action/invocation" ? call.invoke() : call.property()));
    } catch (err) {
        if (!(err instanceof Dropped)) throw err;
    }
}

class VoWotMqttCall {
    constructor(
        private readonly host: VoWotMqttHost,
        private readonly origin: RequestOrigin,
        private readonly thing: ExposedThing | undefined,
        private readonly thingSlug: string,
        private readonly slug: string,
        private readonly payload: Buffer
    ) {}

    async property(): Promise<void> {
        const name = this.thing === undefined ? undefined : affordanceBySlug(this.thing.properties, this.slug);
        if (this.thing === undefined || name === undefined) throw new Dropped(); // vo-wot: no answer
        const thing = this.thing;
        const property = thing.properties[name];
        const message = this.envelope("property", name, "readproperty");
        const action = message.action;
        if (action !== "read" && action !== "write") {
            const text = `vo-wot's property request is {"action": "read"} or {"action": "write", "value": v}, not ${JSON.stringify(action)}`;
            this.refuse("property", name, "readproperty", text);
        }
        const formIndex = this.host.formIndex(property);
        if (action === "read") {
            if (property.writeOnly === true)
                this.refuse("property", name, "readproperty", `property "${name}" is write-only`, "method-not-allowed");
            const value = await valueOf(await thing.handleReadProperty(name, { formIndex }), property);
            return this.host.publish(voWotTopic("property/updates", thing.title, name), voWotUpdate(value), 0);
        }
        if (!("value" in message))
            this.refuse(
                "property",
                name,
                "writeproperty",
                'a write is {"action": "write", "value": v}: "value" is missing'
            );
        if (property.readOnly === true)
            this.refuse(
                "property",
                name,
                "writeproperty",
                `property "${name}" is read-only`,
                "method-not-allowed",
                message.value
            );
        try {
            await thing.handleWriteProperty(name, jsonContent(message.value), { formIndex });
        } catch (err) {
            if (refusalOf(err) !== undefined) throw new Dropped(); // recorded as refused by the Thing's handler
            throw err;
        }
        if (message.ack !== undefined && message.ack !== null && message.ack !== "") {
            const ack = Buffer.from(JSON.stringify({ ack: message.ack }));
            this.host.publish(voWotTopic("property/ack", thing.title, name), ack, 2);
        }
    }

    async invoke(): Promise<void> {
        const name = this.thing === undefined ? undefined : affordanceBySlug(this.thing.actions, this.slug);
        let id: unknown = null;
        const answer = (body: object): void => {
            const topic = `${VO_WOT_SERVIENT_ID}/action/result/${this.thingSlug}/${this.slug}`;
            this.host.publish(topic, Buffer.from(JSON.stringify({ id, timestamp: Date.now(), ...body })), 2);
        };
        // another servient's Thing on a shared broker (vo-wot fleets all use `wotpy/`): its own server answers
        if (this.thing === undefined) return;
        if (name === undefined) {
            id = idOf(this.payload);
            // wotpy2 drops it; answered here so a client learns why (its result topic is the request's)
            return answer({ error: `Thing "${this.thing.title}" has no action "${this.slug}"` });
        }
        const thing = this.thing;
        const action = thing.actions[name];
        try {
            const message = this.envelope("action", name, "invokeaction");
            id = message.id ?? null;
            const input = message.input === null ? undefined : message.input;
            const output = await thing.handleInvokeAction(name, jsonContent(input), {
                formIndex: this.host.formIndex(action),
            });
            const result = output === undefined || output === null ? null : await valueOf(output, action.output);
            answer({ result: result ?? null });
        } catch (err) {
            answer({ error: err instanceof Error ? err.message : String(err) });
        }
    }

    /** The message as a JSON object; else refused (recorded as `op`) with why. */
    private envelope(kind: AffordanceKind, name: string, op: Operation): Record<string, unknown> {
        const limit = this.host.hooks()?.limits.maxBodyBytes ?? DEFAULT_PROTOCOL_LIMITS.maxBodyBytes;
        if (this.payload.length > limit) {
            const text = `payload of ${this.payload.length} bytes is over the limit of ${limit} bytes`;
            this.refuse(kind, name, op, text, "payload-too-large");
        }
        let parsed: unknown;
        try {
            parsed = JSON.parse(this.payload.toString("utf8"));
        } catch (err) {
            this.refuse(
                kind,
                name,
                op,
                `vo-wot's envelope is a JSON object; the payload is malformed JSON: ${(err as Error).message}`
            );
        }
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
            this.refuse(
                kind,
                name,
                op,
                `vo-wot's envelope is a JSON object, not ${JSON.stringify(parsed).slice(0, 100)}`
            );
        }
        return parsed as Record<string, unknown>;
    }

    private refuse(
        kind: AffordanceKind,
        name: string,
        op: Operation,
        message: string,
        reason: "bad-request" | "method-not-allowed" | "payload-too-large" = "bad-request",
        value?: unknown
    ): never {
        const error = new RequestRefusedError(reason, message);
        this.host.hooks()?.refused?.({
            thing: this.thing!.id,
            kind,
            name,
            op,
            protocol: this.origin.protocol as Protocol,
            origin: this.origin.origin,
            error,
            value,
            valid: value !== undefined,
        });
        throw kind === "action" ? error : new Dropped();
    }
}

/** The invocation id of a message that could not be served otherwise, so its client can match the error. */
function idOf(payload: Buffer): unknown {
    try {
        return (JSON.parse(payload.toString("utf8")) as { id?: unknown }).id ?? null;
    } catch {
        return null;
    }
}
