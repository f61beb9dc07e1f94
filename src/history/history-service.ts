import crypto from "node:crypto";
import type { AffordanceKind } from "../model/interaction-record";
import { RequestRefusedError } from "../model/refusal";
import { formatDuration } from "../model/duration";
import {
    InvalidHistoryQueryError,
    MAX_HISTORY_PAGE,
    MAX_HISTORY_WINDOWS,
    normalizeHistoryQuery,
} from "./history-query";
import type {
    AggregateRow,
    HistoryRecord,
    NormalizedHistoryQuery,
    TimeSeriesStore,
} from "../timeseries/time-series-store";
import { GapWindow, HistoryFormat, HistoryPage, HistoryReply, renderHistory, WindowsPage } from "./history-formats";
import type { GapLookup, GapReason, HistoryGap } from "./history-gaps";
import type { HistoryParams } from "./history-params";

interface Cursor {
    /** digest of the query the cursor belongs to */
    q: Buffer;
    /** timestampNs of the last point given */
    after: bigint;
    /** the range's end, pinned by the first page so later pages do not grow with new points */
    stop: bigint;
}

/** Seconds a client is told to wait before asking again while the store cannot answer. */
const STORE_RETRY_S = 5;

const refuse = (message: string): RequestRefusedError => new RequestRefusedError("bad-request", message);

/**
 * Answers history requests from the time-series store, for every protocol alike. Raw points are
 * paged with a cursor: the last point's timestamp (unique and increasing per VO) and the range's
 * end as the first page saw it, so pages neither repeat nor miss a point while new ones arrive.
 * With a gap lookup, answers also say where the history is empty and why (vo-down, device-lost).
 */
export class HistoryService {
    constructor(
        private readonly store: TimeSeriesStore,
        private readonly gapLookup?: GapLookup
    ) {}

    /** The answer of a history resource, in the format asked for: the page, written as JSON or CSV. */
    async answer(
        thing: string,
        kind: AffordanceKind,
        name: string,
        params: HistoryParams,
        format: HistoryFormat
    ): Promise<HistoryReply> {
        return renderHistory(await this.page(thing, kind, name, params), format);
    }

    /** A page of raw points, or the windows of an aggregate, as data (the VO Thing's action gives it as JSON). */
    async page(thing: string, kind: AffordanceKind, name: string, params: HistoryParams): Promise<HistoryPage> {
        const base = this.normalize(thing, kind, name, params);
        if (params.aggregate !== undefined) {
            if (params.cursor !== undefined)
                throw refuse("cursor: aggregates are not paged; narrow from and to instead");
            return this.windows(base, String(params.aggregate.every));
        }
        const digest = digestOf(base, params);
        const q = { ...base, limit: base.limit + 1 }; // one more tells whether a next page exists
        const newest = base.order === "newest";
        if (params.cursor !== undefined) {
            const c = decodeCursor(params.cursor, digest);
            if (newest) q.stopNs = c.after;
            else {
                q.startNs = c.after + 1n;
                q.stopNs = c.stop;
            }
        }
        const rows = q.startNs < q.stopNs ? ((await this.query(q)) as HistoryRecord[]) : [];
        const items = rows.slice(0, base.limit);
        const lastNs = rows.length > base.limit ? BigInt(items[items.length - 1].timestampNs) : undefined;
        const next = lastNs === undefined ? undefined : encodeCursor({ q: digest, after: lastNs, stop: q.stopNs });
        const gaps = await this.gapsOf(thing, q.startNs, q.stopNs);
        // each gap on one page over all pages: the page whose span holds its start (or the range's start)
        const lower = newest ? (lastNs ?? q.startNs) : q.startNs;
        const upper = newest ? q.stopNs : lastNs === undefined ? q.stopNs : lastNs + 1n;
        const upperMs = Number((upper + 999_999n) / 1_000_000n);
        const gapsOnPage = gaps
            .filter((g) => {
                const at = BigInt(g.from.getTime()) * 1_000_000n;
                const position = at > base.startNs ? at : base.startNs;
                return position >= lower && position < upper;
            })
            .map((g) => (g.open && g.to.getTime() > upperMs ? { ...g, to: new Date(upperMs) } : g));
        const range = { thing, kind, name, from: nsToDate(q.startNs), to: nsToDate(q.stopNs) };
        return { ...range, order: base.order, items, gaps, gapsOnPage, ...(next === undefined ? {} : { next }) };
    }

    private async gapsOf(thing: string, startNs: bigint, stopNs: bigint): Promise<HistoryGap[]> {
        if (this.gapLookup === undefined || startNs >= stopNs) return [];
        return this.gapLookup.gaps(thing, Number(startNs / 1_000_000n), Number((stopNs + 999_999n) / 1_000_000n));
    }

    /**
     * The store's answer; a store that cannot answer (InfluxDB down, the database failing) is the
     * VO's passing trouble, not the client's: refused as unavailable (503 / 5.03) with a retry hint.
     */
    private async query(q: NormalizedHistoryQuery): Promise<HistoryRecord[] | AggregateRow[]> {
        try {
            return await this.store.history(q);
        } catch (err) {
            if (err instanceof RequestRefusedError || err instanceof InvalidHistoryQueryError) throw err;
            const why = (err as Error).message.split("\n")[0];
            throw new RequestRefusedError(
                "unavailable",
                `the time-series store cannot answer now: ${why}`,
                STORE_RETRY_S
            );
        }
    }

    /** The query checked as a script's is, under a page's bound; what is wrong is the client's (400 / 4.00). */
    private normalize(thing: string, kind: AffordanceKind, name: string, p: HistoryParams): NormalizedHistoryQuery {
        try {
            return normalizeHistoryQuery({ ...p, thing, kind, name }, { maxLimit: MAX_HISTORY_PAGE });
        } catch (err) {
            throw err instanceof InvalidHistoryQueryError ? refuse(err.message) : err;
        }
    }

    /**
     * The windows of an aggregate. Over a range whose raw points are gone they come from the statistics kept
     * after them, whole buckets each: `every` is widened to a multiple of their width if it is not one, and
     * the answer says so (`resolution`, `every`).
     */
    private async windows(asked: NormalizedHistoryQuery, askedEvery: string): Promise<WindowsPage> {
        const { resolution, widthNs } = (await this.store.resolution?.(asked)) ?? { resolution: "raw" as const };
        let q = asked;
        let every = askedEvery;
        if (widthNs !== undefined && asked.aggregate!.everyNs % widthNs !== 0n) {
            const everyNs = ((asked.aggregate!.everyNs + widthNs - 1n) / widthNs) * widthNs;
            q = { ...asked, aggregate: { ...asked.aggregate!, everyNs } };
            every = formatDuration(everyNs);
        }
        const everyNs = q.aggregate!.everyNs;
        const first = (q.startNs / everyNs) * everyNs; // windows are aligned to the epoch
        const count = (q.stopNs - first + everyNs - 1n) / everyNs;
        if (count > BigInt(MAX_HISTORY_WINDOWS)) {
            throw refuse(
                `every: ${count} windows from ${nsToIso(q.startNs)} to ${nsToIso(q.stopNs)}, more than ${MAX_HISTORY_WINDOWS}; give a later from, an earlier to or a longer every`
            );
        }
        const rows = (await this.query({ ...q, limit: MAX_HISTORY_WINDOWS })) as AggregateRow[];
        const windows = withGaps(rows, await this.gapsOf(q.thing, q.startNs, q.stopNs), q, first, count);
        const range = { thing: q.thing, kind: q.kind, name: q.name, from: nsToDate(q.startNs), to: nsToDate(q.stopNs) };
        return { ...range, every, fn: q.aggregate!.fn, resolution, windows };
    }
}

/**
 * The store's windows, each marked with the gap it overlaps, and in place of every window that
 * holds no data but overlaps a gap one with value null: an empty window with no gap stays absent.
 * Where gaps of both reasons overlap a window, vo-down is named (nothing at all was recorded).
 */
function withGaps(
    rows: readonly AggregateRow[],
    gaps: readonly HistoryGap[],
    q: NormalizedHistoryQuery,
    first: bigint,
    count: bigint
): GapWindow[] {
    if (gaps.length === 0) return rows.map((r) => ({ time: r.time, value: r.value }));
    const everyNs = q.aggregate!.everyNs;
    const clip = (ns: bigint): number =>
        Number((ns < q.startNs ? q.startNs : ns > q.stopNs ? q.stopNs : ns) / 1_000_000n);
    const gapOver = (index: bigint): GapReason | undefined => {
        const from = clip(first + index * everyNs);
        const to = clip(first + (index + 1n) * everyNs);
        const over = gaps.filter((g) => g.from.getTime() < to && g.to.getTime() > from);
        return over.find((g) => g.reason === "vo-down")?.reason ?? over[0]?.reason;
    };
    // InfluxDB gives the first window the range's start as its time: place rows by index, not by time
    const byIndex = new Map<bigint, AggregateRow>();
    for (const r of rows) byIndex.set((BigInt(r.time.getTime()) * 1_000_000n - first) / everyNs, r);
    const out: GapWindow[] = [];
    for (let i = 0n; i < count; i++) {
        const row = byIndex.get(i);
        const gap = gapOver(i);
        const time = row?.time ?? new Date(Number((first + i * everyNs) / 1_000_000n));
        if (row !== undefined) out.push({ time, value: row.value, ...(gap === undefined ? {} : { gap }) });
        else if (gap !== undefined) out.push({ time, value: null, gap });
    }
    // a row outside the aligned windows (none expected) is kept as the store gave it, never dropped
    const stray = [...byIndex].filter(([i]) => i < 0n || i >= count).map(([, r]) => ({ time: r.time, value: r.value }));
    if (stray.length > 0) {
        out.push(...stray);
        out.sort((a, b) => a.time.getTime() - b.time.getTime());
    }
    return q.order === "newest" ? out.reverse() : out;
}

const nsToDate = (ns: bigint): Date => new Date(Number(ns / 1_000_000n));
const nsToIso = (ns: bigint): string => nsToDate(ns).toISOString();

/** Bytes of a query's digest in a cursor: binds the cursor to its query, not a secret. */
const DIGEST_BYTES = 6;
const CURSOR_VERSION = 1;
/** version, digest, after and stop (uint64 each), a check of the bytes before it */
const CURSOR_BYTES = 1 + DIGEST_BYTES + 8 + 8 + 2;
const UNPARSABLE = "cursor: does not parse (use the cursor of the previous page as it was given)";

/** The digest of what a cursor must keep: the affordance, the bounds as the client wrote them, order and filters. */
function digestOf(q: NormalizedHistoryQuery, p: HistoryParams): Buffer {
    const filters = [p.ops ?? null, p.okOnly ?? false];
    const canonical = JSON.stringify([q.thing, q.kind, q.name, p.from ?? null, p.to ?? null, q.order, ...filters]);
    return crypto.createHash("sha256").update(canonical).digest().subarray(0, DIGEST_BYTES);
}

const checkOf = (bytes: Buffer): Buffer => crypto.createHash("sha256").update(bytes).digest().subarray(0, 2);

/**
 * A cursor in 34 characters: its fields in binary, base64url. libcoap's coap-client 4.3.1 drops a Uri-Query
 * option past about 100 bytes and silently asks for the first page again, which a JSON cursor (112
 * characters) was; the check tells a garbled cursor from one of another query.
 */
function encodeCursor(c: Cursor): string {
    const bytes = Buffer.alloc(CURSOR_BYTES);
    bytes.writeUInt8(CURSOR_VERSION, 0);
    c.q.copy(bytes, 1);
    bytes.writeBigUInt64BE(c.after, 1 + DIGEST_BYTES);
    bytes.writeBigUInt64BE(c.stop, 9 + DIGEST_BYTES);
    checkOf(bytes.subarray(0, CURSOR_BYTES - 2)).copy(bytes, CURSOR_BYTES - 2);
    return bytes.toString("base64url");
}

function decodeCursor(text: string, digest: Buffer): Cursor {
    const bytes = /^[\w-]+$/.test(text) ? Buffer.from(text, "base64url") : Buffer.alloc(0);
    const body = bytes.subarray(0, CURSOR_BYTES - 2);
    if (
        bytes.length !== CURSOR_BYTES ||
        bytes[0] !== CURSOR_VERSION ||
        !checkOf(body).equals(bytes.subarray(CURSOR_BYTES - 2))
    ) {
        throw refuse(UNPARSABLE);
    }
    const q = bytes.subarray(1, 1 + DIGEST_BYTES);
    if (!q.equals(digest)) throw refuse("cursor: belongs to another query (same from, to and order as its first page)");
    return {
        q,
        after: bytes.readBigUInt64BE(1 + DIGEST_BYTES),
        stop: bytes.readBigUInt64BE(9 + DIGEST_BYTES),
    };
}
