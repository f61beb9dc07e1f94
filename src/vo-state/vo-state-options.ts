import { probeFor } from "../liveness/device-probe";
import type { DeviceMonitorOptions } from "../liveness/device-monitor";
import { normalizeRedirectTarget } from "./redirects";

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

/** Throws Error with the option's path in the message; the caller wraps it as InvalidOptionsError. */
export function resolveVoStateOptions(o: VoStateOptions = {}): ResolvedVoStateOptions {
    const count = (v: unknown, name: string, fallback: number, min = 1): number => {
        if (v === undefined) return fallback;
        if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
            throw new Error(`node-wot-vo option vo.${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
        }
        return v;
    };
    let device: ResolvedVoStateOptions["device"];
    if (o.device !== undefined) {
        if (typeof o.device?.url !== "string") throw new Error("node-wot-vo option vo.device.url must be a string");
        probeFor(o.device.url); // validates the URL now, not at the first probe
        const d = DEFAULT_DEVICE_MONITOR;
        device = {
            url: o.device.url,
            intervalMs: count(o.device.intervalMs, "device.intervalMs", d.intervalMs),
            timeoutMs: count(o.device.timeoutMs, "device.timeoutMs", d.timeoutMs),
            retries: count(o.device.retries, "device.retries", d.retries, 0),
            suspectAfter: count(o.device.suspectAfter, "device.suspectAfter", d.suspectAfter),
            lostAfter: count(o.device.lostAfter, "device.lostAfter", d.lostAfter),
            recoverAfter: count(o.device.recoverAfter, "device.recoverAfter", d.recoverAfter),
        };
        if (device.lostAfter < device.suspectAfter) {
            throw new Error("node-wot-vo option vo.device.lostAfter must be >= vo.device.suspectAfter");
        }
    }
    const thing =
        o.thing === false
            ? false
            : { title: o.thing?.title ?? "VoStatus", id: o.thing?.id ?? "urn:node-wot-vo:status" };
    return {
        thing,
        selfCheckIntervalMs: count(o.selfCheckIntervalMs, "selfCheckIntervalMs", 30_000, 0),
        selfCheckTimeoutMs: count(o.selfCheckTimeoutMs, "selfCheckTimeoutMs", 2000),
        keepStatusRows: count(o.keepStatusRows, "keepStatusRows", 10_000),
        heartbeatIntervalMs: count(o.heartbeatIntervalMs, "heartbeatIntervalMs", DEFAULT_HEARTBEAT_MS, 100),
        device,
        deviceIp: o.deviceIp,
        redirects: o.redirects?.map((t, i) => normalizeRedirectTarget(t, `vo.redirects[${i}]`)),
    };
}
