import { ExposedThing } from "@node-wot/core";
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
import { recordingSubscriptions } from "./subscription-wrappers";
import { capturingActionHandlers, capturingReadHandlers } from "./handler-setter-wrappers";
import type { RecorderOptions, RecordSink } from "./recorder-options";

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

    t.handleSubscribeEvent = recordingSubscriptions("event", "subscribeevent")(
        orig("handleSubscribeEvent"),
        wrapped
    ) as AnyFn;
    t.handleUnsubscribeEvent = recordingSubscriptions("event", "unsubscribeevent")(
        orig("handleUnsubscribeEvent"),
        wrapped
    ) as AnyFn;
    t.handleObserveProperty = recordingSubscriptions("property", "observeproperty")(
        orig("handleObserveProperty"),
        wrapped
    ) as AnyFn;
    t.handleUnobserveProperty = recordingSubscriptions("property", "unobserveproperty")(
        orig("handleUnobserveProperty"),
        wrapped
    ) as AnyFn;
}
