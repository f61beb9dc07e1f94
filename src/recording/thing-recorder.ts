import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { Content, ContentSerdes, ExposedThing } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import { clock } from "./clock";
import type { AffordanceKind, InteractionRecord, Operation } from "./interaction-record";
import { currentRequest, currentScope, runInScope } from "./request-context";
import { endObservationOnClose, markObservationEnded } from "../bindings/http-observe-close";
import { conformsToSchema, LimitedValue, limitValue } from "./value-check";
import { createLogger } from "../log";

const { debug } = createLogger("recording:thing-recorder");

export interface RecorderOptions {
    /** values larger than this (bytes of JSON) are recorded cut and flagged `truncated` */
    maxValueBytes: number;
    /** told of every subscription that starts or ends (observers are kept from these) */
    onSubscription?: (change: SubscriptionChange) => void;
}

/** An observe / subscribe that took effect, or its end; `listener` pairs the two. */
export interface SubscriptionChange {
    thing: string;
    kind: AffordanceKind;
    name: string;
    op: Operation;
    active: boolean;
    listener: unknown;
    protocol: string;
    origin?: string;
}

export type RecordSink = (record: InteractionRecord) => void;

/** State of one interaction while its handler runs (async context, see request-context): the handler wrappers fill `value`. */
interface Scope {
    /** set by read-all / read-multiple / write-multiple so the inner per-property records carry it */
    multiOp?: Operation;
    captured?: boolean;
    value?: unknown;
    stale?: boolean;
}

const instrumented = new WeakSet<object>();
const NO_VALUE: LimitedValue = { value: undefined, truncated: false };

/**
 * Called by a read handler that answers from the last recorded value instead of the device
 * (a proxy whose device is lost): the record of this read is marked stale.
 */
export function markStale(): void {
    const scope = currentScope() as Scope | undefined;
    if (scope !== undefined) scope.stale = true;
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

    const emit = (
        ts: bigint,
        kind: AffordanceKind,
        name: string,
        op: Operation,
        started: number | undefined,
        fields: { ok: boolean; value?: unknown; output?: unknown; error?: unknown; valid?: boolean; stale?: boolean }
    ): void => {
        try {
            const req = currentRequest();
            const value = limitValue(fields.value, options.maxValueBytes);
            const output = fields.output === undefined ? NO_VALUE : limitValue(fields.output, options.maxValueBytes);
            const record: InteractionRecord = {
                ts,
                thing: thing.id,
                kind,
                name,
                op,
                protocol: req?.protocol ?? "local",
                origin: req?.origin,
                ok: fields.ok,
                value: value.value,
                output: output.value,
                error: fields.error === undefined ? undefined : errorText(fields.error),
                durationMs: started === undefined ? undefined : performance.now() - started,
                valid: fields.valid ?? true,
                truncated: value.truncated || output.truncated,
            };
            if (fields.stale === true) record.stale = true;
            sink(record);
        } catch (err) {
            debug("could not record %s %s/%s: %s", op, thing.id, name, (err as Error).message);
        }
    };

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
        try {
            const content = await runInScope(scope, readProperty, name, opts);
            emit(ts, "property", name, op, started, {
                ok: true,
                value: scope.value,
                valid: conformsToSchema(thing.properties[name], scope.value),
                stale: scope.stale,
            });
            return content;
        } catch (err) {
            emit(ts, "property", name, op, started, { ok: false, error: err });
            throw err;
        }
    }) as AnyFn;

    const writeProperty = orig("handleWriteProperty");
    t.handleWriteProperty = (async (name: string, content: Content, opts: Options) => {
        const ts = clock.now();
        const started = performance.now();
        const op = (currentScope() as Scope | undefined)?.multiOp ?? "writeproperty";
        const input = await decodeInput(content, thing.properties[name]);
        try {
            await runInScope({}, writeProperty, name, input.content, opts);
            emit(ts, "property", name, op, started, { ok: true, value: input.value, valid: input.valid });
        } catch (err) {
            emit(ts, "property", name, op, started, {
                ok: false,
                value: input.value,
                valid: input.valid,
                error: err,
            });
            throw err;
        }
    }) as AnyFn;

    for (const [method, multiOp] of [
        ["handleReadAllProperties", "readallproperties"],
        ["handleReadMultipleProperties", "readmultipleproperties"],
        ["handleWriteMultipleProperties", "writemultipleproperties"],
    ] as const) {
        const original = orig(method) as unknown as AnyFn;
        // The originals call this.handleReadProperty / handleWriteProperty once per property,
        // which records each one; the scope only lends them the operation's name.
        t[method] = ((...args: never[]) => runInScope({ multiOp }, original, ...args)) as AnyFn;
    }

    const emitPropertyChange = orig("emitPropertyChange");
    t.emitPropertyChange = (async (name: string) => {
        const ts = clock.now();
        const scope: Scope = {};
        try {
            await runInScope(scope, emitPropertyChange, name);
            emit(ts, "property", name, "propertychange", undefined, {
                ok: true,
                value: scope.value,
                valid: conformsToSchema(thing.properties[name], scope.value),
            });
        } catch (err) {
            emit(ts, "property", name, "propertychange", undefined, { ok: false, error: err });
            throw err;
        }
    }) as AnyFn;

    // ---- actions ----------------------------------------------------------------------------
    const invokeAction = orig("handleInvokeAction");
    t.handleInvokeAction = (async (name: string, content: Content, opts: Options) => {
        const ts = clock.now();
        const started = performance.now();
        const schema = thing.actions[name]?.input as object | undefined;
        const input = await decodeInput(content, schema);
        const scope: Scope = {};
        try {
            const result = await runInScope(scope, invokeAction, name, input.content, opts);
            const outputSchema = thing.actions[name]?.output as object | undefined;
            emit(ts, "action", name, "invokeaction", started, {
                ok: true,
                value: input.value,
                output: scope.value,
                valid: input.valid && (scope.value === undefined || conformsToSchema(outputSchema, scope.value)),
            });
            return result;
        } catch (err) {
            emit(ts, "action", name, "invokeaction", started, {
                ok: false,
                value: input.value,
                valid: input.valid,
                error: err,
            });
            throw err;
        }
    }) as AnyFn;

    // ---- events -----------------------------------------------------------------------------
    const emitEvent = orig("emitEvent");
    t.emitEvent = ((name: string, data: WoT.InteractionInput) => {
        const ts = clock.now();
        const value = isStream(data) ? undefined : data;
        try {
            emitEvent(name, data);
        } catch (err) {
            emit(ts, "event", name, "emitevent", undefined, { ok: false, value, error: err });
            throw err;
        }
        emit(ts, "event", name, "emitevent", undefined, {
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
                endObservationOnClose(req?.onClose, listener, () =>
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
                emit(ts, kind, name, op, undefined, { ok: false, error: err });
                throw err;
            }
            if (result instanceof Promise) {
                return result.then(
                    (v) => {
                        emit(ts, kind, name, op, undefined, { ok: true });
                        tell(name, rest[0]);
                        return v;
                    },
                    (err) => {
                        emit(ts, kind, name, op, undefined, { ok: false, error: err });
                        throw err;
                    }
                );
            }
            emit(ts, kind, name, op, undefined, { ok: true });
            tell(name, rest[0]);
            return result;
        }) as AnyFn;
    }
}

interface DecodedInput {
    /** a fresh Content carrying the same bytes, for the original handler */
    content: Content;
    value: unknown;
    valid: boolean;
}

/**
 * Reads the request body once, decodes it by its content type and checks it against the
 * schema; the handler gets the same bytes in a new stream. A body that cannot be decoded is
 * kept as text and flagged invalid, so the record exists even when the handler refuses it.
 */
async function decodeInput(content: Content | undefined, schema: object | undefined): Promise<DecodedInput> {
    if (content === undefined || content === null || typeof content.toBuffer !== "function") {
        return { content: content as Content, value: undefined, valid: true };
    }
    const body = await content.toBuffer();
    const replay = new Content(content.type, replayStream(body));
    if (body.length === 0) return { content: replay, value: undefined, valid: true };
    try {
        const value = ContentSerdes.get().contentToValue({ type: content.type, body }, (schema ?? {}) as never);
        return { content: replay, value, valid: conformsToSchema(schema, value) };
    } catch {
        return { content: replay, value: body.toString("utf8"), valid: false };
    }
}

/** The bytes again as a byte stream; cheaper than Readable.from([body]), which iterates in object mode. */
function replayStream(body: Buffer): Readable {
    return new Readable({
        read() {
            this.push(body);
            this.push(null);
        },
    });
}

function isStream(data: unknown): boolean {
    return (
        data !== null &&
        typeof data === "object" &&
        (typeof (data as { getReader?: unknown }).getReader === "function" ||
            typeof (data as { pipe?: unknown }).pipe === "function")
    );
}

function errorText(err: unknown): string {
    const text = err instanceof Error ? err.message : String(err);
    return text.length > 2000 ? `${text.slice(0, 2000)}...` : text;
}
