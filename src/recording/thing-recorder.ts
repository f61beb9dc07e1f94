import { performance } from "node:perf_hooks";
import { Content, ExposedThing } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import { clock } from "./clock";
import type { AffordanceKind, Operation } from "../model/interaction-record";
import { currentRequest, runInScope } from "../model/request-context";
import { endObservationOnClose, markObservationEnded } from "./observation-close";
import { conformsToSchema } from "../model/value-check";
import { decodeInput, DecodedInput } from "./decode-input";
import { RequestRefusedError } from "../model/refusal";
import { RecordBuilder } from "./record-builder";
import { answerAfter, noteRefusal, Scope } from "./handler-scope";
import type { WrappedThing } from "./method-wrapper";
import {
    inMultiPropertyScope,
    recordingPropertyChanges,
    recordingPropertyReads,
    recordingPropertyWrites,
} from "./property-wrappers";
import { capturingActionHandlers, capturingReadHandlers } from "./handler-setter-wrappers";
import type { RecorderOptions, RecordSink } from "./recorder-options";
import { createLogger } from "../log";

const { debug } = createLogger("recording:thing-recorder");

export type { AfterCommit, RecorderOptions, RecordSink } from "./recorder-options";
export { recordRefusal } from "./record-builder";
export { markStale } from "./handler-scope";

const instrumented = new WeakSet<object>();

type Options = WoT.InteractionOptions & { formIndex: number };
type AnyFn = (...args: never[]) => unknown;

/**
 * Records every interaction with one ExposedThing by wrapping, on the instance, the public
 * `handle*` methods protocol servers call and the `set*Handler` / `emit*` methods scripts call.
 * Recording is synchronous and never throws into the interaction: records go to `sink`.
 */
export function instrumentThing(thing: ExposedThing, sink: RecordSink, options: RecorderOptions): void {
    if (instrumented.has(thing)) return;
    instrumented.add(thing);
    const t = thing as unknown as Record<string, AnyFn>;
    const orig = <K extends keyof ExposedThing>(name: K): ExposedThing[K] => {
        const fn = thing[name] as unknown as AnyFn;
        return fn.bind(thing) as unknown as ExposedThing[K];
    };

    const records = new RecordBuilder(thing, sink, options.maxValueBytes, options.afterCommit);
    const ack = options.afterCommit;

    t.setPropertyReadHandler = capturingReadHandlers(orig("setPropertyReadHandler")) as AnyFn;
    t.setActionHandler = capturingActionHandlers(orig("setActionHandler")) as AnyFn;

    const wrapped: WrappedThing = { thing, records, options };
    t.handleReadProperty = recordingPropertyReads(orig("handleReadProperty"), wrapped) as AnyFn;
    t.handleWriteProperty = recordingPropertyWrites(orig("handleWriteProperty"), wrapped) as AnyFn;
    t.handleReadAllProperties = inMultiPropertyScope("readallproperties")(orig("handleReadAllProperties")) as AnyFn;
    t.handleReadMultipleProperties = inMultiPropertyScope("readmultipleproperties")(
        orig("handleReadMultipleProperties")
    ) as AnyFn;
    t.handleWriteMultipleProperties = inMultiPropertyScope("writemultipleproperties")(
        orig("handleWriteMultipleProperties")
    ) as AnyFn;
    t.emitPropertyChange = recordingPropertyChanges(orig("emitPropertyChange"), wrapped) as AnyFn;

    // ---- actions ----------------------------------------------------------------------------
    const invokeAction = orig("handleInvokeAction");
    t.handleInvokeAction = (async (name: string, content: Content, opts: Options) => {
        const ts = clock.now();
        const started = performance.now();
        const schema = thing.actions[name]?.input as object | undefined;
        const scope: Scope = {};
        let input: DecodedInput = { content, value: undefined };
        let result: unknown;
        let committed: Promise<void> | undefined;
        try {
            input = await decodeInput(content, schema, `input of action "${name}"`);
            if (input.problem !== undefined) throw new RequestRefusedError("bad-request", input.problem);
            if (ack !== undefined) records.refuseWithoutCommit();
            result = await runInScope(scope, invokeAction, name, input.content, opts);
            const outputSchema = thing.actions[name]?.output as object | undefined;
            committed = records.record(ts, "action", name, "invokeaction", started, {
                ok: true,
                value: input.value,
                output: scope.value,
                valid: scope.value === undefined || conformsToSchema(outputSchema, scope.value),
                wait: true,
            });
        } catch (err) {
            noteRefusal(err);
            records.record(ts, "action", name, "invokeaction", started, {
                ok: false,
                value: input.value,
                valid: input.problem === undefined,
                error: err,
            });
            throw err;
        }
        if (committed !== undefined) await answerAfter(committed);
        return result;
    }) as AnyFn;

    // ---- events -----------------------------------------------------------------------------
    const emitEvent = orig("emitEvent");
    t.emitEvent = ((name: string, data: WoT.InteractionInput) => {
        const ts = clock.now();
        const value = isStream(data) ? undefined : data;
        try {
            emitEvent(name, data);
        } catch (err) {
            records.record(ts, "event", name, "emitevent", undefined, { ok: false, value, error: err });
            throw err;
        }
        records.record(ts, "event", name, "emitevent", undefined, {
            ok: true,
            value,
            valid: conformsToSchema(thing.events[name]?.data as object | undefined, value),
        });
    }) as AnyFn;

    // ---- subscriptions ----------------------------------------------------------------------
    const subscriptions: [keyof ExposedThing, AffordanceKind, Operation][] = [
        ["handleSubscribeEvent", "event", "subscribeevent"],
        ["handleUnsubscribeEvent", "event", "unsubscribeevent"],
        ["handleObserveProperty", "property", "observeproperty"],
        ["handleUnobserveProperty", "property", "unobserveproperty"],
    ];
    // the options an observation was made with, to end it with the same ones
    const observeOptions = new WeakMap<object, unknown>();
    for (const [method, kind, op] of subscriptions) {
        const original = orig(method) as unknown as (name: string, ...rest: unknown[]) => unknown;
        const active = op === "subscribeevent" || op === "observeproperty";
        const tell = (name: string, listener: unknown): void => {
            const req = currentRequest();
            if (op === "observeproperty") {
                endObservationOnClose(req, listener, () =>
                    (t.handleUnobserveProperty as (...a: unknown[]) => unknown)(
                        name,
                        listener,
                        observeOptions.get(listener as object)
                    )
                );
            } else if (op === "unobserveproperty") {
                markObservationEnded(listener);
            }
            if (options.onSubscription === undefined) return;
            try {
                options.onSubscription({
                    thing: thing.id,
                    kind,
                    name,
                    op,
                    active,
                    listener,
                    protocol: req?.protocol ?? "local",
                    origin: req?.origin,
                    // where the protocol ended it itself, it says why (deregistered, client gone, ...)
                    endReason: active ? undefined : req?.endReason,
                });
            } catch (err) {
                debug("subscription listener failed: %s", (err as Error).message);
            }
        };
        t[method] = ((name: string, ...rest: unknown[]) => {
            const ts = clock.now();
            if (op === "observeproperty") observeOptions.set(rest[0] as object, rest[1]);
            let result: unknown;
            try {
                result = original(name, ...rest);
            } catch (err) {
                records.record(ts, kind, name, op, undefined, { ok: false, error: err });
                throw err;
            }
            if (result instanceof Promise) {
                return result.then(
                    (v) => {
                        records.record(ts, kind, name, op, undefined, { ok: true });
                        tell(name, rest[0]);
                        return v;
                    },
                    (err) => {
                        records.record(ts, kind, name, op, undefined, { ok: false, error: err });
                        throw err;
                    }
                );
            }
            records.record(ts, kind, name, op, undefined, { ok: true });
            tell(name, rest[0]);
            return result;
        }) as AnyFn;
    }
}

function isStream(data: unknown): boolean {
    return (
        data !== null &&
        typeof data === "object" &&
        (typeof (data as { getReader?: unknown }).getReader === "function" ||
            typeof (data as { pipe?: unknown }).pipe === "function")
    );
}
