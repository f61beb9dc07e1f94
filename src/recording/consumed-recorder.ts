import { performance } from "node:perf_hooks";
import type * as WoT from "wot-typescript-definitions";
import { clock } from "./clock";
import type { AffordanceKind, InteractionRecord, Operation, Protocol } from "../model/interaction-record";
import { conformsToSchema, limitValue } from "../model/value-check";
import { createLogger } from "../log";
import type { RecordSink } from "./thing-recorder";
import type { ExclusionTest, Exclusions } from "./exclusions";

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

interface Outcome {
    ok: boolean;
    value?: unknown;
    output?: unknown;
    error?: unknown;
    startedAt?: number;
}

/** The value of an output, decoded once: node-wot keeps it (and its bytes), so the caller can read it again. */
async function settledOutput(out: WoT.InteractionOutput | undefined) {
    if (out === undefined) return { output: undefined, replay: undefined };
    const value = out.schema === undefined ? undefined : await out.value();
    return { output: value, replay: out };
}

/** Records the interactions of one consumed Thing into a sink (see `recordConsumedThing`). */
class ConsumedThingRecorder {
    private readonly td: WoT.ThingDescription;
    private readonly id: string;
    private readonly excluded: ExclusionTest | undefined;

    constructor(
        private readonly sink: RecordSink,
        private readonly maxValueBytes: number,
        thing: WoT.ConsumedThing,
        exclusions?: Exclusions
    ) {
        this.td = thing.getThingDescription();
        this.id = this.td.id ?? this.td.title;
        this.excluded = exclusions?.forThing(this.id);
    }

    private affordance(kind: AffordanceKind, name: string) {
        return (this.td[AFFORDANCES[kind]] as Record<string, { forms?: { href: string }[] }> | undefined)?.[name];
    }

    record(kind: AffordanceKind, name: string, op: Operation, fields: Outcome, formIndex?: number): void {
        if (this.excluded?.(kind, name, op) === true) return;
        try {
            const a = this.affordance(kind, name);
            const value = limitValue(fields.value, this.maxValueBytes);
            const output = limitValue(fields.output, this.maxValueBytes);
            const schema = kind === "action" ? (a as { input?: object } | undefined)?.input : a;
            const r: InteractionRecord = {
                ts: clock.now(),
                thing: this.id,
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
            this.sink(r);
        } catch (err) {
            debug("could not record %s %s/%s: %s", op, this.id, name, (err as Error).message);
        }
    }

    /** Runs an interaction, records it once it settled, and passes its outcome on. */
    async timed<T>(
        at: { kind: AffordanceKind; name: string; op: Operation; options?: WoT.InteractionOptions },
        input: unknown,
        run: () => Promise<T>,
        valueOf: (result: T) => Promise<{ value?: unknown; output?: unknown }> = async () => ({})
    ): Promise<T> {
        const { kind, name, op, options } = at;
        const startedAt = performance.now();
        let result: T;
        let values: { value?: unknown; output?: unknown };
        try {
            result = await run();
            values = await valueOf(result);
        } catch (err) {
            this.record(kind, name, op, { ok: false, value: input, error: err, startedAt }, options?.formIndex);
            throw err;
        }
        this.record(kind, name, op, { ok: true, value: input, ...values, startedAt }, options?.formIndex);
        return result;
    }

    /** A listener that records each value an observation or subscription delivers (`op`), then hands it on. */
    delivering(
        kind: AffordanceKind,
        name: string,
        op: Operation,
        listener: WoT.WotListener,
        options?: WoT.InteractionOptions
    ): WoT.WotListener {
        return async (out) => {
            const s = await settledOutput(out).catch((err: Error) => {
                this.record(kind, name, op, { ok: false, error: err }, options?.formIndex);
                return undefined;
            });
            if (s === undefined) return;
            this.record(kind, name, op, { ok: true, value: s.output }, options?.formIndex);
            return listener(s.replay!);
        };
    }
}

/**
 * A read or an invocation, timed and recorded with its output (under `field`: a property's `value`, an
 * action's `output`); the caller gets a replay of the output, the recorder having read it once.
 */
async function timedOutput(
    r: ConsumedThingRecorder,
    at: Parameters<ConsumedThingRecorder["timed"]>[0],
    input: unknown,
    field: "value" | "output",
    run: () => Promise<WoT.InteractionOutput | undefined>
): Promise<WoT.InteractionOutput> {
    let replay: WoT.InteractionOutput | undefined;
    await r.timed(at, input, run, async (out) => {
        const s = await settledOutput(out);
        replay = s.replay;
        return { [field]: s.output };
    });
    return replay!;
}

/** The ConsumedThing methods that record, each calling through to `thing`. */
function recordingMethods(thing: WoT.ConsumedThing, r: ConsumedThingRecorder): Partial<WoT.ConsumedThing> {
    return {
        async readProperty(name, options) {
            const at = { kind: "property", name, op: "readproperty", options } as const;
            return timedOutput(r, at, undefined, "value", () => thing.readProperty(name, options));
        },
        async writeProperty(name, value, options) {
            const at = { kind: "property", name, op: "writeproperty", options } as const;
            await r.timed(at, value, () => thing.writeProperty(name, value, options));
        },
        async invokeAction(name: string, params?: WoT.InteractionInput, options?: WoT.InteractionOptions) {
            const at = { kind: "action", name, op: "invokeaction", options } as const;
            return timedOutput(r, at, params, "output", () => thing.invokeAction(name, params, options)) as never;
        },
        async observeProperty(name, listener, onerror, options) {
            const at = { kind: "property", name, op: "observeproperty", options } as const;
            const deliver = r.delivering("property", name, "propertychange", listener, options);
            return r.timed(at, undefined, () => thing.observeProperty(name, deliver, onerror, options));
        },
        async subscribeEvent(name, listener, onerror, options) {
            const at = { kind: "event", name, op: "subscribeevent", options } as const;
            const deliver = r.delivering("event", name, "emitevent", listener, options);
            return r.timed(at, undefined, () => thing.subscribeEvent(name, deliver, onerror, options));
        },
    };
}

/**
 * A consumed Thing (another VO this one consumes) whose interactions through this VO are recorded
 * like those with an exposed Thing: under the consumed Thing's id, `protocol` the scheme of the form
 * used and `origin` the host:port it went to. Reads, writes and invocations with their values,
 * errors and durations; observations and subscriptions when they start, then each value or event
 * they deliver (`propertychange`, `emitevent`). What `exclusions` leave out is not recorded.
 */
export function recordConsumedThing(
    thing: WoT.ConsumedThing,
    sink: RecordSink,
    maxValueBytes: number,
    exclusions?: Exclusions
): WoT.ConsumedThing {
    const wrapped = recordingMethods(thing, new ConsumedThingRecorder(sink, maxValueBytes, thing, exclusions));
    return new Proxy(thing, {
        get(target, key, receiver) {
            if (typeof key === "string" && Object.hasOwn(wrapped, key)) return wrapped[key as keyof typeof wrapped];
            const v = Reflect.get(target, key, receiver) as unknown;
            return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
    });
}
