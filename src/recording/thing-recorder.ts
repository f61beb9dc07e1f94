import type { ExposedThing } from "@node-wot/core";
import { RecordBuilder } from "./record-builder";
import type { MethodWrapper, WrappedThing } from "./method-wrapper";
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
export { exclusionsOf, Exclusions } from "./exclusions";
export { markStale } from "./handler-scope";

/**
 * Every ExposedThing method the recorder replaces on the instance, with the wrapper that makes its
 * replacement from the original: the `handle*` methods protocol servers call, and the
 * `set*Handler` / `emit*` methods scripts call.
 */
const WRAPPERS = {
    setPropertyReadHandler: capturingReadHandlers,
    setActionHandler: capturingActionHandlers,
    handleReadProperty: recordingPropertyReads,
    handleWriteProperty: recordingPropertyWrites,
    handleReadAllProperties: inMultiPropertyScope("readallproperties"),
    handleReadMultipleProperties: inMultiPropertyScope("readmultipleproperties"),
    handleWriteMultipleProperties: inMultiPropertyScope("writemultipleproperties"),
    emitPropertyChange: recordingPropertyChanges,
    handleInvokeAction: recordingInvocations,
    emitEvent: recordingEventEmits,
    handleSubscribeEvent: recordingSubscriptions("event", "subscribeevent"),
    handleUnsubscribeEvent: recordingSubscriptions("event", "unsubscribeevent"),
    handleObserveProperty: recordingSubscriptions("property", "observeproperty"),
    handleUnobserveProperty: recordingSubscriptions("property", "unobserveproperty"),
    // (the named members only: node-wot's Thing also has a string index signature)
} satisfies { [K in keyof ExposedThing as string extends K ? never : K]?: MethodWrapper<K> };

const instrumented = new WeakSet<object>();

type AnyFn = (...args: never[]) => unknown;

/**
 * Records every interaction with one ExposedThing by replacing, on the instance, the methods in
 * WRAPPERS. Recording is synchronous and never throws into the interaction: records go to `sink`.
 */
export function instrumentThing(thing: ExposedThing, sink: RecordSink, options: RecorderOptions): void {
    if (instrumented.has(thing)) return;
    instrumented.add(thing);
    const records = new RecordBuilder(thing, sink, options.maxValueBytes, options.afterCommit, options.exclusions);
    const wrapped: WrappedThing = { thing, records, options };
    const methods = thing as unknown as Record<string, AnyFn>;
    for (const [method, wrap] of Object.entries(WRAPPERS)) {
        const original = methods[method].bind(thing);
        methods[method] = (wrap as (original: AnyFn, wrapped: WrappedThing) => AnyFn)(original, wrapped);
    }
}
