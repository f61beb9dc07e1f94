import type { AffordanceKind } from "../model/interaction-record";
import type { AggregateFn, HistoryRecord, Resolution } from "../timeseries/time-series-store";
import type { GapReason, HistoryGap } from "./history-gaps";

export type HistoryFormat = "json" | "csv";

/** What a protocol needs to answer: the body in the format asked for, and the cursor of the next page. */
export interface HistoryReply {
    contentType: "application/json" | "text/csv";
    body: string;
    next?: string;
}

/** The affordance and the range a page covers (after its cursor: from the point past the previous page). */
interface PageRange {
    thing: string;
    kind: AffordanceKind;
    name: string;
    from: Date;
    to: Date;
}

/** A page of raw points as data. */
export interface PointsPage extends PageRange {
    order: "oldest" | "newest";
    items: HistoryRecord[];
    /** the gaps overlapping the range */
    gaps: HistoryGap[];
    /** the gaps whose start is in this page's span: over all pages, each gap once (CSV rows) */
    gapsOnPage: HistoryGap[];
    /** the cursor of the next page, when there is one */
    next?: string;
}

/** The windows of an aggregate as data. */
export interface WindowsPage extends PageRange {
    every: string;
    /** where the windows come from: the raw points, or statistics kept after them ("5m", "1h") */
    resolution: Resolution;
    fn: AggregateFn;
    windows: GapWindow[];
}

export type HistoryPage = PointsPage | WindowsPage;

const POINT_COLUMNS = [
    "time",
    "timestampNs",
    "op",
    "protocol",
    "origin",
    "ok",
    "value",
    "output",
    "error",
    "durationMs",
    "valid",
    "truncated",
    "stale",
] as const;

/** One point as it goes over the wire: the record, with its time as ISO 8601 (what JSON leaves out, left out). */
export function pointOf(r: HistoryRecord): Record<string, unknown> {
    return withoutUndefined({
        time: r.time.toISOString(),
        timestampNs: r.timestampNs,
        op: r.op,
        protocol: r.protocol,
        origin: r.origin,
        ok: r.ok,
        value: r.value,
        output: r.output,
        error: r.error,
        durationMs: r.durationMs,
        valid: r.valid,
        truncated: r.truncated,
        stale: r.stale,
    });
}

const withoutUndefined = (o: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** A gap as it goes over the wire: ISO 8601 times like the points'. */
export function gapOf(g: HistoryGap): Record<string, unknown> {
    return {
        from: g.from.toISOString(),
        to: g.to.toISOString(),
        reason: g.reason,
        ...(g.open ? { open: true } : {}),
        ...(g.clean === undefined ? {} : { clean: g.clean }),
    };
}

/** An aggregate window; `gap` when it overlaps a gap (value null when it holds no data). */
export interface GapWindow {
    time: Date;
    value: number | null;
    gap?: GapReason;
}

export function windowOf(w: GapWindow): Record<string, unknown> {
    return { time: w.time.toISOString(), value: w.value, ...(w.gap === undefined ? {} : { gap: w.gap }) };
}

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled. */
function csvField(value: unknown): string {
    if (value === undefined || value === null) return "";
    const text = typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (fields: readonly unknown[]): string => `${fields.map(csvField).join(",")}\r\n`;

const GAP_COLUMNS = ["gap", "gapTo", "gapOpen"] as const;

/**
 * Points, and gaps as rows of their own in time order: `time` is the gap's start, `gap` its
 * reason, `gapTo` its end, `gapOpen` true while it goes on; the point columns stay empty.
 */
export function pointsCsv(
    records: readonly HistoryRecord[],
    gaps: readonly HistoryGap[] = [],
    newestFirst = false
): string {
    let out = csvLine([...POINT_COLUMNS, ...GAP_COLUMNS]);
    const gapLine = (g: HistoryGap): string =>
        csvLine([g.from.toISOString(), ...POINT_COLUMNS.slice(1).map(() => ""), g.reason, g.to.toISOString(), g.open]);
    const before = (g: HistoryGap, r: HistoryRecord): boolean =>
        newestFirst ? g.from.getTime() > r.time.getTime() : g.from.getTime() <= r.time.getTime();
    const pending = newestFirst ? [...gaps].reverse() : [...gaps];
    for (const r of records) {
        while (pending.length > 0 && before(pending[0], r)) out += gapLine(pending.shift()!);
        const p = pointOf(r);
        out += csvLine([...POINT_COLUMNS.map((c) => p[c]), "", "", ""]);
    }
    for (const g of pending) out += gapLine(g);
    return out;
}

export function windowsCsv(rows: readonly GapWindow[]): string {
    let out = csvLine(["time", "value", "gap"]);
    for (const w of rows) out += csvLine([w.time.toISOString(), w.value, w.gap]);
    return out;
}

/** A page as the JSON a history resource answers (and the VO Thing's history action gives, unwritten). */
export function historyJson(page: HistoryPage): Record<string, unknown> {
    const range = {
        thing: page.thing,
        kind: page.kind,
        name: page.name,
        from: page.from.toISOString(),
        to: page.to.toISOString(),
    };
    if ("windows" in page) {
        const { every, fn, resolution } = page;
        return { ...range, every, fn, resolution, windows: page.windows.map(windowOf) };
    }
    return {
        ...range,
        order: page.order,
        items: page.items.map(pointOf),
        gaps: page.gaps.map(gapOf),
        ...(page.next === undefined ? {} : { next: page.next }),
    };
}

/** A page written as a history resource answers it. */
export function renderHistory(page: HistoryPage, format: HistoryFormat): HistoryReply {
    if (format === "json") {
        const next = "windows" in page ? undefined : page.next;
        return { contentType: "application/json", body: JSON.stringify(historyJson(page)), next };
    }
    if ("windows" in page) return { contentType: "text/csv", body: windowsCsv(page.windows) };
    const body = pointsCsv(page.items, page.gapsOnPage, page.order === "newest");
    return { contentType: "text/csv", body, next: page.next };
}
