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
