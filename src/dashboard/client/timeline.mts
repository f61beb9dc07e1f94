import type { HistoryPoint } from "./api.mjs";
import { compactText, el, zonedTimeText } from "./dom.mjs";
import { failureText, gapTitle } from "./plot.mjs";
import { everyMs as everyMsOf, GapSpan, holeAfterMs, opWord, Range, Series } from "./series.mjs";
import { keepingFocus, tipButton } from "./tip.mjs";

/** The label of a stretch where nothing was recorded (a hole, no gap reported): drawn as such, not as a state. */
export const NO_DATA = "no data";

/** One stretch of a state: from its point to the next one (or a gap, or the range's end). */
export interface Segment {
    fromMs: number;
    toMs: number;
    label: string;
    op: string;
    stale: boolean;
}

const PALETTE = ["#b3e5fc", "#c5cae9", "#f8bbd0", "#dcedc8", "#ffe0b2", "#d7ccc8", "#b2dfdb", "#f0f4c3", "#e1bee7"];

/** true and false as two colours no one confuses (a filled green, a pale grey), whatever the palette gives. */
const KNOWN_COLORS: Record<string, string> = { true: "#2e7d32", false: "#eceff1" };

export function colorOf(label: string): string {
    if (label in KNOWN_COLORS) return KNOWN_COLORS[label];
    let h = 0;
    for (let i = 0; i < label.length; i++) h = (h * 31 + label.charCodeAt(i)) | 0;
    return PALETTE[Math.abs(h) % PALETTE.length];
}

/**
 * The segments of a state over the range: each point holds until the next one, the start of a gap,
 * or the range's end (now, at the latest). `label` reads the state out of a value.
 */
export function segmentsOf(
    series: Series,
    range: Range,
    before: HistoryPoint | undefined,
    label: (v: unknown) => string = compactText,
    /** a stretch ends where the next point is further than the data's spacing allows ("no data" after it) */
    holes = false
): Segment[] {
    // a window in a gap ends the stretch before it and starts none
    type P = { ms: number; label: string; op: string; stale: boolean; gap?: boolean };
    let points: P[];
    if (series.mode === "points") {
        points = series.points
            .filter((p) => p.ok)
            .map((p) => ({ ms: Date.parse(p.time), label: label(p.value), op: p.op, stale: p.stale === true }));
    } else {
        points = series.windows
            .filter((w) => w.gap !== undefined || (w.value !== null && w.value !== undefined))
            .map((w) => ({ ms: w.ms, label: label(w.value), op: series.fn, stale: false, gap: w.gap !== undefined }));
    }
    if (before !== undefined && before.ok) {
        points.unshift({ ms: range.fromMs, label: label(before.value), op: before.op, stale: before.stale === true });
    }
    const end = Math.min(range.toMs, Date.now());
    const limit = holes ? holeLimit(series, points) : undefined;
    const segments: Segment[] = [];
    points.forEach((p, i) => {
        if (p.gap) return;
        let to = i + 1 < points.length ? points[i + 1].ms : end;
        for (const g of series.gaps) if (g.fromMs >= p.ms && g.fromMs < to) to = g.fromMs;
        const from = Math.max(p.ms, range.fromMs);
        const held = limit !== undefined && to - p.ms > limit ? Math.max(from, p.ms + limit) : to;
        if (held > from) extend(segments, { fromMs: from, toMs: held, label: p.label, op: p.op, stale: p.stale });
        if (to > held) extend(segments, { fromMs: held, toMs: to, label: NO_DATA, op: "", stale: false });
    });
    return segments;
}

/** Adds a stretch, or lengthens the last one when it goes on the same state (a value read again is no new stretch). */
function extend(segments: Segment[], s: Segment): void {
    const prev = segments[segments.length - 1];
    if (prev !== undefined && prev.toMs === s.fromMs && prev.label === s.label && prev.stale === s.stale) {
        prev.toMs = s.toMs;
    } else segments.push(s);
}

/** How long a state holds with nothing recorded after it: the data's own spacing (`holeAfterMs`). */
function holeLimit(series: Series, points: { ms: number }[]): number | undefined {
    if (series.mode === "windows") return holeAfterMs([], everyMsOf(series.every));
    return holeAfterMs(points.map((p) => p.ms));
}

/**
 * Draws a state timeline into `host`: one coloured stretch per segment (its value as text, its time
 * and operation on hover), a mark per recorded point coloured by operation, hatched gaps.
 * `classOf` names known states (alive, lost, ok, failed) for their own colours.
 */
export function drawTimeline(
    host: HTMLElement,
    range: Range,
    segments: Segment[],
    gaps: GapSpan[],
    marks: { ms: number; op: string; failed?: HistoryPoint }[],
    classOf?: (label: string) => string | undefined
): void {
    const span = range.toMs - range.fromMs;
    const pct = (ms: number) => `${(((ms - range.fromMs) / span) * 100).toFixed(3)}%`;
    const width = (a: number, b: number) => `${(((b - a) / span) * 100).toFixed(3)}%`;
    const children: HTMLElement[] = [];
    for (const s of segments) {
        const known = s.label === NO_DATA ? "nodata" : classOf?.(s.label);
        const what = s.label === NO_DATA ? "nothing recorded" : `${s.op}${s.stale ? " (stale)" : ""}`;
        const text = `${s.label}\n${zonedTimeText(s.fromMs)} – ${zonedTimeText(s.toMs)}\n${what}`;
        const seg = tipButton(`seg${known ? ` ${known}` : ""}${s.stale ? " stale" : ""}`, text, {
            key: `${s.label}@${s.fromMs}`,
        });
        seg.append(s.label);
        if (!known) seg.style.backgroundColor = colorOf(s.label);
        if (s.label === "true") seg.classList.add("on");
        seg.style.left = pct(s.fromMs);
        seg.style.width = width(s.fromMs, s.toMs);
        children.push(seg);
    }
    for (const m of marks) {
        if (m.ms < range.fromMs || m.ms > range.toMs) continue;
        const mark =
            m.failed !== undefined
                ? tipButton("mark fail", failureText(m.failed), { key: `fail@${m.ms}` })
                : el("div", { className: `mark ${opWord(m.op)}` });
        mark.style.left = pct(m.ms);
        children.push(mark);
    }
    for (const g of gaps) {
        const from = Math.max(g.fromMs, range.fromMs);
        const to = Math.min(g.toMs, range.toMs);
        if (to <= from) continue;
        const gap = tipButton(`gap ${g.reason}`, gapTitle(g), { reason: g.reason, key: `${g.reason}@${g.fromMs}` });
        gap.style.left = pct(from);
        gap.style.width = width(from, to);
        children.push(gap);
    }
    keepingFocus(host, () => host.replaceChildren(...children));
    host.dataset.segments = String(segments.length);
    host.dataset.gaps = String(gaps.filter((g) => g.toMs > range.fromMs && g.fromMs < range.toMs).length);
}

/** The colours of a timeline's states (those it shows, at most `max`), as a legend under it. */
export function timelineLegend(segments: Segment[], max = 12): HTMLElement {
    const labels = [...new Set(segments.map((s) => s.label))];
    const items = labels.slice(0, max).map((label) => {
        const swatch = el("span", { className: `swatch${label === NO_DATA ? " nodata" : ""}` });
        if (label !== NO_DATA) swatch.style.backgroundColor = colorOf(label);
        return el("li", {}, swatch, label);
    });
    if (labels.length > max) items.push(el("li", {}, `and ${labels.length - max} more`));
    return el("ul", { className: "states" }, ...items);
}
