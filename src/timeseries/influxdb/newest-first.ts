import type { HistoryRecord, NormalizedHistoryQuery } from "../time-series-store";

/** The first suffix tried, back from the end of the range: one hour. */
const FIRST_SPAN_NS = 3_600_000_000_000n;
/** A suffix is widened to this much more than `limit` points by the density its answer showed, to absorb unevenness. */
const MARGIN = 1.25;
/** How much a suffix grows per try, at least and at most (an empty one grows by the most). */
const MIN_GROWTH = 2;
const MAX_GROWTH = 16;
/** Suffix hints kept (one per affordance, filter and limit), the oldest forgotten first. */
const MAX_HINTS = 1024;

/** Reads the newest `limit` points of [startNs, stopNs), newest first. */
export type ReadNewest = (startNs: bigint, stopNs: bigint) => Promise<HistoryRecord[]>;

/**
 * The newest `limit` points of a range without reading the whole range: `ORDER BY time DESC LIMIT n` costs in
 * proportion to the range it is given, not to `n` (the newest 1000 of a million points about 150 ms on 2.8, of
 * the last 16 hours of them 20-40 ms). The newest points of a suffix of the range are the newest of the whole
 * range once the suffix holds `limit` of them, and the answer proves it (it has `limit` rows). So:
 * - a hint first: where the answer of the same affordance, filters and limit began last time. New points only add
 *   to the suffix after it, so it holds enough again unless points were deleted; a short answer falls back to the
 *   search. A dashboard polling the newest points pays one statement over about `limit` points.
 * - otherwise suffixes back from the end of the range, one hour first, each widened by the density the previous
 *   one showed (MARGIN * limit points' worth) or sixteenfold when it held none, until one holds `limit` points or
 *   it is the whole range.
 */
export class NewestFirst {
    private readonly hints = new Map<string, bigint>();

    async rows(q: NormalizedHistoryQuery, read: ReadNewest): Promise<HistoryRecord[]> {
        const { startNs, stopNs, limit } = q;
        // per limit too: a hint proves only as many points as the answer it came from held
        const key = JSON.stringify([q.thing, q.kind, q.name, q.ops ?? null, q.okOnly === true, limit]);
        const hint = this.hints.get(key);
        if (hint !== undefined && hint > startNs && hint < stopNs) {
            const rows = await read(hint, stopNs); // points may have poured in since: LIMIT cuts
            if (rows.length >= limit) return this.remember(key, rows);
        }
        let span = FIRST_SPAN_NS;
        for (;;) {
            const from = stopNs - span > startNs ? stopNs - span : startNs;
            const rows = await read(from, stopNs);
            if (rows.length >= limit) return this.remember(key, rows);
            if (from === startNs) return rows;
            const growth = rows.length === 0 ? MAX_GROWTH : (MARGIN * limit) / rows.length;
            span = BigInt(Math.ceil(Number(span) * Math.min(MAX_GROWTH, Math.max(MIN_GROWTH, growth))));
        }
    }

    /** The oldest point of a full answer is where the next one of these points can begin. */
    private remember(key: string, rows: HistoryRecord[]): HistoryRecord[] {
        const oldest = BigInt(rows[rows.length - 1].timestampNs);
        this.hints.delete(key);
        this.hints.set(key, oldest);
        if (this.hints.size > MAX_HINTS) this.hints.delete(this.hints.keys().next().value!);
        return rows;
    }
}
