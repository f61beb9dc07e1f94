import { LogView } from "./logs.mjs";
import { errorText, notes, setNote, sourceNote } from "./notes.mjs";
import { NumericPlot } from "./plot.mjs";
import { getJson, HistoryPoint, historyUrl, PointsAnswer } from "./api.mjs";
import {
    applyBand,
    bandStale,
    GapSpan,
    loadSeries,
    MAX_POINTS,
    newBand,
    pointBefore,
    Range,
    readBand,
    Series,
    statisticsName,
} from "./series.mjs";
import { extendSeries, LiveTail, newestNsOf, newTail, readSince, sumOf } from "./series-live.mjs";
import { liveKey } from "./stream.mjs";
import { state } from "./state.mjs";
import type { Affordance, ThingView } from "./things.mjs";
import { drawTimeline, segmentsOf, timelineLegend } from "./timeline.mjs";
import { el } from "./dom.mjs";

/**
 * One refresh of the page: the range every view reads, and a signal aborted when a newer refresh
 * (a range or Thing change) takes over, so no view draws an older range over a newer one.
 */
export interface Refresh {
    range: Range;
    signal: AbortSignal;
    /** the range or the Thing changed since the last refresh: logs go back to their first page */
    rangeChanged: boolean;
    /**
     * the stream reopened on the same range: a view holding raw points reads only those since its newest
     * (and the gaps meanwhile), others read their range again
     */
    resume?: boolean;
}

/**
 * One part of the page: it reads its history resource on `refresh` (a range or Thing change, the stream
 * (re)opened), and between refreshes draws what the live stream brings without a request.
 */
export interface View {
    refresh(r: Refresh): Promise<void>;
    /**
     * The range moved on (now is later) and `points` gives the streamed points of a series (`liveKey`): drawn
     * again from what the view holds. True when it must read its range again (more points than a plot takes).
     */
    live?(range: Range, points: (key: string) => HistoryPoint[], signal: AbortSignal): boolean;
    destroy?(): void;
}

/** Gaps reported by the answer, and the device's lost intervals (the answers may not report those yet). */
function gapsFor(thing: ThingView, own: GapSpan[]): GapSpan[] {
    if (thing.isVoStatus) return own;
    // one lost interval drawn once: the answer's own gap and the liveness's bounds differ by a probe or so
    const overlaps = (l: GapSpan, g: GapSpan) => g.reason === l.reason && g.fromMs < l.toMs && g.toMs > l.fromMs;
    const extra = state.liveness.lost.filter((l) => !own.some((g) => overlaps(l, g)));
    return [...own, ...extra];
}

/** The newest window's points, read once after the windows: its mean then moves exactly as points stream in. */
async function readTail(href: string, series: Series, range: Range, tail: LiveTail, signal: AbortSignal) {
    if (series.mode !== "windows") return;
    const last = series.windows[series.windows.length - 1];
    if (last === undefined) return;
    const from = new Date(last.ms).toISOString();
    const q = { from, to: new Date(range.toMs).toISOString(), limit: MAX_POINTS };
    const answer = await getJson<PointsAnswer>(historyUrl(href, q), signal);
    // a point streamed before this read is in it (or in the windows), whatever its time
    tail.newestNs = answer.items.length > 0 ? newestNsOf(answer.items) : BigInt(range.toMs) * 1_000_000n;
    const sum = answer.next === undefined ? sumOf(answer.items) : undefined;
    if (sum === undefined) return;
    tail.sums.set(last.ms, sum);
    last.value = sum.sum / sum.n;
}

/** A plot's legend and the element it draws in, added to `host`. */
function plotElements(a: Affordance, host: HTMLElement): { legend: HTMLElement; plotHost: HTMLElement } {
    const legend = el(
        "div",
        { className: "legend" },
        el("span", { className: "read" }, "read"),
        el("span", { className: "write" }, "write"),
        el("span", { className: "change" }, "change"),
        el("span", { className: "stale" }, "stale"),
        el("span", { className: "failed" }, "failed"),
        el("span", { className: "band" }, "min-max"),
        el("span", { className: "gap device-lost" }, "device lost"),
        el("span", { className: "gap vo-down" }, "VO down")
    );
    const keys = "arrow keys move the range, + and - zoom";
    const plotHost = el("div", { className: "plot", label: `${a.name}: plot; ${keys}`, dataset: { plot: a.name } });
    plotHost.setAttribute("role", "group");
    host.append(legend, plotHost);
    return { legend, plotHost };
}

/** The plot of a numeric property, its axes kept aligned with the page's timelines. */
function newPlot(a: Affordance, plotHost: HTMLElement, onZoom: (r: Range) => void): NumericPlot {
    return new NumericPlot(
        plotHost,
        () => state.range,
        onZoom,
        (left, right) => {
            document.documentElement.style.setProperty("--axis-left", `${left}px`);
            document.documentElement.style.setProperty("--axis-right", `${right}px`);
        },
        () => (state.firstPlotMs ??= performance.now()),
        { unit: a.unit, minimum: a.minimum, maximum: a.maximum }
    );
}

/** Says under a plot where its windows come from when the raw points are gone; returns what it said. */
function showSource(note: HTMLElement, series: Series): string | undefined {
    const from = statisticsName(series);
    setNote(note, from === undefined ? undefined : `${from}: this range reaches past the raw points' retention`);
    return from;
}

/** Raw points a plot takes at most (as `loadSeries` asks): about one per pixel. */
const maxPointsOf = (plot: NumericPlot) => Math.min(MAX_POINTS, Math.max(200, Math.round(plot.widthPx)));

/** A numeric property: a plot; `onZoom` is told of a range selected on it. */
export function numericView(thing: ThingView, a: Affordance, host: HTMLElement, onZoom: (r: Range) => void): View {
    const id = `property:${a.name}`;
    const { legend, plotHost } = plotElements(a, host);
    const [{ error, empty }, source] = [notes(host), sourceNote(host)]; // source: where windows come from
    const plot = newPlot(a, plotHost, onZoom);
    state.views[id] = { kind: "property", name: a.name, unit: a.unit };
    let last: { span: number; mode: Series["mode"] } | undefined;
    const bandCache = newBand();
    /** what was read and streamed since, its own gaps (the answer's) apart */
    let held: { series: Series; own: GapSpan[]; tail: LiveTail; span: number } | undefined;
    const key = liveKey(thing.id, "property", a.name);
    /** Draws the series and tells the page's state what was drawn. */
    const show = (series: Series, range: Range) => {
        const v = state.views[id];
        const count = series.mode === "points" ? series.points.length : series.windows.length;
        v.empty = count === 0;
        setNote(error, (v.error = undefined));
        setNote(empty, v.empty ? "no data in this range" : undefined);
        v.source = showSource(source, series);
        plotHost.hidden = legend.hidden = v.empty;
        if (!v.empty) plot.draw(series);
        const { points, windows, bridged, holes, failures, band, y } = plot.state;
        Object.assign(v, { mode: series.mode, points, windows, bridged, holes, failures, band, y, range });
        Object.assign(v, { gaps: series.gaps, every: series.mode === "windows" ? series.every : undefined });
    };
    return {
        async refresh({ range, signal, resume }) {
            const v = state.views[id];
            const maxPoints = maxPointsOf(plot);
            const kept = resume === true && held?.span === range.toMs - range.fromMs ? held : undefined;
            held = undefined; // streamed points wait for the read (they are newer, or in it)
            try {
                if (kept !== undefined && (await readSince(a.history!, kept, range, maxPoints, {}, signal))) {
                    kept.series.gaps = gapsFor(thing, kept.own);
                    show(kept.series, range);
                    held = kept;
                    return;
                }
                if (signal.aborted) return;
                const span = range.toMs - range.fromMs;
                const hint = last?.span === span ? last.mode : undefined; // a live range keeps its span
                const series = await loadSeries(a.history!, range, plot.widthPx, "mean", {}, hint, signal);
                if (signal.aborted) return; // a newer range took over: it draws
                last = { span, mode: series.mode };
                const own = series.gaps;
                series.gaps = gapsFor(thing, own);
                applyBand(series, bandCache);
                show(series, range);
                const tail = newTail();
                if (series.mode === "points") tail.newestNs = newestNsOf(series.points);
                else {
                    await Promise.all([
                        readTail(a.history!, series, range, tail, signal),
                        bandStale(bandCache, series, hint === undefined) &&
                            readBand(a.history!, range, series.every, bandCache, signal),
                    ]);
                    if (signal.aborted) return;
                    applyBand(series, bandCache);
                    show(series, range);
                }
                held = { series, own, tail, span };
            } catch (err) {
                if (signal.aborted) return;
                setNote(error, (v.error = errorText(err)));
                setNote(empty, undefined); // not known to be empty: the read failed
            }
        },
        live(range, points) {
            if (held === undefined) return false;
            const { series, own, tail } = held;
            const maxPoints = maxPointsOf(plot);
            if (extendSeries(series, points(key), range, tail, maxPoints, bandCache) === "reread") return true;
            series.gaps = gapsFor(thing, own);
            applyBand(series, bandCache);
            show(series, range);
            return false;
        },
        destroy: () => plot.destroy(),
    };
}

/** A boolean, string, enum or object property: a state timeline. */
export function timelineView(thing: ThingView, a: Affordance, host: HTMLElement): View {
    const id = `property:${a.name}`;
    const line = el("div", { className: "timeline", dataset: { timeline: a.name } });
    const legend = el("div");
    host.append(line, legend);
    const { error, empty } = notes(host);
    state.views[id] = { kind: "property", name: a.name };
    const key = liveKey(thing.id, "property", a.name);
    /** what was read and streamed since: the series, the state before the range, the answer's own gaps */
    let held:
        { series: Series; before: HistoryPoint | undefined; own: GapSpan[]; tail: LiveTail; span: number } | undefined;
    const draw = (series: Series, before: HistoryPoint | undefined, own: GapSpan[], range: Range) => {
        const v = state.views[id];
        series.gaps = gapsFor(thing, own);
        const segments = segmentsOf(series, range, before, undefined, true);
        const marks =
            series.mode === "points"
                ? series.points.map((p) => ({ ms: Date.parse(p.time), op: p.op, failed: p.ok ? undefined : p }))
                : [];
        drawTimeline(line, range, segments, series.gaps, marks);
        legend.replaceChildren(timelineLegend(segments));
        v.empty = segments.length === 0 && !marks.some((m) => m.failed);
        line.hidden = legend.hidden = v.empty;
        setNote(error, (v.error = undefined));
        setNote(empty, v.empty ? "no data in this range" : undefined);
        Object.assign(v, {
            mode: series.mode,
            segments: segments.length,
            points: series.mode === "points" ? series.points.length : 0,
            gaps: series.gaps,
            values: segments.map((s) => s.label),
            failures: marks.filter((m) => m.failed).length,
            range,
        });
    };
    return {
        async refresh({ range, signal, resume }) {
            const v = state.views[id];
            const kept = resume === true && held?.span === range.toMs - range.fromMs ? held : undefined;
            held = undefined;
            try {
                const dropped = kept && (await readSince(a.history!, kept, range, MAX_POINTS, {}, signal));
                if (kept !== undefined && dropped !== undefined) {
                    kept.before = dropped.filter((p) => p.ok).pop() ?? kept.before;
                    held = kept;
                    draw(kept.series, kept.before, kept.own, range);
                    return;
                }
                if (signal.aborted) return;
                const [series, before] = await Promise.all([
                    loadSeries(a.history!, range, line.clientWidth || 800, "last", {}, undefined, signal),
                    pointBefore(a.history!, range, {}, signal),
                ]);
                if (signal.aborted) return;
                const tail = newTail();
                // windows of "last": the stream's points take the newest window's value as they come
                tail.newestNs = series.mode === "points" ? newestNsOf(series.points) : BigInt(range.toMs) * 1_000_000n;
                held = { series, before, own: series.gaps, tail, span: range.toMs - range.fromMs };
                draw(series, before, held.own, range);
            } catch (err) {
                if (signal.aborted) return;
                setNote(error, (v.error = errorText(err)));
                setNote(empty, undefined); // not known to be empty: the read failed
            }
        },
        live(range, points) {
            if (held === undefined) return false;
            const dropped = extendSeries(held.series, points(key), range, held.tail, MAX_POINTS);
            if (dropped === "reread") return true;
            held.before = dropped.filter((p) => p.ok).pop() ?? held.before;
            draw(held.series, held.before, held.own, range);
            return false;
        },
    };
}

/** When a log last read its newest page for streamed entries: all logs together read at most once a second. */
let lastLogRead = 0;
const LOG_READ_MS = 1000;

/** An action's or an event's log: read again when the stream brings entries for it (a second apart at most). */
export function logView(thing: ThingView, a: Affordance, host: HTMLElement): View {
    const id = `${a.kind}:${a.name}`;
    const box = el("div");
    host.append(box);
    const { error } = notes(host);
    state.views[id] = { kind: a.kind, name: a.name };
    // told of every read, a page turned by its buttons too
    const log: LogView = new LogView(box, a.history!, a.kind === "action" ? "action" : "event", (err) => {
        setNote(error, (state.views[id].error = err === undefined ? undefined : errorText(err)));
        Object.assign(state.views[id], { rows: log.rows, page: log.page, range: log.range });
    });
    const key = liveKey(thing.id, a.kind, a.name);
    const op = a.kind === "action" ? "invokeaction" : "emitevent";
    let dirty = false;
    const refresh = async (r: Refresh) => {
        dirty = false;
        await log.refresh(r);
        Object.assign(state.views[id], { rows: log.rows, page: log.page, range: log.range });
    };
    return {
        refresh,
        live(range, points, signal) {
            dirty ||= points(key).some((p) => p.op === op);
            if (!dirty || Date.now() - lastLogRead < LOG_READ_MS) return false;
            lastLogRead = Date.now();
            void refresh({ range, signal, rangeChanged: false });
            return false;
        },
    };
}
