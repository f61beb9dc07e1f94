import { performance } from "node:perf_hooks";
import type { Content, ExposedThing } from "@node-wot/core";
import { clock } from "./clock";
import type { Operation } from "../model/interaction-record";
import { currentRequest, runInScope } from "../model/request-context";
import { conformsToSchema } from "../model/value-check";
import { RequestRefusedError } from "../model/refusal";
import { decodeInput, DecodedInput, failedWith } from "./decode-input";
import { answerAfter, noteRefusal, operationInScope, Scope } from "./handler-scope";
import type { HandlerOptions, MethodWrapper } from "./method-wrapper";

/** Property reads: the value the read handler produced, checked against the property's schema. */
export const recordingPropertyReads: MethodWrapper<"handleReadProperty"> = (readProperty, { thing, records }) => {
    const readsWait = records.readsWait;
    return async (name: string, opts: HandlerOptions): Promise<Content> => {
        const ts = clock.now();
        const started = performance.now();
        const op = operationInScope("readproperty");
        const scope: Scope = {};
        let content: Content;
        let committed: Promise<void> | undefined;
        try {
            if (readsWait) records.refuseWithoutCommit("property", name, op);
            content = await runInScope(scope, readProperty, name, opts);
            committed = records.record(ts, "property", name, op, started, {
                ok: true,
                value: scope.value,
                valid: conformsToSchema(thing.properties[name], scope.value),
                stale: scope.stale,
                wait: readsWait,
            });
        } catch (err) {
            noteRefusal(err);
            records.record(ts, "property", name, op, started, { ok: false, error: err });
            throw err;
        }
        if (committed !== undefined) await answerAfter(committed);
        return content;
    };
};

/** Property writes: the value written, refused before the handler runs if read-only, undecodable or invalid. */
export const recordingPropertyWrites: MethodWrapper<"handleWriteProperty"> = (writeProperty, { thing, records }) => {
    const ack = records.afterCommit;
    return async (name: string, content: Content, opts: HandlerOptions): Promise<void> => {
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
            if (ack !== undefined) records.refuseWithoutCommit("property", name, op);
            await runInScope({}, writeProperty, name, input.content, opts);
            committed = records.record(ts, "property", name, op, started, {
                ok: true,
                value: input.value,
                valid: true,
                wait: true,
            });
        } catch (err) {
            noteRefusal(err);
            records.record(ts, "property", name, op, started, failedWith(input, err));
            throw err;
        }
        if (committed !== undefined) await answerAfter(committed);
    };
};

type MultiPropertyMethod = "handleReadAllProperties" | "handleReadMultipleProperties" | "handleWriteMultipleProperties";

/**
 * Read-all, read-multiple and write-multiple. The originals call this.handleReadProperty /
 * handleWriteProperty once per property, which records each one; the scope only lends them the
 * operation's name (the protocol's, when it served writeallproperties through handleWriteMultipleProperties).
 */
export function inMultiPropertyScope<K extends MultiPropertyMethod>(multiOp: Operation): MethodWrapper<K> {
    return (original) => {
        const run = original as (...args: unknown[]) => unknown;
        return ((...args: unknown[]) => {
            const asked = currentRequest()?.operation;
            const op = asked === "writeallproperties" && multiOp === "writemultipleproperties" ? asked : multiOp;
            return runInScope({ multiOp: op }, run, ...args);
        }) as ExposedThing[K];
    };
}

/** A script's emitPropertyChange: the value its read handler produced for the observers. */
export const recordingPropertyChanges: MethodWrapper<"emitPropertyChange"> =
    (emitPropertyChange, { thing, records }) =>
    async (name: string): Promise<void> => {
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
    };
