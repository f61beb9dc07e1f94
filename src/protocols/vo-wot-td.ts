import { coapVoWotForms } from "./coap/vo-wot-coap-routes";
import { httpVoWotForms } from "./http/vo-wot-http-forms";
import { mqttVoWotForms } from "./mqtt/vo-wot-mqtt-dialect";
import { wsVoWotForms } from "./websocket/vo-wot-ws-dialect";

/**
 * A Thing's TD as vo-wot's catalogue serves it, for vo-wot's (wotpy2's) clients. wotpy2 picks a protocol per
 * interaction among those with a form in the TD and a client on the consuming servient (properties
 * MQTT > Zenoh > HTTP > CoAP > WebSocket, actions HTTP > WebSocket > MQTT > Zenoh > CoAP, events WebSocket >
 * MQTT > Zenoh > CoAP > HTTP), then the first form of that scheme with the operation (HTTP: the first `http(s)`
 * form of an affordance whatever its `op`, for all but an observation). node-wot's client takes the first
 * form with the operation. No order of both kinds of forms in one TD serves both clients, so: the TDs
 * node-wot's clients read (the HTTP server's `/<thing>`, `/.well-known/wot`, the directory) stay as they
 * are, and the catalogue's `/<thing>` and `/?expanded=true`, where vo-wot's clients look, answer this one:
 * each affordance's forms are vo-wot's, one builder per protocol the VO serves them on (`VOWOT_FORMS`), each
 * with the operations it answers, and `base` is the Thing's base on the HTTP server, as vo-wot's catalogue
 * sets it. The Thing-level forms (readallproperties, ...) are left out: vo-wot's resources answer none of them.
 */

export type VoWotForm = { href: string; op?: string | string[]; contentType?: string; [k: string]: unknown };
export type VoWotAffordance = { forms?: VoWotForm[]; readOnly?: boolean; writeOnly?: boolean; observable?: boolean };
export type VoWotTd = Record<string, unknown> & {
    base?: string;
    properties?: Record<string, VoWotAffordance>;
    actions?: Record<string, VoWotAffordance>;
    events?: Record<string, VoWotAffordance>;
    forms?: VoWotForm[];
};

/** One protocol's vo-wot forms of a Thing. */
export interface VoWotForms {
    /** the TD's `base`, where the protocol has one (HTTP: the Thing's base) */
    base?: string;
    property(name: string, property: VoWotAffordance): VoWotForm[];
    action(name: string, action: VoWotAffordance): VoWotForm[];
    event(name: string, event: VoWotAffordance): VoWotForm[];
}

/**
 * A protocol's builder: its vo-wot forms of the Thing whose node-wot TD is `td` (found from node-wot's forms
 * of the protocol's server there), or undefined when no server of the protocol has forms in it.
 */
export type VoWotFormBuilder = (td: VoWotTd) => VoWotForms | undefined;

/** The protocols vo-wot's wire format is served on, in the order of their forms in an affordance. */
export const VOWOT_FORMS: readonly VoWotFormBuilder[] = [httpVoWotForms, coapVoWotForms, mqttVoWotForms, wsVoWotForms];

/** `td` with vo-wot's forms in place of node-wot's; as it is when no protocol serving vo-wot's has a form in it. */
export function voWotDescription(td: VoWotTd, builders: readonly VoWotFormBuilder[] = VOWOT_FORMS): VoWotTd {
    const protocols = builders.flatMap((build) => build(td) ?? []);
    if (protocols.length === 0) return td;
    const described: VoWotTd = { ...td };
    delete described.forms;
    delete described.base;
    const base = protocols.find((p) => p.base !== undefined)?.base;
    if (base !== undefined) described.base = base;
    const kinds = [
        ["properties", (p: VoWotForms, name: string, a: VoWotAffordance) => p.property(name, a)],
        ["actions", (p: VoWotForms, name: string, a: VoWotAffordance) => p.action(name, a)],
        ["events", (p: VoWotForms, name: string, a: VoWotAffordance) => p.event(name, a)],
    ] as const;
    for (const [key, formsOf] of kinds) {
        const map = td[key];
        if (map === undefined) continue;
        described[key] = Object.fromEntries(
            Object.entries(map).map(([name, a]) => [
                name,
                { ...a, forms: protocols.flatMap((p) => formsOf(p, name, a)) },
            ])
        );
    }
    return described;
}

/** Every href of node-wot's forms in a TD: the affordances' first, then the Thing's. */
export function formHrefs(td: VoWotTd): string[] {
    const affordances = [td.properties, td.actions, td.events].flatMap((m) => Object.values(m ?? {}));
    return [...affordances.flatMap((a) => a.forms ?? []), ...(td.forms ?? [])].map((f) => f.href);
}

/** `scheme://host:port` of the first of node-wot's forms in the TD that `pattern` matches (its first group). */
export function formOrigin(td: VoWotTd, pattern: RegExp): string | undefined {
    for (const href of formHrefs(td)) {
        const match = pattern.exec(href);
        if (match !== null) return match[1];
    }
    return undefined;
}

/** The operations a property's vo-wot resource answers, by what the property allows. */
export function propertyOps(property: VoWotAffordance, observe: boolean): string[] {
    return [
        property.writeOnly === true ? "" : "readproperty",
        property.readOnly === true ? "" : "writeproperty",
        observe && property.observable === true && property.writeOnly !== true ? "observeproperty" : "",
    ].filter((op) => op !== "");
}
