import { performance } from "node:perf_hooks";
import type * as WoT from "wot-typescript-definitions";
import { clock } from "./clock";
import type { AffordanceKind, InteractionRecord, Operation, Protocol } from "../model/interaction-record";
import { conformsToSchema, limitValue } from "../model/value-check";
import { createLogger } from "../log";
import type { RecordSink } from "./thing-recorder";

const { debug } = createLogger("recording:consumed-recorder");

/** Where a consumed Thing's affordance is reached: the scheme and host:port of the form node-wot uses. */
function peerOf(
    affordance: { forms?: { href: string }[] } | undefined,
    index = 0
): { protocol: Protocol; origin: string } {
    const href = affordance?.forms?.[index]?.href ?? affordance?.forms?.[0]?.href;
    try {
        const url = new URL(href ?? "");
        return { protocol: url.protocol.replace(/:$/, "") as Protocol, origin: url.host };
    } catch {
        return { protocol: "local", origin: "" };
    }
}

const AFFORDANCES = { property: "properties", action: "actions", event: "events" } as const;

/**
 * A consumed Thing (another VO this one consumes) whose interactions through this VO are recorded
 * like those with an exposed Thing: under the consumed Thing's id, `protocol` the scheme of the form
 * used and `origin` the host:port it went to. Reads, writes and invocations with their values,
 * errors and durations; observations and subscriptions when they start, then each value or event
 * they deliver (`propertychange`, `emitevent`).
 */
export function recordConsumedThing(
    thing: WoT.ConsumedThing,
    sink: RecordSink,
    maxValueBytes: number
): WoT.ConsumedThing {
    const td = thing.getThingDescription();
    const id = td.id ?? td.title;
    const affordance = (kind: AffordanceKind, name: string) =>
        (td[AFFORDANCES[kind]] as Record<string, { forms?: { href: string }[] }> | undefined)?.[name];
    const record = (
        kind: AffordanceKind,
        name: string,
        op: Operation,
        fields: { ok: boolean; value?: unknown; output?: unknown; error?: unknown; startedAt?: number },
        formIndex?: number
    ): void => {
        try {
            const a = affordance(kind, name);
            const value = limitValue(fields.value, maxValueBytes);
            const output = limitValue(fields.output, maxValueBytes);
            const schema = kind === "action" ? (a as { input?: object } | undefined)?.input : a;
            const r: InteractionRecord = {
                ts: clock.now(),
                thing: id,
                kind,
                name,
                op,
                ...peerOf(a, formIndex),
                ok: fields.ok,
                value: value.value,
                output: output.value,
                error:
                    fields.error === undefined ? undefined : String((fields.error as Error)?.message ?? fields.error),
                durationMs: fields.startedAt === undefined ? undefined : performance.now() - fields.startedAt,
                valid: fields.value === undefined || schema === undefined || conformsToSchema(schema, fields.value),
                truncated: value.truncated || output.truncated,
            };
            sink(r);
        } catch (err) {
            debug("could not record %s %s/%s: %s", op, id, name, (err as Error).message);
        }
    };

    /** Runs an interaction, records it once it settled, and passes its outcome on. */
    async function timed<T>(
        kind: AffordanceKind,
        name: string,
        op: Operation,
        options: WoT.InteractionOptions | undefined,
        input: unknown,
        run: () => Promise<T>,
        valueOf: (result: T) => Promise<{ value?: unknown; output?: unknown }>
    ): Promise<T> {
        const startedAt = performance.now();
        let result: T;
        try {
            result = await run();
        } catch (err) {
            record(kind, name, op, { ok: false, value: input, error: err, startedAt }, options?.formIndex);
            throw err;
        }
        let values: { value?: unknown; output?: unknown } = {};
        try {
            values = await valueOf(result);
        } catch (err) {
            record(kind, name, op, { ok: false, value: input, error: err, startedAt }, options?.formIndex);
            throw err;
        }
        record(kind, name, op, { ok: true, value: input, ...values, startedAt }, options?.formIndex);
        return result;
    }

    /** The value of an output, decoded once: node-wot keeps it (and its bytes), so the caller can read it again. */
    const settledOutput = async (out: WoT.InteractionOutput | undefined) => {
        if (out === undefined) return { output: undefined, replay: undefined };
        const value = out.schema === undefined ? undefined : await out.value();
        return { output: value, replay: out };
    };

    const wrapped: Partial<WoT.ConsumedThing> = {
        async readProperty(name, options) {
            let replay: WoT.InteractionOutput | undefined;
            await timed(
                "property",
                name,
                "readproperty",
                options,
                undefined,
                () => thing.readProperty(name, options),
                async (out) => {
                    const s = await settledOutput(out);
                    replay = s.replay;
                    return { value: s.output };
                }
            );
            return replay!;
        },
        async writeProperty(name, value, options) {
            await timed(
                "property",
                name,
                "writeproperty",
                options,
                value,
                () => thing.writeProperty(name, value, options),
                async () => ({})
            );
        },
        async invokeAction(name: string, params?: WoT.InteractionInput, options?: WoT.InteractionOptions) {
            let replay: WoT.InteractionOutput | undefined;
            await timed(
                "action",
                name,
                "invokeaction",
                options,
                params,
                () => thing.invokeAction(name, params, options),
                async (out) => {
                    const s = await settledOutput(out);
                    replay = s.replay;
                    return { output: s.output };
                }
            );
            return replay as never;
        },
        async observeProperty(name, listener, onerror, options) {
            return timed(
                "property",
                name,
                "observeproperty",
                options,
                undefined,
                () =>
                    thing.observeProperty(
                        name,
                        async (out) => {
                            const s = await settledOutput(out).catch((err: Error) => {
                                record(
                                    "property",
                                    name,
                                    "propertychange",
                                    { ok: false, error: err },
                                    options?.formIndex
                                );
                                return undefined;
                            });
                            if (s === undefined) return;
                            record(
                                "property",
                                name,
                                "propertychange",
                                { ok: true, value: s.output },
                                options?.formIndex
                            );
                            return listener(s.replay!);
                        },
                        onerror,
                        options
                    ),
                async () => ({})
            );
        },
        async subscribeEvent(name, listener, onerror, options) {
            return timed(
                "event",
                name,
                "subscribeevent",
                options,
                undefined,
                () =>
                    thing.subscribeEvent(
                        name,
                        async (out) => {
                            const s = await settledOutput(out).catch((err: Error) => {
                                record("event", name, "emitevent", { ok: false, error: err }, options?.formIndex);
                                return undefined;
                            });
                            if (s === undefined) return;
                            record("event", name, "emitevent", { ok: true, value: s.output }, options?.formIndex);
                            return listener(s.replay!);
                        },
                        onerror,
                        options
                    ),
                async () => ({})
            );
        },
    };
    return new Proxy(thing, {
        get(target, key, receiver) {
            if (typeof key === "string" && Object.hasOwn(wrapped, key)) return wrapped[key as keyof typeof wrapped];
            const v = Reflect.get(target, key, receiver) as unknown;
            return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
    });
}
