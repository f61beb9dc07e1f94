import { voWotMqttForms, voWotWsForms } from "../vo-wot-forms";
import { voWotHref, VoWotPath } from "./vo-wot-http-routes";

/**
 * A Thing's TD as vo-wot's catalogue serves it, for vo-wot's (wotpy2's) clients. wotpy2's HTTP client
 * takes every URL from a form: the first `http(s)` form of an affordance for a read, a write, an
 * invocation and an event (whatever its `op`), the first with `observeproperty` for an observation;
 * its protocols are chosen by the forms' schemes (CoAP before HTTP for events). node-wot's client takes
 * the first form with the operation. No order of both kinds of forms in one TD serves both clients, so:
 * the TDs node-wot's clients read (the HTTP server's `/<thing>`, `/.well-known/wot`, the directory) stay
 * as they are, and the catalogue's `/<thing>` and `/?expanded=true`, where vo-wot's clients look, answer
 * this one: each affordance's forms are vo-wot's HTTP paths only (vo-wot-http-routes.ts), the
 * operations each answers, and `base` is the Thing's base on the HTTP server, as vo-wot's catalogue sets
 * it. The Thing-level forms (readallproperties, ...) are left out: vo-wot's paths answer none of them.
 */

type Form = { href: string; op?: string | string[]; contentType?: string; [k: string]: unknown };
type Affordance = { forms?: Form[]; readOnly?: boolean; writeOnly?: boolean; observable?: boolean };
type Td = Record<string, unknown> & {
    properties?: Record<string, Affordance>;
    actions?: Record<string, Affordance>;
    events?: Record<string, Affordance>;
    forms?: Form[];
};

const FOLDERS = ["properties", "actions", "events"];

/**
 * `td` with vo-wot's forms in place of node-wot's: its HTTP paths, its MQTT topics at the VO's broker
 * (mqtt/vo-wot-mqtt-dialect.ts) and its WebSocket socket (websocket/vo-wot-ws-dialect.ts), each only when
 * node-wot's TD has a form of that protocol (its server runs, speaking vo-wot's dialect with the option on);
 * as it is when it has none of them.
 */
export function voWotDescription(td: Td): Td {
    const base = thingBase(td);
    const broker = serverOrigin(td, /^(mqtts?:\/\/[^/]+)\//);
    const ws = serverOrigin(td, /^(wss?:\/\/[^/]+)\//);
    if (base === undefined && broker === undefined && ws === undefined) return td;
    const described: Td = base === undefined ? { ...td } : { ...td, base };
    delete described.forms;
    const title = String(td.title);
    const form = (route: VoWotPath["route"], name: string, op: string[]): Form[] =>
        base === undefined ? [] : [{ href: voWotHref(base, route, name), contentType: "application/json", op }];
    const mqtt = (kind: "property" | "action" | "event", name: string, a: Affordance = {}): Form[] =>
        broker === undefined ? [] : voWotMqttForms(broker, title, kind, name, a);
    const socket = (op: string[]): Form[] => (ws === undefined ? [] : voWotWsForms(ws, title, op));
    described.properties = mapValues(td.properties, (name, p) => {
        const op = [p.writeOnly === true ? "" : "readproperty", p.readOnly === true ? "" : "writeproperty"];
        const rw = op.filter((o) => o !== "");
        const observe = p.observable === true ? ["observeproperty"] : [];
        const forms = [...form("property", name, rw), ...mqtt("property", name, p), ...socket([...rw, ...observe])];
        if (p.observable === true) forms.splice(1, 0, ...form("observe", name, observe));
        return { ...p, forms };
    });
    described.actions = mapValues(td.actions, (name, a) => ({
        ...a,
        forms: [...form("action", name, ["invokeaction"]), ...mqtt("action", name), ...socket(["invokeaction"])],
    }));
    described.events = mapValues(td.events, (name, e) => ({
        ...e,
        forms: [...form("event", name, ["subscribeevent"]), ...mqtt("event", name), ...socket(["subscribeevent"])],
    }));
    for (const key of ["properties", "actions", "events"] as const) if (td[key] === undefined) delete described[key];
    return described;
}

/** `scheme://host:port` of the first form of the TD's affordances that `pattern` matches. */
function serverOrigin(td: Td, pattern: RegExp): string | undefined {
    const affordances = [td.properties, td.actions, td.events].flatMap((m) => Object.values(m ?? {}));
    for (const f of affordances.flatMap((a) => a.forms ?? [])) {
        const match = pattern.exec(f.href);
        if (match !== null) return match[1];
    }
    return undefined;
}

/**
 * `http://host:port/<thing>` of the first HTTP form of the TD (node-wot's forms are `<base>/properties/...`,
 * `<base>/actions/...`, `<base>/events/...` and `<base>/properties` on the Thing).
 */
function thingBase(td: Td): string | undefined {
    const affordances = [td.properties, td.actions, td.events].flatMap((m) => Object.values(m ?? {}));
    const forms = [...affordances.flatMap((a) => a.forms ?? []), ...(td.forms ?? [])];
    for (const f of forms) {
        const match = /^(https?:\/\/[^/]+\/[^/]+)\/([^/]+)/.exec(f.href);
        if (match !== null && FOLDERS.includes(match[2])) return match[1];
    }
    return undefined;
}

function mapValues(
    map: Record<string, Affordance> | undefined,
    fn: (name: string, a: Affordance) => Affordance
): Record<string, Affordance> {
    return Object.fromEntries(Object.entries(map ?? {}).map(([name, a]) => [name, fn(name, a)]));
}
