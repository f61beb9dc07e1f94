import { ContentSerdes } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import { createLogger } from "../log";
import { RequestRefusedError } from "../model/refusal";
import { InvalidProxyError, mirrorIdentity, mirrorModel, nameMaps, NameMaps } from "./mirror-model";
import { DeviceProxyOptions, resolveProxyOptions, ResolvedProxyOptions } from "../options/proxy-options";
import type { ProxyHost } from "./proxy-host";
import { VoError } from "../model/errors";

const { debug, warn } = createLogger("proxy:device-proxy");

/** A forwarded interaction that failed, timed out, or was refused because the device is lost. */
export class DeviceProxyError extends VoError {
    readonly kind = "unavailable";
}

/** A write, action or read refused because the device is lost: 503 / 5.03 with a retry hint. */
export class DeviceLostError extends RequestRefusedError {
    constructor(message: string, retryAfterSeconds: number) {
        super("unavailable", message, retryAfterSeconds);
    }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeviceProxyError(`${what}: no answer within ${ms} ms`)), ms);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function forwardOptions(o: WoT.InteractionOptions | undefined): WoT.InteractionOptions | undefined {
    return o?.uriVariables === undefined ? undefined : { uriVariables: o.uriVariables };
}

async function valueOf(out: WoT.InteractionOutput | undefined | void, hasSchema: boolean): Promise<unknown> {
    if (out === undefined || out === null || !hasSchema) return undefined;
    return out.value();
}

interface Relay {
    kind: "event" | "property";
    name: string;
    subscription?: WoT.Subscription;
}

/**
 * Deployment type A: the VO consumes its device's TD and exposes a mirror Thing. Reads, writes
 * and actions on the mirror are forwarded to the device (bounded by `timeoutMs`); the device's
 * events and observable properties are relayed as the mirror's own, and the recorder records all
 * of it like any other interaction. While the device is lost, reads answer the last recorded
 * value, marked stale (or fail, `whenLost: "fail"`), and writes and actions fail at once; when it
 * is back, the relays are subscribed again.
 */
export class DeviceProxy {
    /** the last value of each property from the device, and when it came (ms), for reads while it is lost */
    private readonly last = new Map<string, { value: unknown; at: number }>();
    /** values being relayed: emitPropertyChange reads them through the read handler */
    private readonly pushing = new Map<string, unknown>();
    private readonly relays: Relay[] = [];
    private removeListener: (() => void) | undefined;
    private closed = false;
    private resubscribing: Promise<void> | undefined;

    private constructor(
        readonly device: WoT.ConsumedThing,
        readonly deviceTd: WoT.ThingDescription,
        readonly mirror: WoT.ExposedThing,
        private readonly maps: NameMaps,
        private readonly host: ProxyHost,
        private readonly options: ResolvedProxyOptions
    ) {}

    /**
     * Fetches the device's TD, exposes the mirror and starts the relays. `prepare` makes of the TD what
     * the clients consume (a vo-wot device's: its forms marked for vo-wot's bodies); it throws when it cannot.
     */
    static async start(
        wot: typeof WoT,
        host: ProxyHost,
        options: DeviceProxyOptions,
        prepare: (td: WoT.ThingDescription) => WoT.ThingDescription = (td) => td
    ): Promise<DeviceProxy> {
        const resolved = resolveProxyOptions(options);
        let td: WoT.ThingDescription;
        try {
            td = await withTimeout(
                wot.requestThingDescription(resolved.td),
                resolved.timeoutMs,
                "fetching the device TD"
            );
        } catch (err) {
            throw new DeviceProxyError(`cannot fetch the device TD from ${resolved.td}: ${(err as Error).message}`);
        }
        if (td === null || typeof td !== "object" || Array.isArray(td)) {
            throw new InvalidProxyError(`the device TD at ${resolved.td} is not a JSON object`);
        }
        try {
            td = prepare(td);
        } catch (err) {
            throw new InvalidProxyError(`the device TD at ${resolved.td}: ${(err as Error).message}`);
        }
        const maps = nameMaps(td, options);
        const device = await wot.consume(td);
        const mirror = await wot.produce(mirrorModel(td, maps, mirrorIdentity(td, options)));
        const proxy = new DeviceProxy(device, td, mirror, maps, host, resolved);
        proxy.setHandlers();
        await host.frontsDevice?.(mirror.getThingDescription().id!);
        await mirror.expose();
        proxy.removeListener = host.state.onDeviceChange((_, event) => proxy.onDeviceChange(event));
        await proxy.subscribeRelays();
        debug("mirror %s of %s exposed", mirror.getThingDescription().id, resolved.td);
        return proxy;
    }

    /** The relays (events, observed properties) and whether each is subscribed. */
    get relayState(): { kind: "event" | "property"; name: string; active: boolean }[] {
        return this.relays.map((r) => ({ kind: r.kind, name: r.name, active: r.subscription !== undefined }));
    }

    private get mirrorId(): string {
        return this.mirror.getThingDescription().id ?? "";
    }

    private lostSince(): string | undefined {
        const d = this.host.state.deviceLiveness;
        return d.state === "lost" ? (d.since?.toISOString() ?? "an unknown time") : undefined;
    }

    /** Clients may try again after the next probe of the device. */
    private lost(message: string): DeviceLostError {
        const interval = this.host.state.deviceLiveness.probeIntervalMs ?? 5000;
        return new DeviceLostError(message, Math.max(1, Math.ceil(interval / 1000)));
    }

    private async forward<T>(what: string, call: () => Promise<T>): Promise<T> {
        const since = this.lostSince();
        if (since !== undefined) {
            throw this.lost(`device ${this.options.td} is lost since ${since}: ${what} not forwarded`);
        }
        let result: T;
        try {
            result = await withTimeout(call(), this.options.timeoutMs, what);
        } catch (err) {
            if (err instanceof DeviceProxyError) throw new DeviceProxyError(`${err.message} (${this.options.td})`);
            throw new DeviceProxyError(`${what} on device ${this.options.td} failed: ${(err as Error).message}`);
        }
        this.activity();
        return result;
    }

    private activity(): void {
        this.host.state.deviceActivity().catch((err) => debug("activity not noted: %s", (err as Error).message));
    }

    private async staleValue(name: string, since: string): Promise<unknown> {
        if (this.options.whenLost === "fail") {
            throw this.lost(`device ${this.options.td} is lost since ${since}: read of "${name}" refused`);
        }
        let last = this.last.get(name);
        if (last === undefined) {
            const recorded = await this.host.latest(this.mirrorId, name);
            if (recorded === undefined) {
                throw this.lost(
                    `device ${this.options.td} is lost since ${since} and no value of "${name}" was ever recorded`
                );
            }
            last = { value: recorded.value, at: recorded.time.getTime() };
        }
        this.host.markStale(last.at);
        const value = last.value;
        return value;
    }

    private setHandlers(): void {
        const td = this.deviceTd;
        for (const [name, d] of this.maps.properties) {
            const affordance = td.properties![d];
            this.mirror.setPropertyReadHandler(name, async (options) => {
                if (this.pushing.has(name)) return this.pushing.get(name) as WoT.InteractionInput;
                const since = this.lostSince();
                if (since !== undefined) return (await this.staleValue(name, since)) as WoT.InteractionInput;
                const value = await this.forward(`read of property "${d}"`, async () =>
                    (await this.device.readProperty(d, forwardOptions(options))).value()
                );
                if (options?.uriVariables === undefined) this.last.set(name, { value, at: Date.now() });
                return value as WoT.InteractionInput;
            });
            if (affordance.readOnly !== true) {
                this.mirror.setPropertyWriteHandler(name, async (io, options) => {
                    const value = await io.value();
                    await this.forward(`write of property "${d}"`, () =>
                        this.device.writeProperty(d, value as WoT.InteractionInput, forwardOptions(options))
                    );
                    if (options?.uriVariables === undefined) this.last.set(name, { value, at: Date.now() });
                });
            }
            if (affordance.observable === true) this.relays.push({ kind: "property", name });
        }
        for (const [name, d] of this.maps.actions) {
            const affordance = td.actions![d];
            this.mirror.setActionHandler(name, async (params, options) => {
                const input = await valueOf(params, affordance.input !== undefined);
                const out = await this.forward(`invocation of action "${d}"`, () =>
                    this.device.invokeAction(d, input as WoT.InteractionInput, forwardOptions(options))
                );
                return (await valueOf(out, affordance.output !== undefined)) as WoT.InteractionInput;
            });
        }
        for (const [name] of this.maps.events) this.relays.push({ kind: "event", name });
    }

    private deviceName(relay: Relay): string {
        return (relay.kind === "event" ? this.maps.events : this.maps.properties).get(relay.name)!;
    }

    private async subscribe(relay: Relay): Promise<void> {
        const d = this.deviceName(relay);
        const onError = (err: Error): void => {
            warn("relay of %s %s from %s ended: %s", relay.kind, d, this.options.td, err.message);
            relay.subscription = undefined;
        };
        const what = `${relay.kind === "event" ? "subscription to event" : "observation of property"} "${d}"`;
        if (relay.kind === "event") {
            const schema = this.deviceTd.events![d].data as object | undefined;
            relay.subscription = await withTimeout(
                this.device.subscribeEvent(d, async (data) => this.relayEvent(relay.name, data, schema), onError),
                this.options.timeoutMs,
                what
            );
        } else {
            relay.subscription = await withTimeout(
                this.device.observeProperty(d, async (data) => this.relayChange(relay.name, data), onError),
                this.options.timeoutMs,
                what
            );
        }
    }

    private async relayEvent(name: string, data: WoT.InteractionOutput, schema: object | undefined): Promise<void> {
        if (this.closed) return;
        const body = Buffer.from(await data.arrayBuffer());
        let value: unknown;
        try {
            const type = (data as { form?: { contentType?: string } }).form?.contentType ?? "application/json";
            value =
                schema === undefined ? undefined : ContentSerdes.get().contentToValue({ type, body }, schema as never);
        } catch (err) {
            warn("event %s from the device has a payload that cannot be read: %s", name, (err as Error).message);
            return;
        }
        this.activity();
        this.mirror.emitEvent(name, value as WoT.InteractionInput);
    }

    private async relayChange(name: string, data: WoT.InteractionOutput): Promise<void> {
        if (this.closed) return;
        let value: unknown;
        try {
            value = await data.value();
        } catch (err) {
            warn("change of %s from the device breaks its schema: %s", name, (err as Error).message);
            return;
        }
        this.activity();
        this.last.set(name, { value, at: Date.now() });
        // emitPropertyChange calls the read handler synchronously: it answers from `pushing`
        this.pushing.set(name, value);
        let emitted: Promise<void>;
        try {
            // typed void by wot-typescript-definitions; node-wot's returns a promise
            emitted = Promise.resolve(this.mirror.emitPropertyChange(name) as unknown as Promise<void>);
        } finally {
            this.pushing.delete(name);
        }
        await emitted.catch((err: Error) => debug("change of %s not emitted: %s", name, err.message));
    }

    /** Subscribes every relay that is not; a failure is logged once per attempt and retried on recovery. */
    private async subscribeRelays(): Promise<void> {
        const failed: string[] = [];
        for (const relay of this.relays) {
            if (relay.subscription !== undefined || this.closed) continue;
            try {
                await this.subscribe(relay);
            } catch (err) {
                failed.push(`${relay.name} (${(err as Error).message})`);
            }
        }
        if (failed.length > 0) {
            warn("relays from %s not subscribed, retried when it is back: %s", this.options.td, failed.join("; "));
        }
    }

    /** After a device comes back, its old observations are gone with it: subscribe everything afresh. */
    private onDeviceChange(event: string): void {
        if (this.closed || (event !== "recovered" && event !== "alive")) return;
        this.resubscribing ??= (async () => {
            if (event === "recovered") await this.stopRelays();
            await this.subscribeRelays();
        })().finally(() => (this.resubscribing = undefined));
    }

    private async stopRelays(): Promise<void> {
        await Promise.allSettled(
            this.relays.map(async (relay) => {
                const s = relay.subscription;
                relay.subscription = undefined;
                if (s !== undefined) await withTimeout(s.stop(), this.options.timeoutMs, "unsubscribe");
            })
        );
    }

    /** Ends the relays; the mirror goes with its servient. */
    async close(): Promise<void> {
        if (this.closed) return;
        this.closed = true;
        this.removeListener?.();
        await this.resubscribing?.catch(() => undefined);
        await this.stopRelays();
    }
}
