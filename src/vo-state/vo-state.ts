import net from "node:net";
import type * as WoT from "wot-typescript-definitions";
import { parseAddress, urlHost } from "../model/address";
import { createLogger } from "../log";
import { DeviceMonitor } from "../liveness/device-monitor";
import { probeFor } from "../liveness/device-probe";
import type { DeviceState, Transition } from "../liveness/liveness-state";
import { runSelfCheck, SelfCheckResult, ServerUnderCheck, StoreCheck, VO_STATUS } from "../liveness/self-check";
import type { SubscriptionChange } from "../model/subscription-change";
import type { Database } from "../sqlite/database";
import { ObserverRegistry } from "./observer-registry";
import { Redirects } from "./redirects";
import type { ResolvedVoStateOptions } from "../options/vo-state-options";
import { ObserverRow, VoStateTables } from "./vo-state-tables";
import { servedPath, voThingModel, VoThingAction } from "./vo-thing";

const { debug, warn } = createLogger("vo-state:vo-state");

export interface DeviceLiveness {
    url?: string;
    state: DeviceState | "none";
    since?: Date;
    reason?: string;
    /** how often the device is probed, ms: when a client may expect news of it */
    probeIntervalMs?: number;
}

export type DeviceListener = (liveness: DeviceLiveness, event: Transition["event"]) => void;

/**
 * The VO's own state, kept in the seed's SQLite tables and shown on the VO Thing: periodic
 * self-check (vo_status), the fronted device's liveness (device_status), observers, redirect
 * targets (redirect_ip) and the device's address (info).
 */
export class VoState {
    readonly tables: VoStateTables;
    readonly observers: ObserverRegistry;
    readonly redirects: Redirects;
    private readonly monitor?: DeviceMonitor;
    private lastStatus: SelfCheckResult | undefined;
    private device: DeviceLiveness;
    private thing: WoT.ExposedThing | undefined;
    private thingPath: string | undefined;
    private timer: NodeJS.Timeout | undefined;
    private checking: Promise<SelfCheckResult> | undefined;
    private pending = new Set<Promise<unknown>>();
    private closed = false;
    private readonly deviceListeners = new Set<DeviceListener>();

    constructor(
        db: Database,
        private readonly options: ResolvedVoStateOptions,
        private readonly servers: () => readonly ServerUnderCheck[],
        private readonly storeChecks: Record<string, StoreCheck>,
        /** the VO Thing's `history` action */
        private readonly history: VoThingAction
    ) {
        this.tables = new VoStateTables(db);
        this.observers = new ObserverRegistry(this.tables, () => void this.track(this.publishObservers()));
        this.redirects = new Redirects(() => this.thingPath);
        this.device = { url: options.device?.url, state: options.device ? "unknown" : "none" };
        if (options.device) {
            this.monitor = new DeviceMonitor(probeFor(options.device.url), options.device, (t) =>
                this.track(this.onDeviceTransition(t))
            );
        }
    }

    /** Before the servers start: stale observers closed, redirects and the device address loaded. */
    async open(): Promise<void> {
        const stale = await this.observers.closeAll("VO restarted");
        if (stale > 0) debug("closed %d observer entries left open by the previous run", stale);
        if (this.options.redirects !== undefined) await this.setRedirects(this.options.redirects);
        else this.redirects.set(await this.tables.activeRedirects());
        const ip = this.options.deviceIp ?? (this.options.device ? hostOf(this.options.device.url) : undefined);
        if (ip !== undefined) await this.tables.setDeviceIp(ip, "configuration");
    }

    /** After the servers started: the VO Thing is exposed, the self-check and the device probes begin. */
    async start(wot: typeof WoT | undefined): Promise<void> {
        if (this.options.thing !== false && wot !== undefined) await this.exposeThing(wot);
        if (this.options.selfCheckIntervalMs > 0) {
            void this.track(this.selfCheck());
            this.timer = setInterval(() => void this.track(this.selfCheck()), this.options.selfCheckIntervalMs);
            this.timer.unref();
        }
        this.monitor?.start();
    }

    onSubscription(change: SubscriptionChange): void {
        this.observers.onSubscription(change);
    }

    // ---- self-check ---------------------------------------------------------------------------

    get status(): SelfCheckResult | undefined {
        return this.lastStatus;
    }

    /** Runs a self-check now, appends it to vo_status, and emits statusChange when the status changed. */
    selfCheck(): Promise<SelfCheckResult> {
        this.checking ??= this.runCheck().finally(() => (this.checking = undefined));
        return this.checking;
    }

    private async runCheck(): Promise<SelfCheckResult> {
        const storeChecks: Record<string, StoreCheck> = {
            sqlite: async () => ({ ok: true, detail: "row written" }), // the insert below is the probe
            ...this.storeChecks,
        };
        let result = await runSelfCheck(this.servers(), storeChecks, this.options.selfCheckTimeoutMs);
        try {
            await this.tables.insertVoStatus(result, this.options.keepStatusRows);
        } catch (err) {
            const detail = `cannot write vo_status: ${(err as Error).message}`;
            // A full disk leaves the VO serving (records wait in memory, counted when dropped): degraded.
            const full = (err as { code?: string }).code === "SQLITE_FULL" && result.status !== "failed";
            result = {
                ...result,
                status: full ? "degraded" : "failed",
                code: VO_STATUS[full ? "degraded" : "failed"],
                checks: { ...result.checks, sqlite: { ok: false, detail } },
            };
            warn("self-check: %s", detail);
        }
        const previous = this.lastStatus?.status;
        this.lastStatus = result;
        if (previous !== result.status) {
            const failing = Object.entries(result.checks)
                .filter(([, c]) => !c.ok)
                .map(([name, c]) => `${name}: ${c.detail}`);
            (result.status === "ok" ? debug : warn)(
                "self-check: %s%s",
                result.status,
                failing.length ? ` (${failing.join("; ")})` : ""
            );
            this.emit("statusChange", { previous: previous ?? "unknown", ...statusValue(result) });
        }
        return result;
    }

    // ---- device -------------------------------------------------------------------------------

    get deviceLiveness(): DeviceLiveness {
        return { ...this.device, probeIntervalMs: this.options.device?.intervalMs };
    }

    /** Passive evidence: an interaction with the device succeeded, or it pushed to the VO (from `address`). */
    async deviceActivity(address?: string): Promise<void> {
        this.monitor?.activity(address ? `push from ${address}` : "interaction with the device");
        if (address !== undefined) {
            const { ip } = parseAddress(address);
            if (net.isIP(ip) && (await this.tables.setDeviceIp(ip, "learned from a push"))) {
                debug("device address is now %s", ip);
            }
        }
    }

    /** Calls `listener` after every device transition (alive, suspect, lost, recovered); returns a remover. */
    onDeviceChange(listener: DeviceListener): () => void {
        this.deviceListeners.add(listener);
        return () => this.deviceListeners.delete(listener);
    }

    /** Probes the device now (the timer does it at the configured interval). */
    async probeDevice(): Promise<DeviceLiveness> {
        await this.monitor?.probeNow();
        await Promise.all(this.pending);
        return this.deviceLiveness;
    }

    private async onDeviceTransition(t: Transition & { time: Date; device: string }): Promise<void> {
        this.device = { url: t.device, state: t.to, since: t.time, reason: `${t.event}: ${t.reason}` };
        try {
            await this.tables.insertDeviceStatus(t);
        } catch (err) {
            warn("device_status not written: %s", (err as Error).message);
        }
        this.emit("deviceStatusChange", { ...this.deviceValue(), previous: t.from, event: t.event });
        for (const listener of this.deviceListeners) {
            try {
                listener(this.deviceLiveness, t.event);
            } catch (err) {
                warn("device listener failed: %s", (err as Error).message);
            }
        }
    }

    private deviceValue(): Record<string, unknown> {
        const d = this.device;
        return {
            state: d.state,
            ...(d.url ? { url: d.url } : {}),
            ...(d.since ? { since: d.since.toISOString() } : {}),
            ...(d.reason ? { reason: d.reason } : {}),
        };
    }

    // ---- redirects, device address, observers -------------------------------------------------

    async setRedirects(targets: readonly string[]): Promise<void> {
        this.redirects.set(targets); // validates; throws InvalidRedirectError naming the bad one
        await this.tables.setRedirects(this.redirects.all);
    }

    deviceIp(): Promise<string | undefined> {
        return this.tables.deviceIp();
    }

    async setDeviceIp(ip: string): Promise<void> {
        if (!net.isIP(ip)) throw new TypeError(`device IP ${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
        await this.tables.setDeviceIp(ip, "set by the VO");
    }

    listObservers(): Promise<ObserverRow[]> {
        return this.observers.list();
    }

    /** The observers as the VO Thing's `observers` property reads them. */
    async observersValue(): Promise<object[]> {
        return (await this.listObservers()).map((o) => ({
            ip: o.ip,
            port: o.port,
            protocol: o.protocol,
            thing: o.thing,
            affordance: o.affordance,
            op: o.op,
            since: o.started_at,
        }));
    }

    /** What the dashboard's VO panel lists now: the VO Thing's `observers` and `redirects` as they read. */
    async panelState(): Promise<{ observers: object[]; redirects: string[] }> {
        return { observers: await this.observersValue(), redirects: [...this.redirects.all] };
    }

    private async publishObservers(): Promise<void> {
        if (this.thing === undefined) return;
        try {
            await (this.thing.emitPropertyChange("observers") as unknown);
        } catch (err) {
            debug("observers change not emitted: %s", (err as Error).message);
        }
    }

    // ---- the VO Thing -------------------------------------------------------------------------

    private async exposeThing(wot: typeof WoT): Promise<void> {
        if (this.options.thing === false) return;
        const self = this.options.thing.id;
        const thing = await wot.produce(voThingModel(this.options.thing.title, self, this.history));
        thing.setPropertyReadHandler("status", async () =>
            this.lastStatus ? statusValue(this.lastStatus) : { status: "unknown" }
        );
        thing.setPropertyReadHandler("device", async () => this.deviceValue());
        thing.setPropertyReadHandler("observers", () => this.observersValue());
        thing.setPropertyReadHandler("redirects", async () => this.redirects.all);
        thing.setPropertyWriteHandler("redirects", async (io) => this.setRedirects((await io.value()) as string[]));
        thing.setPropertyReadHandler("deviceIp", async () => (await this.deviceIp()) ?? "");
        thing.setActionHandler(
            "history",
            async (params) => (await this.history.invoke(await params.value(), self)) as WoT.InteractionInput
        );
        await thing.expose();
        this.thing = thing;
        this.thingPath = servedPath(thing.getThingDescription());
    }

    private emit(event: string, data: Record<string, unknown>): void {
        if (this.thing === undefined || this.closed) return;
        try {
            this.thing.emitEvent(event, data);
            const changed = this.thing.emitPropertyChange(event === "statusChange" ? "status" : "device") as unknown;
            void Promise.resolve(changed).catch(() => undefined);
        } catch (err) {
            debug("%s not emitted: %s", event, (err as Error).message);
        }
    }

    private track<T>(p: Promise<T>): Promise<T> {
        this.pending.add(p);
        void p.finally(() => this.pending.delete(p)).catch(() => undefined);
        return p;
    }

    async close(): Promise<void> {
        this.closed = true;
        if (this.timer !== undefined) clearInterval(this.timer);
        await this.monitor?.stop();
        // ends of observations the stopping servers told (their change is announced, and recorded, first)
        await this.observers.settled();
        await Promise.allSettled([...this.pending]);
        await this.observers.closeAll("VO stopped").catch(() => undefined);
    }
}

function statusValue(r: SelfCheckResult): Record<string, unknown> {
    return { status: r.status, code: r.code, time: r.time.toISOString(), checks: r.checks };
}

function hostOf(url: string): string | undefined {
    const host = urlHost(new URL(url));
    return net.isIP(host) ? host : undefined;
}
