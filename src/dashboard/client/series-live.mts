/** Keeping a series read once up to date with the points the live stream brings, without reading it again. */
import { getJson, HistoryPoint, historyUrl, PointsAnswer } from "./api.mjs";
import { Band, everyMs, GapSpan, gapSpans, Range, Series } from "./series.mjs";

/** A window the page keeps itself (the newest ones, as points arrive): enough to know its mean, min and max. */
export interface WindowSum {
    sum: number;
    n: number;
    min: number;
    max: number;
}

/** What a view keeps beside its series: the windows it sums itself, and the newest point it holds. */
export interface LiveTail {
    sums: Map<number, WindowSum>;
    /** nanoseconds of the newest point in the series (read or streamed); older streamed points are not new */
    newestNs: bigint;
}

export const newTail = (): LiveTail => ({ sums: new Map(), newestNs: -1n });

/** The newest point's time in nanoseconds of a series' points, or of `points` given. */
export function newestNsOf(points: HistoryPoint[]): bigint {
    let newest = -1n;
    for (const p of points) {
        const ns = BigInt(p.timestampNs);
        if (ns > newest) newest = ns;
    }
    return newest;
}

/** Sums of the points of one window (the ok, numeric ones). */
export function sumOf(points: HistoryPoint[]): WindowSum | undefined {
    const values = points.filter((p) => p.ok && typeof p.value === "number").map((p) => p.value as number);
    if (values.length === 0) return undefined;
    const sum = values.reduce((a, b) => a + b, 0);
    return { sum, n: values.length, min: Math.min(...values), max: Math.max(...values) };
}

const newSum = (v: number): WindowSum => ({ sum: 0, n: 0, min: v, max: v });

/** One streamed point into its window (opened when new), as `fn` aggregates it; the band follows the mean's. */
function intoWindow(series: Extract<Series, { mode: "windows" }>, p: HistoryPoint, tail: LiveTail, band?: Band): void {
    const step = everyMs(series.every);
    const ms = Date.parse(p.time);
    const start = Math.floor(ms / step) * step;
    let w = series.windows[series.windows.length - 1];
    if (w === undefined || w.ms < start) {
        w = { ms: start, value: null };
        series.windows.push(w);
    } else if (w.ms > start) return; // older than the newest window: its window was read with it
    if (!p.ok) return;
    if (series.fn === "last") {
        w.value = p.value;
        return;
    }
    if (typeof p.value !== "number") return;
    // a window read but not summed here (its points unknown) counts as one point of its mean
    const read = typeof w.value === "number" ? w.value : undefined;
    const s =
        tail.sums.get(start) ?? (read === undefined ? newSum(p.value) : { sum: read, n: 1, min: read, max: read });
    s.sum += p.value;
    s.n++;
    s.min = Math.min(s.min, p.value);
    s.max = Math.max(s.max, p.value);
    tail.sums.set(start, s);
    w.value = s.sum / s.n;
    if (band !== undefined && band.every === series.every) {
        band.lo.set(start, Math.min(s.min, (band.lo.get(start) as number | undefined) ?? s.min));
        band.hi.set(start, Math.max(s.max, (band.hi.get(start) as number | undefined) ?? s.max));
    }
}

/**
 * Adds the streamed points newer than what the series holds, and drops what the range (moving with now) left
 * behind. Returns the points dropped off its start (a timeline's state before the range is the newest of them),
 * or "reread" when the series holds more points than a plot takes: the view reads its range again (as windows).
 */
export function extendSeries(
    series: Series,
    points: HistoryPoint[],
    range: Range,
    tail: LiveTail,
    maxPoints: number,
    band?: Band
): HistoryPoint[] | "reread" {
    for (const p of points) {
        const ns = BigInt(p.timestampNs);
        if (ns <= tail.newestNs || Date.parse(p.time) > range.toMs) continue; // read already, or past a fixed range
        tail.newestNs = ns;
        if (series.mode === "points") series.points.push(p);
        else intoWindow(series, p, tail, band);
    }
    if (series.mode === "windows") {
        const step = everyMs(series.every);
        const keep = series.windows.findIndex((w) => w.ms + step > range.fromMs);
        if (keep > 0) series.windows.splice(0, keep);
        for (const ms of tail.sums.keys()) if (ms + step <= range.fromMs) tail.sums.delete(ms);
        return [];
    }
    const keep = series.points.findIndex((p) => Date.parse(p.time) >= range.fromMs);
    const dropped = series.points.splice(0, keep < 0 ? series.points.length : keep);
    return series.points.length > maxPoints ? "reread" : dropped;
}

/**
 * After the stream reopened on the same range: the points since the newest one held (and the gaps reported
 * meanwhile: the VO's down time), read and added, instead of the whole range. Returns the points dropped off the
 * range's start, or undefined when the series must be read whole (windows, or more points than fit).
 */
export async function readSince(
    href: string,
    held: { series: Series; own: GapSpan[]; tail: LiveTail },
    range: Range,
    maxPoints: number,
    filters: Record<string, string>,
    signal: AbortSignal
): Promise<HistoryPoint[] | undefined> {
    const { series, own, tail } = held;
    if (series.mode !== "points") return undefined;
    const newest = series.points[series.points.length - 1];
    const fromMs = newest === undefined ? range.fromMs : Math.max(range.fromMs, Date.parse(newest.time));
    const q = { from: new Date(fromMs).toISOString(), to: new Date(range.toMs).toISOString(), limit: maxPoints };
    const answer = await getJson<PointsAnswer>(historyUrl(href, { ...q, ...filters }), signal);
    if (answer.next !== undefined || signal.aborted) return undefined;
    const dropped = extendSeries(series, answer.items, range, tail, maxPoints);
    if (dropped === "reread") return undefined;
    for (const g of gapSpans(answer.gaps)) {
        const known = own.findIndex((o) => o.reason === g.reason && o.fromMs === g.fromMs);
        if (known < 0) own.push(g);
        else own[known] = g; // an open gap read again: its end now known
    }
    return dropped;
}
