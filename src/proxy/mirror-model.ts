import type * as WoT from "wot-typescript-definitions";
import type { DeviceProxyOptions } from "../options/proxy-options";
import { InvalidProxyError } from "../model/errors";

export { InvalidProxyError };

type Kind = "properties" | "actions" | "events";
export const KINDS: readonly Kind[] = ["properties", "actions", "events"];
const SINGULAR: Record<Kind, string> = { properties: "property", actions: "action", events: "event" };

/** Mirror affordance name -> device affordance name, per kind. */
export type NameMaps = Record<Kind, Map<string, string>>;

/** Top-level terms that describe the Thing itself; forms, base and security are the VO's own. */
const KEPT_TERMS = ["@context", "@type", "description", "descriptions", "titles", "version", "support", "links"];

function affordances(td: WoT.ThingDescription, kind: Kind): Record<string, Record<string, unknown>> {
    const a = (td as unknown as Record<Kind, unknown>)[kind];
    if (a === undefined) return {};
    if (a === null || typeof a !== "object" || Array.isArray(a)) {
        throw new InvalidProxyError(`device TD: "${kind}" must be an object`);
    }
    return a as Record<string, Record<string, unknown>>;
}

/** Which device affordances the mirror shows, under which names; unknown device names are refused. */
export function nameMaps(td: WoT.ThingDescription, options: DeviceProxyOptions): NameMaps {
    const maps = {} as NameMaps;
    for (const kind of KINDS) {
        const device = affordances(td, kind);
        const given = options[kind];
        const map = new Map<string, string>();
        if (given === undefined) {
            for (const name of Object.keys(device)) map.set(name, name);
        } else {
            for (const [mirrorName, deviceName] of Object.entries(given)) {
                if (!(deviceName in device)) {
                    const known = Object.keys(device).join(", ") || "none";
                    throw new InvalidProxyError(
                        `proxy.${kind}.${mirrorName}: the device has no ${SINGULAR[kind]} "${deviceName}" (it has: ${known})`
                    );
                }
                map.set(mirrorName, deviceName);
            }
        }
        maps[kind] = map;
    }
    return maps;
}

/**
 * The mirror Thing's model: the device's affordances (data schemas, observable, uriVariables, …)
 * under the mirror's names, without the device's forms, so node-wot adds the VO's own HTTP and
 * CoAP forms when it is produced.
 */
export function mirrorModel(
    td: WoT.ThingDescription,
    maps: NameMaps,
    identity: { id: string; title: string }
): WoT.ExposedThingInit {
    const model: Record<string, unknown> = { title: identity.title, id: identity.id };
    for (const term of KEPT_TERMS) {
        const v = (td as unknown as Record<string, unknown>)[term];
        if (v !== undefined) model[term] = structuredClone(v);
    }
    model["@context"] ??= "https://www.w3.org/2022/wot/td/v1.1";
    for (const kind of KINDS) {
        const device = affordances(td, kind);
        const out: Record<string, unknown> = {};
        for (const [mirrorName, deviceName] of maps[kind]) {
            const { forms: _forms, ...rest } = device[deviceName];
            void _forms;
            out[mirrorName] = structuredClone(rest);
        }
        model[kind] = out;
    }
    return model as WoT.ExposedThingInit;
}

/** `urn:node-wot-vo:mirror:<device id, else title>` unless the options name one. */
export function mirrorIdentity(td: WoT.ThingDescription, options: DeviceProxyOptions): { id: string; title: string } {
    const deviceTitle = typeof td.title === "string" && td.title.length > 0 ? td.title : "Device";
    const deviceKey = typeof td.id === "string" && td.id.length > 0 ? td.id : deviceTitle;
    return {
        id: options.id ?? `urn:node-wot-vo:mirror:${deviceKey}`,
        title: options.title ?? `${deviceTitle}Mirror`,
    };
}
