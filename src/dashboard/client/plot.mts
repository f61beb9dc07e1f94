import type UPlotClass from "uplot";
import type { HistoryPoint } from "./api.mjs";
import { el, timeText } from "./dom.mjs";
import { GapSpan, opWord, Range, Series } from "./series.mjs";

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
}

export interface PlotColumns {
    x: number[];
    line: (number | null)[];
    read: (number | null)[];
    write: (number | null)[];
    change: (number | null)[];
    stale: (number | null)[];
    breaks: number[];
}

const inGap = (ms: number, gaps: GapSpan[]) => gaps.some((g) => ms > g.fromMs && ms < g.toMs);

/**
 * The columns uPlot draws: one value line, and the points by what recorded them (read, write, change)
 * and stale ones apart. A gap puts a null into the line at its start, and the line leaves out what lies
 * inside it, so no line crosses a gap; what was answered inside one (stale reads) stays as points.
 */
export function columnsOf(series: Series): PlotColumns {
    type Row = { ms: number; v: number | null; kind?: string; stale?: boolean };
    const rows: Row[] = [];
    const numeric = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
    if (series.mode === "points") {
        for (const p of series.points as HistoryPoint[]) {
            if (!p.ok) continue;
            rows.push({ ms: Date.parse(p.time), v: numeric(p.value), kind: opWord(p.op), stale: p.stale === true });
        }
    } else {
        for (const w of series.windows) rows.push({ ms: w.ms, v: w.gap !== undefined ? null : numeric(w.value) });
    }
    const breaks: number[] = [];
    for (const g of series.gaps) {
        rows.push({ ms: g.fromMs, v: null, kind: "gap" });
        breaks.push(g.fromMs / 1000);
    }
    rows.sort((a, b) => a.ms - b.ms);
    const cols: PlotColumns = { x: [], line: [], read: [], write: [], change: [], stale: [], breaks };
    for (const r of rows) {
        cols.x.push(r.ms / 1000);
        const inside = r.kind !== "gap" && inGap(r.ms, series.gaps);
        cols.line.push(r.kind === "gap" || inside ? null : r.v);
        const at = (k: string) => (r.kind === k && !r.stale ? r.v : null);
        cols.read.push(at("read"));
        cols.write.push(at("write"));
        cols.change.push(at("change"));
        cols.stale.push(r.stale ? r.v : null);
    }
    return cols;
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

/** A numeric property over the range: a uPlot chart with gaps drawn over it, zoom by dragging. */
export class NumericPlot {
    private chart: UPlotClass | undefined;
    private lineLabel = "";
    private gaps: GapSpan[] = [];
    private readonly gapLayer: HTMLDivElement;
    state: PlotState = { points: 0, windows: 0, gaps: [], breaks: [], bridged: 0 };

    constructor(
        private readonly host: HTMLElement,
        private readonly range: () => Range,
        private readonly onZoom: (r: Range) => void,
        private readonly onAxis?: (left: number, right: number) => void,
        /** told after each time uPlot drew the chart */
        private readonly onDrawn?: () => void
    ) {
        this.gapLayer = el("div");
    }

    get widthPx(): number {
        return Math.max(240, this.host.clientWidth || 800);
    }

    destroy(): void {
        this.chart?.destroy();
        this.chart = undefined;
    }

    draw(series: Series): void {
        const cols = columnsOf(series);
        this.gaps = series.gaps;
        this.state = {
            points: series.mode === "points" ? series.points.filter((p) => p.ok).length : 0,
            windows: series.mode === "windows" ? series.windows.length : 0,
            gaps: series.gaps,
            breaks: cols.breaks,
            bridged: bridgedCount(cols, series.gaps),
        };
        const data = [cols.x, cols.line, cols.read, cols.write, cols.change, cols.stale] as UPlotClass.AlignedData;
        const label = series.mode === "windows" ? `${series.fn} per ${series.every}` : "value";
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

    private create(data: UPlotClass.AlignedData, lineLabel: string): void {
        const points = (stroke: string, size: number, fill?: string): UPlotClass.Series => ({
            stroke,
            fill: undefined,
            paths: () => null,
            points: { show: true, size, stroke, fill: fill ?? stroke, width: 2 },
        });
        const opts: UPlotClass.Options = {
            width: this.widthPx,
            height: 180,
            cursor: { drag: { x: true, y: false, setScale: false } },
            scales: {
                x: {
                    time: true,
                    range: () => {
                        const x = this.xRange();
                        return [x.min, x.max];
                    },
                },
            },
            axes: [{}, { size: 60 }],
            series: [
                { value: (_u, v) => (v === null ? "--" : timeText(v * 1000)) },
                { label: lineLabel, stroke: COLORS.line, width: 1.5, spanGaps: false, points: { show: false } },
                { label: "read", ...points(COLORS.read, 5) },
                { label: "write", ...points(COLORS.write, 7) },
                { label: "change", ...points(COLORS.change, 4) },
                { label: "stale", ...points(COLORS.stale, 8, "#fff") },
            ],
            hooks: {
                setSelect: [
                    (u) => {
                        if (u.select.width < 4) return;
                        const fromMs = u.posToVal(u.select.left, "x") * 1000;
                        const toMs = u.posToVal(u.select.left + u.select.width, "x") * 1000;
                        u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
                        this.onZoom({ fromMs, toMs });
                    },
                ],
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
        this.chart = new uPlot(opts, data, this.host);
        this.chart.over.append(this.gapLayer);
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

    /** Gaps as hatched spans over the plot, their reason and times in the hover title. */
    private placeGaps(u: UPlotClass): void {
        this.gapLayer.replaceChildren();
        const width = u.over.clientWidth;
        for (const g of this.gaps) {
            const left = Math.max(0, u.valToPos(g.fromMs / 1000, "x"));
            const right = Math.min(width, u.valToPos(g.toMs / 1000, "x"));
            if (right <= 0 || left >= width || right <= left) continue;
            const span = el("div", { className: "gap", title: gapTitle(g), dataset: { reason: g.reason } });
            span.style.left = `${left}px`;
            span.style.width = `${Math.max(2, right - left)}px`;
            this.gapLayer.append(span);
        }
    }
}

const REASONS: Record<string, string> = { "vo-down": "VO down", "device-lost": "device lost" };

export function gapTitle(g: GapSpan): string {
    const to = g.open ? "now (still open)" : timeText(g.toMs);
    return `gap: ${REASONS[g.reason] ?? g.reason}\n${timeText(g.fromMs)} – ${to}`;
}
