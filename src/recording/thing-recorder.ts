import { performance } from "node:perf_hooks";
import { Content, ExposedThing } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import { clock } from "./clock";
import type { AffordanceKind, Operation } from "../model/interaction-record";
import { currentRequest, currentScope, runInScope } from "../model/request-context";
import { endObservationOnClose, markObservationEnded } from "./observation-close";
import { conformsToSchema } from "../model/value-check";
import { decodeInput, DecodedInput } from "./decode-input";
import { refusalOf, RequestRefusedError } from "../model/refusal";
import { RecordBuilder } from "./record-builder";
import type { RecorderOptions, RecordSink } from "./recorder-options";
import { createLogger } from "../log";

const { debug } = createLogger("recording:thing-recorder");

export type { AfterCommit, RecorderOptions, RecordSink } from "./recorder-options";
export { recordRefusal } from "./record-builder";

/** State of one interaction while its handler runs (async context, see request-context): the handler wrappers fill `value`. */
interface Scope {
    /** set by read-all / read-multiple / write-multiple so the inner per-property records carry it */
    multiOp?: Operation;
    captured?: boolean;
    value?: unknown;
    stale?: boolean;
}

const instrumented = new WeakSet<object>();

/**
 * Called by a read handler that answers from the last recorded value instead of the device
 * (a proxy whose device is lost): the record of this read is marked stale.
 */
export function markStale(recordedAtMs?: number): void {
    const scope = currentScope() as Scope | undefined;
    if (scope !== undefined) scope.stale = true;
    const request = currentRequest();
    if (request !== undefined) request.staleSince = recordedAtMs ?? Date.now();
}

/** A refusal thrown by a handler (the proxy's device is lost, ...) is answered with its own status. */
function noteRefusal(err: unknown): void {
    const refusal = refusalOf(err);
    const request = currentRequest();
    if (refusal !== undefined && request !== undefined) request.refusal = refusal;
}

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
    /** The answer waits for the commit; a failed commit is answered with its refusal. */
    const answerAfter = (committed: Promise<void>): Promise<void> =>
        committed.catch((err: unknown) => {
            noteRefusal(err);
            throw err;
        });

    // ---- values produced by the script's handlers -------------------------------------------
    const capture = (value: unknown): void => {
        const scope = currentScope() as Scope | undefined;
        if (scope !== undefined && scope.captured !== true) {
            scope.captured = true;
            scope.value = value;
        }
    };
    const setRead = orig("setPropertyReadHandler");
    t.setPropertyReadHandler = ((name: string, handler: WoT.PropertyReadHandler) =>
        setRead(name, async (opts?: WoT.InteractionOptions) => {
            const value = await handler(opts);
            capture(value);
            return value;
        })) as AnyFn;
    const setAction = orig("setActionHandler");
    t.setActionHandler = ((name: string, handler: WoT.ActionHandler) =>
        setAction(name, async (params: WoT.InteractionOutput, opts?: WoT.InteractionOptions) => {
            const value = await handler(params, opts);
            capture(value);
            return value;
        })) as AnyFn;

    // ---- properties -------------------------------------------------------------------------
    const readProperty = orig("handleReadProperty");
    t.handleReadProperty = (async (name: string, opts: Options) => {
        const ts = clock.now();
        const started = performance.now();
        const op = (currentScope() as Scope | undefined)?.multiOp ?? "readproperty";
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
        const op = (currentScope() as Scope | undefined)?.multiOp ?? "writeproperty";
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
