import { oneOf, positiveInteger, section, url } from "./option-checks";

/** What a VO does when its device is lost and a client reads a proxied property. */
export type WhenLost = "stale" | "fail";

/**
 * Device proxying (deployment type A): the VO consumes the device's TD and exposes a mirror
 * Thing whose interactions are forwarded to the device. Every field but `td` has a default.
 */
export interface DeviceProxyOptions {
    /** URL of the device's Thing Description (coap:// or http://) */
    td: string;
    /** the mirror's id; default `urn:node-wot-vo:mirror:<device id or title>` */
    id?: string;
    /** the mirror's title (its path on the VO); default `<device title>Mirror` */
    title?: string;
    /** per forwarded interaction, ms (default 5000) */
    timeoutMs?: number;
    /** reads while the device is lost: the last recorded value, marked stale (default), or an error */
    whenLost?: WhenLost;
    /**
     * mirror name -> device name, per kind. A kind that is given mirrors only the names listed;
     * a kind that is left out mirrors every affordance of the device under its own name.
     */
    properties?: Record<string, string>;
    actions?: Record<string, string>;
    events?: Record<string, string>;
}

/** Per forwarded interaction, when `proxy.timeoutMs` does not say. */
export const DEFAULT_PROXY_TIMEOUT_MS = 5000;

export interface ResolvedProxyOptions {
    td: string;
    timeoutMs: number;
    whenLost: WhenLost;
}

/** The proxy options checked, with their defaults; a bad one is an InvalidOptionsError naming `proxy.<key>`. */
export function resolveProxyOptions(o: DeviceProxyOptions): ResolvedProxyOptions {
    section(o, "proxy");
    url(o.td, "proxy.td", { schemes: ["coap:", "coaps:", "http:", "https:"], what: "a coap:// or http:// URL" });
    return {
        td: o.td,
        timeoutMs: positiveInteger(o.timeoutMs, "proxy.timeoutMs", DEFAULT_PROXY_TIMEOUT_MS),
        whenLost: oneOf(o.whenLost, "proxy.whenLost", ["stale", "fail"], "stale"),
    };
}

/**
 * Device push (deployment type B): a device with no WoT runtime writes to properties or invokes
 * actions of the VO's own Thing; each such interaction is recorded like any other, counts as
 * liveness, and teaches the VO the device's address.
 */
export interface DevicePushOptions {
    /** the Thing (by title or id) the device pushes to; default every Thing of the VO */
    thing?: string;
    /** properties the device writes */
    properties?: string[];
    /** actions the device invokes */
    actions?: string[];
}

/** One VO this VO consumes (`consumedVOs.<name>` in either descriptor dialect). */
export interface ConsumedVoOptions {
    /** its TD: http(s):// or coap(s):// */
    url: string;
    /** its events subscribed at start; each delivery goes to the script */
    events?: string[];
    /** its properties observed at start; each change goes to the script */
    propertyChanges?: string[];
    /** affordances of this VO's own Thing answered by the consumed VO's affordances of the same name (vo-wot's proxy maps) */
    serves?: { properties?: string[]; actions?: string[]; events?: string[] };
    /** how long to keep trying while it is not up, ms; default 60 s */
    timeoutMs?: number;
    /**
     * the URL schemes of the forms it is consumed through, the first preferred (`["coap", "coaps"]`: CoAP only);
     * forms of other schemes are not used. Default: every form, in the TD's order (node-wot takes the first with a client)
     */
    schemes?: string[];
}

export const DEFAULT_CONSUME_TIMEOUT_MS = 60_000;
