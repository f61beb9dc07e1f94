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
          windows: { ms: number; value: unknown; gap?: string }[];
          gaps: GapSpan[];
      };

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

/** A window length of whole seconds giving at most `count` windows over the range (epoch-aligned: one more). */
export function everyFor(range: Range, count: number): string {
    const s = Math.max(1, Math.ceil((range.toMs - range.fromMs) / 1000 / Math.max(1, count - 2)));
    return `${s}s`;
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
