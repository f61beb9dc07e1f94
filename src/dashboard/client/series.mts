import { Gap, getJson, HistoryPoint, historyUrl, PointsAnswer, WindowsAnswer } from "./api.mjs";

/** The range the page shows, in epoch milliseconds. */
export interface Range {
    fromMs: number;
    toMs: number;
}

/** A span to draw as a gap: never bridged, its reason on hover. */
export interface GapSpan {
    fromMs: number;
    toMs: number;
    reason: string;
    open: boolean;
}

/** What one history resource gave for the range: raw points, or windows when there were too many. */
export type Series =
    | { mode: "points"; points: HistoryPoint[]; gaps: GapSpan[] }
    | {
          mode: "windows";
          every: string;
          fn: string;
          /** "raw", or the statistics ("5m", "1h") the VO answered from where the raw points are gone */
          resolution?: string;
          windows: { ms: number; value: unknown; gap?: string; min?: unknown; max?: unknown }[];
          gaps: GapSpan[];
      };

/**
 * Each window's min and max as last read, drawn as a band around the mean. They are read after the mean is
 * drawn (the first plot does not wait for them), and a live range reads them again every `BAND_MS` only (three
 * reads a refresh would triple a plot's requests): a window newer than that has no band until then.
 */
export interface Band {
    at: number;
    every: string;
    lo: Map<number, unknown>;
    hi: Map<number, unknown>;
}

export const newBand = (): Band => ({ at: 0, every: "", lo: new Map(), hi: new Map() });

const BAND_MS = 10_000;

/** Points per plot at most: past it the page asks for windows, about one per pixel. */
export const MAX_POINTS = 2000;

export function gapSpans(gaps: Gap[] | undefined): GapSpan[] {
    return (gaps ?? []).map((g) => ({
        fromMs: Date.parse(g.from),
        toMs: Date.parse(g.to),
        reason: g.reason,
        open: g.open === true,
    }));
}

/** The window lengths the page asks for, in seconds: readable steps (1 m, 5 m, 1 h), never "79 s". */
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800];

/** The readable step of at least `s` seconds, as the history resource takes it ("5m", "1h", "1d"). */
export function stepText(s: number): string {
    const step = STEPS.find((x) => x >= s) ?? Math.ceil(s / 86400) * 86400;
    if (step % 86400 === 0) return `${step / 86400}d`;
    if (step % 3600 === 0) return `${step / 3600}h`;
    if (step % 60 === 0) return `${step / 60}m`;
    return `${step}s`;
}

/** A readable window length giving at most `count` windows over the range (epoch-aligned: one more). */
export function everyFor(range: Range, count: number): string {
    return stepText((range.toMs - range.fromMs) / 1000 / Math.max(1, count - 2));
}

/** "5m" as milliseconds (the lengths `stepText` gives, and the history resource's own `every`). */
export function everyMs(every: string): number {
    const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
    let ms = 0;
    for (const [, n, u] of every.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) ms += Number(n) * unit[u];
    return ms;
}

/**
 * How far apart two consecutive points may be before what lies between is a hole (nothing recorded),
 * read from the data's own spacing: three times the median step between points, or for windows one
 * window and a half (a missing window). Undefined with too few points to tell a spacing.
 */
export function holeAfterMs(times: number[], everyMsOf?: number): number | undefined {
    if (everyMsOf !== undefined) return everyMsOf * 1.5;
    if (times.length < 4) return undefined;
    const steps = times
        .slice(1)
        .map((t, i) => t - times[i])
        .sort((a, b) => a - b);
    const median = steps[Math.floor(steps.length / 2)];
    return median > 0 ? median * 3 : undefined;
}

/**
 * The range's points when they are at most `maxPoints`, else windows of `fn` sized to `widthPx`
 * (so a plot never gets more than about 2000 points, whatever was recorded). Not knowing which it
 * will be, both are asked at once; `hint` (what the same span gave last time) asks for one only.
 */
export async function loadSeries(
    href: string,
    range: Range,
    widthPx: number,
    fn: "mean" | "last",
    filters: Record<string, string> = {},
    hint?: Series["mode"],
    signal?: AbortSignal
): Promise<Series> {
    const maxPoints = Math.min(MAX_POINTS, Math.max(200, Math.round(widthPx)));
    const from = new Date(range.fromMs).toISOString();
    const to = new Date(range.toMs).toISOString();
    const every = everyFor(range, Math.min(MAX_POINTS, Math.max(100, Math.round(widthPx))));
    const readRaw = () => getJson<PointsAnswer>(historyUrl(href, { from, to, limit: maxPoints, ...filters }), signal);
    const readWindows = () => getJson<WindowsAnswer>(historyUrl(href, { from, to, every, fn, ...filters }), signal);
    const windowsOf = (agg: WindowsAnswer, gaps?: Gap[]): Series => ({
        mode: "windows",
        every: agg.every,
        fn: agg.fn,
        resolution: agg.resolution,
        windows: agg.windows.map((w) => ({ ms: Date.parse(w.time), value: w.value, gap: w.gap })),
        gaps: gapSpans(agg.gaps ?? gaps),
    });
    if (hint === "windows") return windowsOf(await readWindows());
    const windows = hint === undefined ? readWindows() : undefined;
    windows?.catch(() => undefined); // not needed when the points fit; its error then goes nowhere
    const raw = await readRaw();
    if (raw.next === undefined) return { mode: "points", points: raw.items, gaps: gapSpans(raw.gaps) };
    return windowsOf(await (windows ?? readWindows()), raw.gaps);
}

/** Whether the band must be read again for these windows: another window length, or older than `BAND_MS`. */
export function bandStale(band: Band, series: Series, spanChanged: boolean): boolean {
    if (series.mode !== "windows") return false;
    return spanChanged || band.every !== series.every || Date.now() - band.at > BAND_MS;
}

/** Reads each window's min and max over the range into `band` (two reads beside the mean's). */
export async function readBand(
    href: string,
    range: Range,
    every: string,
    band: Band,
    signal?: AbortSignal
): Promise<void> {
    const q = { from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString(), every };
    const read = (fn: string) => getJson<WindowsAnswer>(historyUrl(href, { ...q, fn }), signal);
    const [min, max] = await Promise.all([read("min"), read("max")]);
    const byMs = (a: WindowsAnswer) => new Map(a.windows.map((w) => [Date.parse(w.time), w.value]));
    Object.assign(band, { at: Date.now(), every, lo: byMs(min), hi: byMs(max) });
}

/** Puts the band's min and max beside each window's value (none for a window newer than the band). */
export function applyBand(series: Series, band: Band): void {
    if (series.mode !== "windows" || band.every !== series.every) return;
    for (const w of series.windows) Object.assign(w, { min: band.lo.get(w.ms), max: band.hi.get(w.ms) });
}

/** The last point before the range starts: what a state timeline shows at its left edge. */
export async function pointBefore(
    href: string,
    range: Range,
    filters: Record<string, string> = {},
    signal?: AbortSignal
): Promise<HistoryPoint | undefined> {
    const to = new Date(range.fromMs).toISOString();
    const answer = await getJson<PointsAnswer>(historyUrl(href, { to, order: "newest", limit: 1, ...filters }), signal);
    return answer.items[0];
}

/** The word a recorded operation is drawn as: read, write, change, or other. */
export function opWord(op: string): "read" | "write" | "change" | "other" {
    if (op.startsWith("read")) return "read";
    if (op.startsWith("write")) return "write";
    if (op === "propertychange") return "change";
    return "other";
}

/** Where windows came from when the raw points of their range are gone ("from 5-minute statistics"); undefined: the points. */
export function statisticsName(series: Series): string | undefined {
    if (series.mode !== "windows") return undefined;
    const names: Record<string, string> = { "5m": "from 5-minute statistics", "1h": "from hourly statistics" };
    return series.resolution === undefined ? undefined : names[series.resolution];
}
