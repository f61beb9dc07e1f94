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
import { answerAfter, noteRefusal, operationInScope, Scope } from "./handler-scope";
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
    const ackReads = records.readsWait;

    t.setPropertyReadHandler = capturingReadHandlers(orig("setPropertyReadHandler")) as AnyFn;
    t.setActionHandler = capturingActionHandlers(orig("setActionHandler")) as AnyFn;

    // ---- properties -------------------------------------------------------------------------
    const readProperty = orig("handleReadProperty");
    t.handleReadProperty = (async (name: string, opts: Options) => {
        const ts = clock.now();
        const started = performance.now();
        const op = operationInScope("readproperty");
        const scope: Scope = {};
        let content: Content;
        let committed: Promise<void> | undefined;
        try {
            if (ackReads) records.refuseWithoutCommit();
            content = await runInScope(scope, readProperty, name, opts);
            committed = records.record(ts, "property", name, op, started, {
                ok: true,
                value: scope.value,
                valid: conformsToSchema(thing.properties[name], scope.value),
                stale: scope.stale,
                wait: ackReads,
            });
        } catch (err) {
            noteRefusal(err);
            records.record(ts, "property", name, op, started, { ok: false, error: err });
            throw err;
        }
        if (committed !== undefined) await answerAfter(committed);
        return content;
    }) as AnyFn;

    const writeProperty = orig("handleWriteProperty");
    t.handleWriteProperty = (async (name: string, content: Content, opts: Options) => {
        const ts = clock.now();
        const started = performance.now();
        const op = operationInScope("writeproperty");
        const property = thing.properties[name];
        let input: DecodedInput = { content, value: undefined };
        let committed: Promise<void> | undefined;
        try {
            input = await decodeInput(content, property, `property "${name}"`);
            if (property?.readOnly === true) {
                throw new RequestRefusedError("method-not-allowed", `property "${name}" is read-only`);
            }
            if (input.problem !== undefined) throw new RequestRefusedError("bad-request", input.problem);
            if (ack !== undefined) records.refuseWithoutCommit();
            await runInScope({}, writeProperty, name, input.content, opts);
            committed = records.record(ts, "property", name, op, started, {
                ok: true,
                value: input.value,
                valid: true,
                wait: true,
            });
        } catch (err) {
            noteRefusal(err);
            records.record(ts, "property", name, op, started, {
                ok: false,
                value: input.value,
                valid: input.problem === undefined,
                error: err,
            });
            throw err;
        }
        if (committed !== undefined) await answerAfter(committed);
    }) as AnyFn;

    for (const [method, multiOp] of [
        ["handleReadAllProperties", "readallproperties"],
        ["handleReadMultipleProperties", "readmultipleproperties"],
        ["handleWriteMultipleProperties", "writemultipleproperties"],
    ] as const) {
        const original = orig(method) as unknown as AnyFn;
        // The originals call this.handleReadProperty / handleWriteProperty once per property,
        // which records each one; the scope only lends them the operation's name (the protocol's,
        // when it served writeallproperties through handleWriteMultipleProperties).
        t[method] = ((...args: never[]) => {
            const asked = currentRequest()?.operation;
            const op = asked === "writeallproperties" && multiOp === "writemultipleproperties" ? asked : multiOp;
            return runInScope({ multiOp: op }, original, ...args);
        }) as AnyFn;
    }

    const emitPropertyChange = orig("emitPropertyChange");
    t.emitPropertyChange = (async (name: string) => {
        const ts = clock.now();
        const scope: Scope = {};
        try {
            await runInScope(scope, emitPropertyChange, name);
            records.record(ts, "property", name, "propertychange", undefined, {
                ok: true,
                value: scope.value,
                valid: conformsToSchema(thing.properties[name], scope.value),
            });
        } catch (err) {
            records.record(ts, "property", name, "propertychange", undefined, { ok: false, error: err });
            throw err;
        }
    }) as AnyFn;

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
