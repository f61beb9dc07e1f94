import type * as WoT from "wot-typescript-definitions";

/** An action the VO Thing offers on behalf of another part of the VO (its `history`, made in history/). */
export interface VoThingAction {
    /** the action's affordance in the TD (description, input and output schemas, ...); `self` the VO Thing's id */
    affordance(self: string): object;
    /** answers an invocation's input; refusals (a bad input, an unknown Thing) are thrown as `RequestRefusedError` */
    invoke(input: unknown, self: string): Promise<unknown>;
}

/** The VO's own Thing: its health, the device it fronts, observers, redirects and the device's address. */
export function voThingModel(title: string, id: string, history: VoThingAction): WoT.ExposedThingInit {
    const checks = { type: "object", description: "per check: { ok, detail }" };
    return {
        "@context": "https://www.w3.org/2022/wot/td/v1.1",
        id,
        title,
        description: "Health and state of this Virtual Object, kept by node-wot-vo.",
        properties: {
            status: {
                description: "result of the latest self-check",
                type: "object",
                readOnly: true,
                observable: true,
                properties: {
                    status: { type: "string", enum: ["unknown", "ok", "degraded", "failed"] },
                    code: {
                        type: "integer",
                        description:
                            "vo_status.status, as vo-wot writes it: 1 the VO answers (ok or degraded), 0 failed",
                    },
                    time: { type: "string", format: "date-time" },
                    checks,
                },
            },
            device: {
                description: "liveness of the device this VO fronts",
                type: "object",
                readOnly: true,
                observable: true,
                properties: {
                    url: { type: "string" },
                    state: { type: "string", enum: ["none", "unknown", "alive", "suspect", "lost"] },
                    since: { type: "string", format: "date-time" },
                    reason: { type: "string" },
                },
            },
            observers: {
                description: "clients observing or subscribed now",
                type: "array",
                readOnly: true,
                items: { type: "object" },
            },
            redirects: {
                description: "redirect targets (host, host:port or [IPv6]:port); the first one is active",
                type: "array",
                items: { type: "string" },
            },
            deviceIp: { description: "address of the device", type: "string", readOnly: true },
        },
        actions: { history: history.affordance(id) },
        events: {
            statusChange: { description: "the self-check status changed", data: { type: "object" } },
            deviceStatusChange: { description: "the device's liveness changed", data: { type: "object" } },
        },
    } as unknown as WoT.ExposedThingInit;
}

/** The path prefix the servers serve a Thing under, read from its TD's forms ("/vostatus"). */
export function servedPath(td: WoT.ThingDescription): string | undefined {
    for (const p of Object.values(td.properties ?? {})) {
        for (const f of (p as { forms?: { href: string }[] }).forms ?? []) {
            const m = /^[a-z]+:\/\/[^/]+(\/[^/?]+)/.exec(f.href);
            if (m) return m[1];
        }
    }
    return undefined;
}
