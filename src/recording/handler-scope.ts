import type { Operation } from "../model/interaction-record";
import { currentRequest, currentScope } from "../model/request-context";
import { refusalOf } from "../model/refusal";

/** State of one interaction while its handler runs (async context, see request-context): the handler wrappers fill `value`. */
export interface Scope {
    /** set by read-all / read-multiple / write-multiple so the inner per-property records carry it */
    multiOp?: Operation;
    captured?: boolean;
    value?: unknown;
    stale?: boolean;
}

/** The operation of the property read or write running now: the multi-property one it is part of, if any. */
export function operationInScope(single: Operation): Operation {
    return (currentScope() as Scope | undefined)?.multiOp ?? single;
}

/** Keeps the first value a script's handler produced, for the record of the interaction that called it. */
export function captureValue(value: unknown): void {
    const scope = currentScope() as Scope | undefined;
    if (scope !== undefined && scope.captured !== true) {
        scope.captured = true;
        scope.value = value;
    }
}

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
export function noteRefusal(err: unknown): void {
    const refusal = refusalOf(err);
    const request = currentRequest();
    if (refusal !== undefined && request !== undefined) request.refusal = refusal;
}

/** The answer waits for the commit; a failed commit is answered with its refusal. */
export function answerAfter(committed: Promise<void>): Promise<void> {
    return committed.catch((err: unknown) => {
        noteRefusal(err);
        throw err;
    });
}
