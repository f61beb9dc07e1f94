import type * as WoT from "wot-typescript-definitions";
import { createLogger } from "../log";
import { currentRequest } from "../model/request-context";
import type { ProxyHost } from "./proxy-host";
import { InvalidProxyError } from "./mirror-model";
import type { DevicePushOptions } from "../options/proxy-options";

const { debug } = createLogger("proxy:device-push");

type Handle = (name: string, ...rest: unknown[]) => Promise<unknown>;

/**
 * Deployment type B: the device has no WoT runtime and pushes to the VO's own Thing (HTTP PUT,
 * CoAP PUT or POST on a property, POST on an action). The recorder records each push like any
 * write; this counts a successful one as the device's liveness and teaches the VO the address
 * it came from (`info.device_ip`). Names the Thing does not have are refused at once.
 */
export function attachDevicePush(thing: WoT.ExposedThing, host: ProxyHost, options: DevicePushOptions = {}): void {
    const td = thing.getThingDescription();
    const properties = new Set(options.properties ?? Object.keys(td.properties ?? {}));
    const actions = new Set(options.actions ?? Object.keys(td.actions ?? {}));
    for (const p of properties) {
        if (td.properties?.[p] === undefined) throw new InvalidProxyError(`push.properties: ${td.title} has no "${p}"`);
    }
    for (const a of actions) {
        if (td.actions?.[a] === undefined) throw new InvalidProxyError(`push.actions: ${td.title} has no "${a}"`);
    }
    const t = thing as unknown as Record<"handleWriteProperty" | "handleInvokeAction", Handle>;
    const wrap = (method: "handleWriteProperty" | "handleInvokeAction", names: Set<string>): void => {
        const original = t[method].bind(thing);
        t[method] = async (name, ...rest) => {
            // read before the handler runs: a push is noted only when it succeeds
            const origin = names.has(name) ? currentRequest()?.origin : undefined;
            const result = await original(name, ...rest);
            if (origin !== undefined) {
                host.state.deviceActivity(origin).catch((err) => debug("push not noted: %s", (err as Error).message));
            }
            return result;
        };
    };
    if (td.id !== undefined) {
        host.frontsDevice?.(td.id).catch((err: Error) => debug("device_thing not written: %s", err.message));
    }
    wrap("handleWriteProperty", properties);
    wrap("handleInvokeAction", actions);
}
