import type * as WoT from "wot-typescript-definitions";

export type Kind = "property" | "action" | "event" | "thing";

/** The schemes the walks call forms of (conformance-walk: http, coap; mqtt-ws-walk: mqtt, ws). */
export type WalkScheme = "http" | "coap" | "mqtt" | "ws";

/** One operation of one form of a served TD, as a client would call it. */
export interface FormCall {
    thingId: string;
    kind: Kind;
    /** the affordance's name ("" for the Thing's own forms) */
    name: string;
    op: string;
    href: string;
    scheme: WalkScheme;
    contentType: string;
    /** htv:methodName / cov:method when the form names one */
    method?: string;
    subprotocol?: string;
    affordance?: Record<string, unknown>;
}

interface Form {
    href: string;
    op?: string | string[];
    contentType?: string;
    subprotocol?: string;
    "htv:methodName"?: string;
    "cov:method"?: string;
}

/** The TD 1.1 default ops of a form that lists none (section 5.3.4.2). */
function defaultOps(kind: Kind, affordance: Record<string, unknown> | undefined): string[] {
    if (kind === "property") {
        const ops = [];
        if (affordance?.writeOnly !== true) ops.push("readproperty");
        if (affordance?.readOnly !== true) ops.push("writeproperty");
        return ops;
    }
    if (kind === "action") return ["invokeaction"];
    if (kind === "event") return ["subscribeevent", "unsubscribeevent"];
    return [];
}

/** Every (form, op) pair of a TD whose href uses `scheme`. */
export function formCalls(td: WoT.ThingDescription, scheme: WalkScheme): FormCall[] {
    const calls: FormCall[] = [];
    const add = (kind: Kind, name: string, forms: Form[] | undefined, affordance?: Record<string, unknown>) => {
        for (const form of forms ?? []) {
            if (!form.href.startsWith(`${scheme}:`)) continue;
            const ops = form.op === undefined ? defaultOps(kind, affordance) : [form.op].flat();
            for (const op of ops) {
                calls.push({
                    thingId: td.id!,
                    kind,
                    name,
                    op,
                    href: form.href,
                    scheme,
                    contentType: form.contentType ?? "application/json",
                    method: form["htv:methodName"] ?? form["cov:method"],
                    subprotocol: form.subprotocol,
                    affordance,
                });
            }
        }
    };
    const sections = [
        ["property", td.properties],
        ["action", td.actions],
        ["event", td.events],
    ] as const;
    for (const [kind, map] of sections) {
        for (const [name, a] of Object.entries(map ?? {})) {
            add(kind, name, (a as { forms?: Form[] }).forms, a as unknown as Record<string, unknown>);
        }
    }
    add("thing", "", td.forms as Form[] | undefined);
    return calls;
}

/** The method a client uses for `op` when the form names none (TD 1.1 HTTP defaults, the CoAP binding's). */
export function methodFor(call: FormCall): string {
    if (call.method !== undefined) return call.method;
    switch (call.op) {
        case "writeproperty":
        case "writeallproperties":
        case "writemultipleproperties":
            return "PUT";
        case "invokeaction":
            return "POST";
        default:
            return "GET";
    }
}

/** A value that satisfies a TD data schema (for action inputs and writes of properties nobody can read). */
export function sampleValue(schema: Record<string, unknown> | undefined): unknown {
    if (schema === undefined) return undefined;
    if ("const" in schema) return schema.const;
    if (Array.isArray(schema.enum)) return schema.enum[0];
    if ("default" in schema) return schema.default;
    if (Array.isArray(schema.oneOf)) return sampleValue(schema.oneOf[0] as Record<string, unknown>);
    switch (schema.type) {
        case "number":
        case "integer":
            return typeof schema.minimum === "number" ? schema.minimum : 0;
        case "boolean":
            return true;
        case "string":
            return "x".repeat(typeof schema.minLength === "number" ? Math.max(1, schema.minLength) : 1);
        case "array": {
            const n = typeof schema.minItems === "number" ? schema.minItems : 0;
            return Array.from({ length: n }, () => sampleValue(schema.items as Record<string, unknown>));
        }
        case "object": {
            const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
            const required = (schema.required ?? Object.keys(props)) as string[];
            return Object.fromEntries(required.map((k) => [k, sampleValue(props[k])]));
        }
        default:
            return null;
    }
}
