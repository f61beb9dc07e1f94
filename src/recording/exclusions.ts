import type { AffordanceKind, Operation, RecordingExclusion } from "../model/interaction-record";

/** Whether an interaction with one Thing is left out: its kind, affordance name and operation. */
export type ExclusionTest = (kind: AffordanceKind, name: string, op: Operation) => boolean;

interface Rule {
    thing?: string;
    kind?: AffordanceKind;
    name?: string;
    ops?: ReadonlySet<Operation>;
}

/**
 * The interactions an operator leaves out of the recording (`recording.exclude`), tested before a record
 * is made: a left-out interaction costs no record, no queue slot and no store write, and is answered as ever.
 */
export class Exclusions {
    private readonly rules: Rule[];

    constructor(rules: readonly RecordingExclusion[]) {
        this.rules = rules.map((r) => ({ ...r, ops: r.ops === undefined ? undefined : new Set(r.ops) }));
    }

    /** The test of the Thing `id`'s interactions, or undefined when no rule can leave one out (nothing to test). */
    forThing(id: string): ExclusionTest | undefined {
        const rules = this.rules.filter((r) => r.thing === undefined || r.thing === id);
        if (rules.length === 0) return undefined;
        return (kind, name, op) =>
            rules.some(
                (r) =>
                    (r.kind === undefined || r.kind === kind) &&
                    (r.name === undefined || r.name === name) &&
                    (r.ops === undefined || r.ops.has(op))
            );
    }

    excludes(thing: string, kind: AffordanceKind, name: string, op: Operation): boolean {
        return this.forThing(thing)?.(kind, name, op) === true;
    }
}

/** Exclusions of these rules, or undefined when there are none (the recorder then tests nothing). */
export function exclusionsOf(rules: readonly RecordingExclusion[]): Exclusions | undefined {
    return rules.length === 0 ? undefined : new Exclusions(rules);
}
