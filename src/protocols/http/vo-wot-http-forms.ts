import type { VoWotForm, VoWotForms, VoWotTd } from "../vo-wot-td";
import { formHrefs, propertyOps } from "../vo-wot-td";
import { voWotHref, VoWotPath } from "./vo-wot-http-routes";

const FOLDERS = ["properties", "actions", "events"];

/**
 * vo-wot's HTTP forms of a Thing (vo-wot-http-routes.ts): a property's path for its read and write, its
 * subscription path for an observation, an action's and an event's path; `base` the Thing's base on the HTTP
 * server, as vo-wot's catalogue sets it. Undefined when the TD has no form on an HTTP server.
 */
export function httpVoWotForms(td: VoWotTd): VoWotForms | undefined {
    const base = thingBase(td);
    if (base === undefined) return undefined;
    const form = (route: VoWotPath["route"], name: string, op: string[]): VoWotForm => ({
        href: voWotHref(base, route, name),
        contentType: "application/json",
        op,
    });
    return {
        base,
        property: (name, p) => {
            const forms = [form("property", name, propertyOps(p, false))];
            if (p.observable === true) forms.push(form("observe", name, ["observeproperty"]));
            return forms;
        },
        action: (name) => [form("action", name, ["invokeaction"])],
        event: (name) => [form("event", name, ["subscribeevent"])],
    };
}

/**
 * `http://host:port/<thing>` of the first HTTP form of the TD (node-wot's forms are `<base>/properties/...`,
 * `<base>/actions/...`, `<base>/events/...` and `<base>/properties` on the Thing).
 */
function thingBase(td: VoWotTd): string | undefined {
    for (const href of formHrefs(td)) {
        const match = /^(https?:\/\/[^/]+\/[^/]+)\/([^/]+)/.exec(href);
        if (match !== null && FOLDERS.includes(match[2])) return match[1];
    }
    return undefined;
}
