import { performance } from "node:perf_hooks";
import type { ExposedThing } from "@node-wot/core";
import { clock } from "./clock";
import type { AffordanceKind, InteractionRecord, Operation } from "../model/interaction-record";
import { currentRequest } from "../model/request-context";
import { LimitedValue, limitValue } from "../model/value-check";
import { refusalOf } from "../model/refusal";
import type { ProtocolRefusal } from "../protocols/protocol-face";
import type { AfterCommit, RecordSink } from "./recorder-options";
import type { ExclusionTest, Exclusions } from "./exclusions";
import { createLogger } from "../log";

const { debug } = createLogger("recording:record-builder");

const NO_VALUE: LimitedValue = { value: undefined, truncated: false };

/** What a wrapper saw of one interaction, besides which one it was and when. */
export interface Outcome {
    ok: boolean;
    value?: unknown;
    output?: unknown;
    error?: unknown;
    valid?: boolean;
    stale?: boolean;
    /** in after-commit mode, the answer waits for this record's commit */
    wait?: boolean;
}

/**
 * Makes the InteractionRecord of an interaction with one ExposedThing from what its wrapper saw,
 * and hands it to the sink, or, in after-commit mode, to the commit the answer waits for.
 */
export class RecordBuilder {
    /** reads wait for their commit too */
    readonly readsWait: boolean;
    /** the exclusions' test of this Thing, made for the id it had (node-wot gives one to a Thing without at addThing) */
    private excludedFor: { id: string; test: ExclusionTest | undefined } | undefined;

    constructor(
        private readonly thing: ExposedThing,
        private readonly sink: RecordSink,
        private readonly maxValueBytes: number,
        readonly afterCommit: AfterCommit | undefined,
        private readonly exclusions?: Exclusions
    ) {
        this.readsWait = afterCommit?.reads === true;
    }

    /** Whether `recording.exclude` leaves this interaction out: then nothing of it is recorded, or waited for. */
    excluded(kind: AffordanceKind, name: string, op: Operation): boolean {
        if (this.exclusions === undefined) return false;
        const id = this.thing.id;
        if (this.excludedFor?.id !== id) this.excludedFor = { id, test: this.exclusions.forThing(id) };
        return this.excludedFor.test?.(kind, name, op) === true;
    }

    /**
     * Before a handler runs, in after-commit mode: refuses the interaction if its record cannot be committed
     * (one left out of the recording has none to wait for).
     */
    refuseWithoutCommit(kind: AffordanceKind, name: string, op: Operation): void {
        const refusal = this.afterCommit?.unavailable();
        if (refusal !== undefined && !this.excluded(kind, name, op)) throw refusal;
    }

    /** Records (never throws); with `wait` in after-commit mode, returns the commit to wait for. */
    record(
        ts: bigint,
        kind: AffordanceKind,
        name: string,
        op: Operation,
        started: number | undefined,
        fields: Outcome
    ): Promise<void> | undefined {
        if (this.excluded(kind, name, op)) return undefined;
        try {
            const req = currentRequest();
            const value = limitValue(fields.value, this.maxValueBytes);
            const output = fields.output === undefined ? NO_VALUE : limitValue(fields.output, this.maxValueBytes);
            const record: InteractionRecord = {
                ts,
                thing: this.thing.id,
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
            const refusal = refusalOf(fields.error);
            if (refusal !== undefined) record.refusal = refusal.reason;
            if (fields.wait === true && this.afterCommit !== undefined) return this.afterCommit.commit(record);
            this.sink(record);
        } catch (err) {
            debug("could not record %s %s/%s: %s", op, this.thing.id, name, (err as Error).message);
        }
        return undefined;
    }
}

/**
 * Records a request the protocol refused before any handler ran (a write to a read-only property
 * over a binding that checks that itself, a body over the size bound): a refused interaction is
 * an interaction.
 */
export function recordRefusal(
    refusal: ProtocolRefusal,
    sink: RecordSink,
    maxValueBytes: number,
    exclusions?: Exclusions
): void {
    if (exclusions?.excludes(refusal.thing, refusal.kind, refusal.name, refusal.op) === true) return;
    try {
        const value = limitValue(refusal.value, maxValueBytes);
        sink({
            ts: clock.now(),
            thing: refusal.thing,
            kind: refusal.kind,
            name: refusal.name,
            op: refusal.op,
            protocol: refusal.protocol,
            origin: refusal.origin,
            ok: false,
            value: value.value,
            error: errorText(refusal.error),
            durationMs: 0,
            valid: refusal.valid ?? true,
            truncated: value.truncated,
            refusal: refusal.error.reason,
        });
    } catch (err) {
        debug("could not record a refusal of %s/%s: %s", refusal.thing, refusal.name, (err as Error).message);
    }
}

function errorText(err: unknown): string {
    const text = err instanceof Error ? err.message : String(err);
    return text.length > 2000 ? `${text.slice(0, 2000)}...` : text;
}
