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

/** `td` with vo-wot's forms in place of node-wot's; as it is when no form of it is on an HTTP server. */
export function voWotDescription(td: Td): Td {
    const base = thingBase(td);
    if (base === undefined) return td;
    const described: Td = { ...td, base };
    delete described.forms;
    const form = (route: VoWotPath["route"], name: string, op: string[]): Form => ({
        href: voWotHref(base, route, name),
        contentType: "application/json",
        op,
    });
    described.properties = mapValues(td.properties, (name, p) => {
        const op = [p.writeOnly === true ? "" : "readproperty", p.readOnly === true ? "" : "writeproperty"];
        const forms = [
            form(
                "property",
                name,
                op.filter((o) => o !== "")
            ),
        ];
        if (p.observable === true) forms.push(form("observe", name, ["observeproperty"]));
        return { ...p, forms };
    });
    described.actions = mapValues(td.actions, (name, a) => ({ ...a, forms: [form("action", name, ["invokeaction"])] }));
    described.events = mapValues(td.events, (name, e) => ({ ...e, forms: [form("event", name, ["subscribeevent"])] }));
    for (const key of ["properties", "actions", "events"] as const) if (td[key] === undefined) delete described[key];
    return described;
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
