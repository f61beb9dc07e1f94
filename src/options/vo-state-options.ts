import { integer, invalidOption, positiveInteger, redirectTarget, section, shown, text } from "./option-checks";

/** How the device is probed and when it counts as lost (`vo.device`, liveness/device-monitor.ts). */
export interface DeviceMonitorOptions {
    /** between probes, ms (default 5000) */
    intervalMs: number;
    /** per attempt, ms (default 2000) */
    timeoutMs: number;
    /** further attempts within one probe before it counts as failed (default 1) */
    retries: number;
    /** consecutive failed probes before alive -> suspect (default 1) */
    suspectAfter: number;
    /** consecutive failed probes before -> lost (default 3) */
    lostAfter: number;
    /** consecutive successes before lost -> alive (default 2): a flapping device does not flap the state */
    recoverAfter: number;
}

/**
 * The schemes of a device URL: those a protocol of protocols/ probes (a test holds the two lists
 * equal), and `push:`, a device that only pushes to the VO (deployment type B).
 */
export const DEVICE_URL_SCHEMES = ["http:", "https:", "coap:", "coaps:", "mqtt:", "mqtts:", "ws:", "wss:", "push:"];

/** A device URL: one of DEVICE_URL_SCHEMES with a host (push: needs none); the message quotes it. */
export function deviceUrl(value: unknown, path: string): URL {
    let u: URL;
    try {
        if (typeof value !== "string") throw new TypeError("not a string");
        u = new URL(value);
    } catch {
        const expected = "coap://host[:port], http://host[:port]/path or push:";
        throw invalidOption(path, `${shown(value)} is not a URL (expected ${expected})`);
    }
    if (!DEVICE_URL_SCHEMES.includes(u.protocol)) {
        const known = DEVICE_URL_SCHEMES.join(", ");
        throw invalidOption(path, `${shown(value)} has unsupported scheme ${u.protocol} (${known} expected)`);
    }
    if (u.protocol !== "push:" && u.hostname === "") throw invalidOption(path, `${shown(value)} has no host`);
    return u;
}

/** `VoPersistence.attach(servient, { vo })`: the VO's own state; every field has a default. */
export interface VoStateOptions {
    /** the VO Thing that shows status, device, observers, redirects and device IP; false: none */
    thing?: false | { title?: string; id?: string };
    /** self-check interval, ms (default 30000; 0 turns it off) */
    selfCheckIntervalMs?: number;
    /** per check, ms (default 2000) */
    selfCheckTimeoutMs?: number;
    /** vo_status rows kept (default 10000) */
    keepStatusRows?: number;
    /**
     * how often the running VO notes in vo_run that it is up, ms (default 5000): after an
     * unclean end (SIGKILL, power loss) its gap in history starts at most this long too late
     */
    heartbeatIntervalMs?: number;
    /** the device this VO fronts: liveness is probed when set */
    device?: { url: string } & Partial<DeviceMonitorOptions>;
    /** the device's address; default the host of device.url, else learned from its pushes */
    deviceIp?: string;
    /** redirect targets to set at start (otherwise those kept in SQLite stay) */
    redirects?: string[];
}

export interface ResolvedVoStateOptions {
    thing: false | { title: string; id: string };
    selfCheckIntervalMs: number;
    selfCheckTimeoutMs: number;
    keepStatusRows: number;
    heartbeatIntervalMs: number;
    device?: { url: string } & DeviceMonitorOptions;
    deviceIp?: string;
    redirects?: string[];
}

/** vo_run heartbeat: the tolerance of the start of a gap left by an unclean end. */
export const DEFAULT_HEARTBEAT_MS = 5000;

export const DEFAULT_DEVICE_MONITOR: DeviceMonitorOptions = {
    intervalMs: 5000,
    timeoutMs: 2000,
    retries: 1,
    suspectAfter: 1,
    lostAfter: 3,
    recoverAfter: 2,
};

export const DEFAULT_VO_THING = { title: "VoStatus", id: "urn:node-wot-vo:status" } as const;
export const DEFAULT_SELF_CHECK_INTERVAL_MS = 30_000;
export const DEFAULT_SELF_CHECK_TIMEOUT_MS = 2000;
export const DEFAULT_KEEP_STATUS_ROWS = 10_000;

function deviceOptions(o: NonNullable<VoStateOptions["device"]>): ResolvedVoStateOptions["device"] {
    section(o, "vo.device", "a mapping like { url: coap://127.0.0.1:5683 }");
    deviceUrl(o.url, "vo.device.url"); // now, not at the first probe
    const d = DEFAULT_DEVICE_MONITOR;
    const device = {
        url: o.url,
        intervalMs: positiveInteger(o.intervalMs, "vo.device.intervalMs", d.intervalMs),
        timeoutMs: positiveInteger(o.timeoutMs, "vo.device.timeoutMs", d.timeoutMs),
        retries: integer(o.retries, "vo.device.retries", d.retries, 0),
        suspectAfter: positiveInteger(o.suspectAfter, "vo.device.suspectAfter", d.suspectAfter),
        lostAfter: positiveInteger(o.lostAfter, "vo.device.lostAfter", d.lostAfter),
        recoverAfter: positiveInteger(o.recoverAfter, "vo.device.recoverAfter", d.recoverAfter),
    };
    lostAfterSuspect(device, "vo.device.lostAfter");
    return device;
}

/** A device is lost after at least as many failed probes as make it suspect. */
export function lostAfterSuspect(t: { suspectAfter: number; lostAfter: number }, path: string): void {
    if (t.lostAfter < t.suspectAfter) throw invalidOption(path, `must be >= suspectAfter (${t.suspectAfter})`);
}

function redirectTargets(targets: unknown): string[] | undefined {
    if (targets === undefined) return undefined;
    if (!Array.isArray(targets)) throw invalidOption("vo.redirects", `must be a list, got ${shown(targets)}`);
    return targets.map((t, i) => redirectTarget(t, `vo.redirects[${i}]`));
}

/** Validates `vo` once at attach into a complete object, every default filled in. */
export function resolveVoStateOptions(o: VoStateOptions = {}): ResolvedVoStateOptions {
    section(o, "vo");
    if (o.thing !== undefined && o.thing !== false) section(o.thing, "vo.thing", "false or { title, id }");
    const thing =
        o.thing === false
            ? false
            : {
                  title: text(o.thing?.title, "vo.thing.title", DEFAULT_VO_THING.title),
                  id: text(o.thing?.id, "vo.thing.id", DEFAULT_VO_THING.id),
              };
    return {
        thing,
        selfCheckIntervalMs: integer(
            o.selfCheckIntervalMs,
            "vo.selfCheckIntervalMs",
            DEFAULT_SELF_CHECK_INTERVAL_MS,
            0
        ),
        selfCheckTimeoutMs: positiveInteger(
            o.selfCheckTimeoutMs,
            "vo.selfCheckTimeoutMs",
            DEFAULT_SELF_CHECK_TIMEOUT_MS
        ),
        keepStatusRows: positiveInteger(o.keepStatusRows, "vo.keepStatusRows", DEFAULT_KEEP_STATUS_ROWS),
        heartbeatIntervalMs: integer(o.heartbeatIntervalMs, "vo.heartbeatIntervalMs", DEFAULT_HEARTBEAT_MS, 100),
        device: o.device === undefined ? undefined : deviceOptions(o.device),
        deviceIp: text(o.deviceIp, "vo.deviceIp", undefined),
        redirects: redirectTargets(o.redirects),
    };
}
