import { ExposedThing } from "@node-wot/core";
import { clock } from "./clock";
import type { AffordanceKind, Operation } from "../model/interaction-record";
import { currentRequest } from "../model/request-context";
import { endObservationOnClose, markObservationEnded } from "./observation-close";
import { RecordBuilder } from "./record-builder";
import type { WrappedThing } from "./method-wrapper";
import {
    inMultiPropertyScope,
    recordingPropertyChanges,
    recordingPropertyReads,
    recordingPropertyWrites,
} from "./property-wrappers";
import { recordingInvocations } from "./action-wrapper";
import { recordingEventEmits } from "./event-wrapper";
import { capturingActionHandlers, capturingReadHandlers } from "./handler-setter-wrappers";
import type { RecorderOptions, RecordSink } from "./recorder-options";
import { createLogger } from "../log";

const { debug } = createLogger("recording:thing-recorder");

export type { AfterCommit, RecorderOptions, RecordSink } from "./recorder-options";
export { recordRefusal } from "./record-builder";
export { markStale } from "./handler-scope";

const instrumented = new WeakSet<object>();

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

    t.handleInvokeAction = recordingInvocations(orig("handleInvokeAction"), wrapped) as AnyFn;
    t.emitEvent = recordingEventEmits(orig("emitEvent"), wrapped) as AnyFn;

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
