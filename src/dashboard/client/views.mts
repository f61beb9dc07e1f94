import { LogView } from "./logs.mjs";
import { errorText, notes, setNote } from "./notes.mjs";
import { NumericPlot } from "./plot.mjs";
import { applyBand, bandStale, GapSpan, loadSeries, newBand, pointBefore, Range, readBand, Series } from "./series.mjs";
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
}

/** One part of the page that reads its history resource again on each refresh. */
export interface View {
    refresh(r: Refresh): Promise<void>;
    destroy?(): void;
}

/** Gaps reported by the answer, and the device's lost intervals (the answers may not report those yet). */
function gapsFor(thing: ThingView, series: Series): GapSpan[] {
    if (thing.isVoStatus) return series.gaps;
    const own = series.gaps;
    // one lost interval drawn once: the answer's own gap and the liveness's bounds differ by a probe or so
    const overlaps = (l: GapSpan, g: GapSpan) => g.reason === l.reason && g.fromMs < l.toMs && g.toMs > l.fromMs;
    const extra = state.liveness.lost.filter((l) => !own.some((g) => overlaps(l, g)));
    return [...own, ...extra];
}

/** A numeric property: a plot; `onZoom` is told of a range selected on it. */
export function numericView(thing: ThingView, a: Affordance, host: HTMLElement, onZoom: (r: Range) => void): View {
    const id = `property:${a.name}`;
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
    const { error, empty } = notes(host);
    const plot = new NumericPlot(
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
    state.views[id] = { kind: "property", name: a.name, unit: a.unit };
    let last: { span: number; mode: Series["mode"] } | undefined;
    const bandCache = newBand();
    /** Draws the series and tells the page's state what was drawn. */
    const show = (series: Series, range: Range) => {
        const v = state.views[id];
        const count = series.mode === "points" ? series.points.length : series.windows.length;
        v.empty = count === 0;
        setNote(error, (v.error = undefined));
        setNote(empty, v.empty ? "no data in this range" : undefined);
        plotHost.hidden = legend.hidden = v.empty;
        if (!v.empty) plot.draw(series);
        const { points, windows, bridged, holes, failures, band, y } = plot.state;
        Object.assign(v, { mode: series.mode, points, windows, bridged, holes, failures, band, y, range });
        Object.assign(v, { gaps: series.gaps, every: series.mode === "windows" ? series.every : undefined });
    };
    return {
        async refresh({ range, signal }) {
            const v = state.views[id];
            try {
                const span = range.toMs - range.fromMs;
                const hint = last?.span === span ? last.mode : undefined; // a live range keeps its span
                const series = await loadSeries(a.history!, range, plot.widthPx, "mean", {}, hint, signal);
                if (signal.aborted) return; // a newer range took over: it draws
                last = { span, mode: series.mode };
                series.gaps = gapsFor(thing, series);
                applyBand(series, bandCache);
                show(series, range);
                if (series.mode !== "windows" || !bandStale(bandCache, series, hint === undefined)) return;
                await readBand(a.history!, range, series.every, bandCache, signal);
                if (signal.aborted) return;
                applyBand(series, bandCache);
                show(series, range);
            } catch (err) {
                if (signal.aborted) return;
                setNote(error, (v.error = errorText(err)));
                setNote(empty, undefined); // not known to be empty: the read failed
            }
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
    return {
        async refresh({ range, signal }) {
            const v = state.views[id];
            try {
                const [series, before] = await Promise.all([
                    loadSeries(a.history!, range, line.clientWidth || 800, "last", {}, undefined, signal),
                    pointBefore(a.history!, range, {}, signal),
                ]);
                if (signal.aborted) return;
                series.gaps = gapsFor(thing, series);
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
            } catch (err) {
                if (signal.aborted) return;
                setNote(error, (v.error = errorText(err)));
                setNote(empty, undefined); // not known to be empty: the read failed
            }
        },
    };
}

/** An action's or an event's log. */
export function logView(a: Affordance, host: HTMLElement): View {
    const id = `${a.kind}:${a.name}`;
    const box = el("div");
    host.append(box);
    const { error } = notes(host);
    state.views[id] = { kind: a.kind, name: a.name };
    const log = new LogView(box, a.history!, a.kind === "action" ? "action" : "event", (err) =>
        setNote(error, (state.views[id].error = err === undefined ? undefined : errorText(err)))
    );
    return {
        async refresh(r) {
            await log.refresh(r);
            Object.assign(state.views[id], { rows: log.rows, page: log.page, range: log.range });
        },
    };
}
