import type { InteractionRecord } from "../model/interaction-record";

/** The outcomes an interaction is counted under, in the order of `TallyEntry.outcomes`. */
export const OUTCOMES = ["ok", "refused", "error"] as const;

/** The interactions of one protocol and affordance kind. */
export interface TallyEntry {
    protocol: string;
    kind: string;
    /** counts by outcome, in OUTCOMES order */
    outcomes: number[];
    /** handler times, seconds: counts per bucket of `bounds` (not cumulative), the last past the largest bound */
    buckets: number[];
    sum: number;
    count: number;
}

/**
 * Interactions counted as their records go by: a map lookup and a few increments per record, no
 * allocation once a protocol and kind were seen (prom-client's own Histogram.observe hashes its labels
 * and allocates on every call, about 20 times the cost). Read by the metrics at each scrape.
 */
export class InteractionTally {
    readonly entries: TallyEntry[] = [];
    private readonly index = new Map<string, Map<string, TallyEntry>>();

    /** `bounds`: the upper bounds of the duration buckets, seconds, ascending */
    constructor(readonly bounds: readonly number[]) {}

    readonly add = (record: InteractionRecord): void => {
        const entry = this.entryOf(record.protocol, record.kind);
        entry.outcomes[record.ok ? 0 : record.refusal === undefined ? 2 : 1]++;
        // handler times of requests a protocol carried; the VO's own emissions have none
        if (record.durationMs === undefined || record.protocol === "local") return;
        const seconds = record.durationMs / 1000;
        let i = 0;
        while (i < this.bounds.length && seconds > this.bounds[i]) i++;
        entry.buckets[i]++;
        entry.sum += seconds;
        entry.count++;
    };

    private entryOf(protocol: string, kind: string): TallyEntry {
        let kinds = this.index.get(protocol);
        if (kinds === undefined) this.index.set(protocol, (kinds = new Map()));
        let entry = kinds.get(kind);
        if (entry === undefined) {
            entry = {
                protocol,
                kind,
                outcomes: [0, 0, 0],
                buckets: this.bounds.map(() => 0).concat(0),
                sum: 0,
                count: 0,
            };
            kinds.set(kind, entry);
            this.entries.push(entry);
        }
        return entry;
    }
}
