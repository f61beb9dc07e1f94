import type { QueryApi } from "@influxdata/influxdb-client";
import type { NormalizedHistoryQuery } from "../time-series-store";
import { historyQuery, rfc3339ToNs, validFieldQuery } from "./flux-queries";
import type { FluxRow } from "./influxdb-api";

/** The first suffix counted back from the newest point: one hour. */
const FIRST_SPAN_NS = 3_600_000_000_000n;
/** A suffix is asked for this much more than `limit` points by the density counted, to absorb its unevenness. */
const MARGIN = 1.25;
/** Suffix hints kept (one per affordance, filter and limit), the oldest forgotten first. */
const MAX_HINTS = 1024;

/**
 * The newest `limit` points of a range without reading the whole range: InfluxDB does not push
 * `tail` down to storage, so the newest 1000 of a million points read all million (about 400 ms);
 * reading and pivoting even one day of them costs 50-150 ms. The newest points of a suffix of the
 * range are the newest of the whole range once the suffix holds `limit` of them, and a raw answer
 * proves it (it has `limit` rows). So:
 * - a hint first: where the answer of the same affordance, filters and limit began last time. New points
 *   only add to the suffix after it, so it holds enough again unless points were deleted; the
 *   answer checks that, and a short one falls back to the search. A dashboard polling the newest
 *   points pays one raw query over `limit` points.
 * - otherwise a search by counts (pushed down to storage, about 8 ms): the newest point's time,
 *   then suffixes back from it, widened by the density counted until one holds `limit` points,
 *   narrowed to about MARGIN * limit of them, then read raw.
 */
export class NewestFirst {
    private readonly hints = new Map<string, bigint>();

    constructor(private readonly queryApi: QueryApi) {}

    async rows(bucket: string, q: NormalizedHistoryQuery): Promise<FluxRow[]> {
        const { startNs, stopNs } = q;
        // per limit too: a hint proves only as many points as the answer it came from held
        const key = JSON.stringify([bucket, q.thing, q.kind, q.name, q.ops ?? null, q.okOnly === true, q.limit]);
        const hint = this.hints.get(key);
        if (hint !== undefined && hint > startNs && hint < stopNs) {
            const rows = await this.raw(bucket, q, hint, stopNs); // points may have poured in since: cut
            if (rows.length >= q.limit) return this.remember(key, rows);
        }
        const [newest] = await this.queryApi.collectRows<FluxRow>(
            validFieldQuery(bucket, q, startNs, stopNs, "newest")
        );
        if (newest === undefined) return [];
        const end = rfc3339ToNs(String(newest._time)) + 1n;
        let span = FIRST_SPAN_NS;
        let from: bigint;
        let count: number;
        for (;;) {
            from = end - span > startNs ? end - span : startNs;
            count = await this.count(bucket, q, from, end);
            if (count >= q.limit || from === startNs) break;
            const factor = count === 0 ? 16 : Math.max(4, (MARGIN * q.limit) / count);
            span = BigInt(Math.ceil(Math.min(Number(span) * factor, 1e19)));
        }
        if (count >= MARGIN * 2 * q.limit) {
            // far more than needed: a suffix sized by the density counted, checked by its answer
            const narrow = end - BigInt(Math.ceil((Number(end - from) * MARGIN * q.limit) / count));
            if (narrow > from) {
                const rows = await this.raw(bucket, q, narrow, stopNs, true);
                if (rows.length >= q.limit) return this.remember(key, rows);
            }
        }
        const rows = await this.raw(bucket, q, from, stopNs);
        return rows.length >= q.limit ? this.remember(key, rows) : rows;
    }

    /** `small`: the range is known to hold about `limit` points (a narrowed suffix). */
    private raw(bucket: string, q: NormalizedHistoryQuery, startNs: bigint, stopNs: bigint, small = false) {
        const range = { ...q, startNs, stopNs };
        return this.queryApi.collectRows<FluxRow>(historyQuery(bucket, range, small));
    }

    private async count(bucket: string, q: NormalizedHistoryQuery, startNs: bigint, stopNs: bigint): Promise<number> {
        const [row] = await this.queryApi.collectRows<FluxRow>(validFieldQuery(bucket, q, startNs, stopNs, "count"));
        return row === undefined ? 0 : Number(row._value);
    }

    /** The oldest point of a full answer is where the next one of these points can begin. */
    private remember(key: string, rows: FluxRow[]): FluxRow[] {
        const oldest = rfc3339ToNs(String(rows[rows.length - 1]._time));
        this.hints.delete(key);
        this.hints.set(key, oldest);
        if (this.hints.size > MAX_HINTS) this.hints.delete(this.hints.keys().next().value!);
        return rows;
    }
}
