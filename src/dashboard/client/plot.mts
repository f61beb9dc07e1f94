import type UPlotClass from "uplot";
import type { HistoryPoint } from "./api.mjs";
import { el, timeText, zonedTimeText, zoneText } from "./dom.mjs";
import { keepingFocus, tipButton } from "./tip.mjs";
import { everyMs, GapSpan, holeAfterMs, opWord, Range, Series, statisticsName } from "./series.mjs";

/** uPlot's browser build, loaded by the page before this module (the package's own copy, no CDN). */
const uPlot = (globalThis as unknown as { uPlot: typeof UPlotClass }).uPlot;

const COLORS = { line: "#546e7a", read: "#1e88e5", write: "#fb8c00", change: "#43a047", stale: "#8e24aa" };

/** What a plot drew, for the page's state (`window.voDashboard`) and its data attributes. */
export interface PlotState {
    points: number;
    windows: number;
    gaps: GapSpan[];
    /** x (s) where the value line is broken by a gap */
    breaks: number[];
    /** line segments drawn across a gap's start: 0, or the gap is bridged */
    bridged: number;
    /** where the line breaks with no gap recorded (consecutive points too far apart) */
    holes: number;
    /** failed interactions marked */
    failures: number;
    /** windows with a min-max band */
    band: number;
    /** the y axis's range: the TD's minimum and maximum where it gives them */
    y?: [number, number];
}

export interface PlotColumns {
    x: number[];
    line: (number | null)[];
    read: (number | null)[];
    write: (number | null)[];
    change: (number | null)[];
    stale: (number | null)[];
    /** a window's min and max: the band around the mean */
    min: (number | null)[];
    max: (number | null)[];
    breaks: number[];
    /** x (s) where the line is broken by a hole: consecutive points further apart than the data's spacing */
    holes: number[];
}

const inGap = (ms: number, gaps: GapSpan[]) => gaps.some((g) => ms > g.fromMs && ms < g.toMs);

/**
 * The columns uPlot draws: one value line, and the points by what recorded them (read, write, change)
 * and stale ones apart. A gap puts a null into the line at its start, and the line leaves out what lies
 * inside it, so no line crosses a gap; what was answered inside one (stale reads) stays as points.
 */
export function columnsOf(series: Series): PlotColumns {
    type Row = {
        ms: number;
        v: number | null;
        kind?: string;
        stale?: boolean;
        min?: number | null;
        max?: number | null;
    };
    const rows: Row[] = [];
    const numeric = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
    if (series.mode === "points") {
        for (const p of series.points as HistoryPoint[]) {
            if (!p.ok) continue;
            rows.push({ ms: Date.parse(p.time), v: numeric(p.value), kind: opWord(p.op), stale: p.stale === true });
        }
    } else {
        for (const w of series.windows) {
            const v = w.gap !== undefined ? null : numeric(w.value);
            rows.push({
                ms: w.ms,
                v,
                min: v === null ? null : numeric(w.min),
                max: v === null ? null : numeric(w.max),
            });
        }
    }
    const holes = holesOf(rows, series);
    for (const ms of holes) rows.push({ ms, v: null, kind: "hole" });
    const breaks: number[] = [];
    for (const g of series.gaps) {
        rows.push({ ms: g.fromMs, v: null, kind: "gap" });
        breaks.push(g.fromMs / 1000);
    }
    rows.sort((a, b) => a.ms - b.ms);
    const cols: PlotColumns = {
        ...{ x: [], line: [], read: [], write: [], change: [], stale: [], min: [], max: [] },
        ...{ breaks, holes: holes.map((ms) => ms / 1000) },
    };
    for (const r of rows) {
        cols.x.push(r.ms / 1000);
        const inside = r.kind !== "gap" && inGap(r.ms, series.gaps);
        cols.line.push(r.kind === "gap" || inside ? null : r.v);
        cols.min.push(inside ? null : (r.min ?? null));
        cols.max.push(inside ? null : (r.max ?? null));
        const at = (k: string) => (r.kind === k && !r.stale ? r.v : null);
        cols.read.push(at("read"));
        cols.write.push(at("write"));
        cols.change.push(at("change"));
        cols.stale.push(r.stale ? r.v : null);
    }
    return cols;
}

/**
 * Where the line breaks although no gap was recorded: between consecutive points (or windows) further
 * apart than `holeAfterMs` says the data's spacing allows, a null just after the first of them.
 */
function holesOf(rows: { ms: number }[], series: Series): number[] {
    const times = rows.map((r) => r.ms); // a null (a window with no value, a gap's) breaks the line already
    const limit = holeAfterMs(times, series.mode === "windows" ? everyMs(series.every) : undefined);
    if (limit === undefined) return [];
    const out: number[] = [];
    for (let i = 1; i < times.length; i++) if (times[i] - times[i - 1] > limit) out.push(times[i - 1] + 1);
    return out;
}

/** How many drawn line segments (two non-null neighbours) span the start of a gap. */
export function bridgedCount(cols: PlotColumns, gaps: GapSpan[]): number {
    let n = 0;
    for (let i = 0; i + 1 < cols.x.length; i++) {
        if (cols.line[i] === null || cols.line[i + 1] === null) continue;
        const [a, b] = [cols.x[i] * 1000, cols.x[i + 1] * 1000];
        if (gaps.some((g) => g.fromMs > a && g.fromMs < b)) n++;
    }
    return n;
}

/** What the TD says of a numeric property: its unit and its range, where given. */
export interface PlotScale {
    unit?: string;
    minimum?: number;
    maximum?: number;
}

/** The y range: the TD's minimum and maximum where given (widened if a value lies outside), else the data's. */
function yRange(scale: PlotScale, lo: number | null, hi: number | null): [number, number] {
    let [a, b] = [lo ?? scale.minimum ?? 0, hi ?? scale.maximum ?? 1];
    if (scale.minimum !== undefined) a = Math.min(a, scale.minimum);
    if (scale.maximum !== undefined) b = Math.max(b, scale.maximum);
    if (a === b) [a, b] = [a - 1, b + 1];
    const pad = (b - a) * 0.05;
    return [scale.minimum !== undefined && a === scale.minimum ? a : a - pad, b === scale.maximum ? b : b + pad];
}

function extent(values: (number | null)[]): [number | null, number | null] {
    const xs = values.filter((v): v is number => v !== null);
    return xs.length === 0 ? [null, null] : [Math.min(...xs), Math.max(...xs)];
}

/** A time axis label: the date where the step is a day or more, else the time of day (the zone is in the axis title). */
function axisTime(s: number, stepS: number): string {
    const t = timeText(s * 1000);
    if (stepS >= 86_400) return t.slice(5, 10);
    return stepS >= 60 ? t.slice(11, 16) : t.slice(11);
}

/** A numeric property over the range: a uPlot chart with gaps drawn under it, zoom by dragging or by keys. */
export class NumericPlot {
    private chart: UPlotClass | undefined;
    private lineLabel = "";
    private gaps: GapSpan[] = [];
    private failures: HistoryPoint[] = [];
    /** the hatching, under the chart's canvas: what was answered inside a gap stays readable over it */
    private readonly gapLayer: HTMLDivElement;
    /** what can be focused, tapped or hovered for its reason: a gap's handle, a failed interaction's mark */
    private readonly markLayer: HTMLDivElement;
    state: PlotState = { points: 0, windows: 0, gaps: [], breaks: [], bridged: 0, holes: 0, failures: 0, band: 0 };

    constructor(
        private readonly host: HTMLElement,
        private readonly range: () => Range,
        private readonly onZoom: (r: Range) => void,
        private readonly onAxis?: (left: number, right: number) => void,
        /** told after each time uPlot drew the chart */
        private readonly onDrawn?: () => void,
        private readonly scale: PlotScale = {}
    ) {
        this.gapLayer = el("div", { className: "gap-layer" });
        this.markLayer = el("div", { className: "mark-layer" });
        host.tabIndex = 0;
        host.addEventListener("keydown", (e) => this.onKey(e));
    }

    get widthPx(): number {
        return Math.max(240, this.host.clientWidth || 800);
    }

    destroy(): void {
        this.chart?.destroy();
        this.chart = undefined;
    }

    /** Arrow keys move the range by a quarter, + and - zoom in to its middle half and out to twice it. */
    private onKey(e: KeyboardEvent): void {
        if (e.target !== this.host) return; // a gap's or a failure's own button
        const r = this.range();
        const span = r.toMs - r.fromMs;
        const moves: Record<string, Range> = {
            ArrowLeft: { fromMs: r.fromMs - span / 4, toMs: r.toMs - span / 4 },
            ArrowRight: { fromMs: r.fromMs + span / 4, toMs: r.toMs + span / 4 },
            "+": { fromMs: r.fromMs + span / 4, toMs: r.toMs - span / 4 },
            "=": { fromMs: r.fromMs + span / 4, toMs: r.toMs - span / 4 },
            "-": { fromMs: r.fromMs - span / 2, toMs: r.toMs + span / 2 },
        };
        const next = moves[e.key];
        if (next === undefined) return;
        e.preventDefault();
        this.onZoom(next);
    }

    draw(series: Series): void {
        const cols = columnsOf(series);
        this.gaps = series.gaps;
        this.failures = series.mode === "points" ? series.points.filter((p) => !p.ok) : [];
        this.state = {
            points: series.mode === "points" ? series.points.filter((p) => p.ok).length : 0,
            windows: series.mode === "windows" ? series.windows.length : 0,
            gaps: series.gaps,
            breaks: cols.breaks,
            bridged: bridgedCount(cols, series.gaps),
            holes: cols.holes.length,
            failures: this.failures.length,
            band: cols.max.filter((v) => v !== null).length,
            y: yRange(this.scale, ...extent([...cols.line, ...cols.stale, ...cols.min, ...cols.max])),
        };
        const data = [
            ...[cols.x, cols.line, cols.read, cols.write, cols.change, cols.stale],
            ...[cols.min, cols.max],
        ] as UPlotClass.AlignedData;
        const from = series.mode === "windows" ? statisticsName(series) : undefined;
        const label =
            series.mode === "windows" ? `${series.fn} per ${series.every}${from ? ` (${from})` : ""}` : "value";
        if (label !== this.lineLabel) this.destroy(); // points and windows are labelled apart
        this.lineLabel = label;
        if (this.chart === undefined) this.create(data, label);
        else {
            // the page's width changed (a phone turned, a window resized): the plot takes the new one
            if (this.chart.width !== this.widthPx)
                this.chart.setSize({ width: this.widthPx, height: this.chart.height });
            this.chart.setData(data, false);
            this.chart.setScale("x", this.xRange());
        }
        this.host.dataset.points = String(this.state.points);
        this.host.dataset.windows = String(this.state.windows);
        this.host.dataset.gaps = String(series.gaps.length);
    }

    private xRange(): { min: number; max: number } {
        const r = this.range();
        return { min: r.fromMs / 1000, max: r.toMs / 1000 };
    }

    private options(lineLabel: string): UPlotClass.Options {
        const points = (stroke: string, size: number, fill?: string): UPlotClass.Series => ({
            stroke,
            fill: undefined,
            paths: () => null,
            points: { show: true, size, stroke, fill: fill ?? stroke, width: 2 },
        });
        const band = { stroke: "transparent", width: 0, points: { show: false }, spanGaps: false };
        return {
            width: this.widthPx,
            height: 180,
            cursor: { drag: { x: true, y: false, setScale: false } },
            scales: {
                x: { time: true, range: () => [this.xRange().min, this.xRange().max] },
                y: { range: (_u, lo, hi) => yRange(this.scale, lo, hi) },
            },
            axes: [
                {
                    label: `time (${zoneText()})`,
                    labelSize: 20,
                    space: 80, // "12:34:56" labels apart, at 5 minutes on a phone too
                    values: (_u, splits, _i, _space, stepS) => splits.map((s) => axisTime(s, stepS)),
                },
                { size: 60, label: this.scale.unit, labelSize: this.scale.unit ? 20 : 0 },
            ],
            series: [
                { value: (_u, v) => (v === null ? "--" : timeText(v * 1000)) },
                { label: lineLabel, stroke: COLORS.line, width: 1.5, spanGaps: false, points: { show: false } },
                { label: "read", ...points(COLORS.read, 5) },
                { label: "write", ...points(COLORS.write, 7) },
                { label: "change", ...points(COLORS.change, 4) },
                { label: "stale", ...points(COLORS.stale, 8, "#fff") },
                { label: "min", ...band },
                { label: "max", ...band },
            ],
            bands: [{ series: [7, 6], fill: "rgba(84,110,122,.18)" }],
            hooks: {
                setSelect: [(u) => this.selected(u)],
                draw: [(u) => this.placeGaps(u), () => this.onDrawn?.()],
                // the plotting area's edges, once laid out: the page's timelines align to them
                ready: [
                    (u) => {
                        const left = parseFloat(u.over.style.left) || u.over.offsetLeft;
                        const width = parseFloat(u.over.style.width) || u.over.clientWidth;
                        this.onAxis?.(left, Math.max(0, u.width - left - width));
                    },
                ],
            },
        };
    }

    private selected(u: UPlotClass): void {
        if (u.select.width < 4) return;
        const fromMs = u.posToVal(u.select.left, "x") * 1000;
        const toMs = u.posToVal(u.select.left + u.select.width, "x") * 1000;
        u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        this.onZoom({ fromMs, toMs });
    }

    private create(data: UPlotClass.AlignedData, lineLabel: string): void {
        this.chart = new uPlot(this.options(lineLabel), data, this.host);
        this.chart.under.append(this.gapLayer);
        this.chart.over.append(this.markLayer);
        this.wireTouchZoom(this.chart);
    }

    /**
     * uPlot selects by mouse only: a one-finger horizontal drag over the plot zooms to what it spans
     * (vertical moves still scroll the page: the plot takes `touch-action: pan-y`).
     */
    private wireTouchZoom(u: UPlotClass): void {
        let startX: number | undefined;
        const xOf = (e: TouchEvent) => e.changedTouches[0].clientX - u.over.getBoundingClientRect().left;
        u.over.addEventListener("touchstart", (e) => (startX = e.touches.length === 1 ? xOf(e) : undefined), {
            passive: true,
        });
        u.over.addEventListener("touchend", (e) => {
            if (startX === undefined || e.changedTouches.length === 0) return;
            const [left, right] = [Math.min(startX, xOf(e)), Math.max(startX, xOf(e))];
            startX = undefined;
            if (right - left < 20) return; // a tap, not a drag
            this.onZoom({ fromMs: u.posToVal(left, "x") * 1000, toMs: u.posToVal(right, "x") * 1000 });
        });
    }

    /**
     * Gaps as hatched spans under the plot (each reason its own pattern) with a handle along the top
     * that shows the reason on hover, tap and focus; a failed interaction as a mark along the bottom.
     */
    private placeGaps(u: UPlotClass): void {
        keepingFocus(this.markLayer, () => this.placeMarks(u));
    }

    private placeMarks(u: UPlotClass): void {
        this.gapLayer.replaceChildren();
        this.markLayer.replaceChildren();
        const width = u.over.clientWidth;
        for (const g of this.gaps) {
            const left = Math.max(0, u.valToPos(g.fromMs / 1000, "x"));
            const right = Math.min(width, u.valToPos(g.toMs / 1000, "x"));
            if (right <= 0 || left >= width || right <= left) continue;
            const span = el("div", { className: `gap ${g.reason}`, dataset: { reason: g.reason } });
            const key = `${g.reason}@${g.fromMs}`;
            const handle = tipButton(`gap-handle ${g.reason}`, gapTitle(g), { reason: g.reason, key });
            for (const e of [span, handle]) {
                e.style.left = `${left}px`;
                e.style.width = `${Math.max(2, right - left)}px`;
            }
            this.gapLayer.append(span);
            this.markLayer.append(handle);
        }
        for (const p of this.failures) {
            const x = u.valToPos(Date.parse(p.time) / 1000, "x");
            if (x < 0 || x > width) continue;
            const mark = tipButton("fail", failureText(p), { key: `fail@${p.time}` });
            mark.style.left = `${x}px`;
            this.markLayer.append(mark);
        }
    }
}

/** A failed interaction as its mark says it: what failed, when, and why. */
export function failureText(p: HistoryPoint): string {
    return `failed ${p.op}: ${p.error ?? "no reason recorded"}\n${zonedTimeText(Date.parse(p.time))} (${p.protocol})`;
}

const REASONS: Record<string, string> = { "vo-down": "VO down", "device-lost": "device lost" };

export function gapTitle(g: GapSpan): string {
    const to = g.open ? "now (still open)" : zonedTimeText(g.toMs);
    return `gap: ${REASONS[g.reason] ?? g.reason}\n${zonedTimeText(g.fromMs)} – ${to}`;
}
