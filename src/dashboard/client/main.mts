import { getJson, HttpError } from "./api.mjs";
import { byId, el, timeText, valueText } from "./dom.mjs";
import { LogView } from "./logs.mjs";
import { NumericPlot } from "./plot.mjs";
import { GapSpan, loadSeries, pointBefore, Range, Series } from "./series.mjs";
import { Affordance, loadThings, ThingView } from "./things.mjs";
import { drawTimeline, Segment, segmentsOf } from "./timeline.mjs";

/** How often a live range is read again: new points show within 2 s. */
const LIVE_MS = 1000;
const PRESETS: Record<string, number> = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000 };

/** What each view shows, readable by anyone looking at the page (`window.voDashboard`). */
interface ViewState {
    kind: string;
    name: string;
    mode?: Series["mode"];
    points?: number;
    windows?: number;
    segments?: number;
    rows?: number;
    gaps?: GapSpan[];
    bridged?: number;
    empty?: boolean;
    error?: string;
}

const state = {
    things: [] as { key: string; title: string }[],
    selected: undefined as string | undefined,
    range: { fromMs: Date.now() - PRESETS["1h"], toMs: Date.now() } as Range,
    live: "1h" as string | undefined,
    ticks: 0,
    lastUpdate: undefined as string | undefined,
    /** when the first plot was drawn, ms after the page's navigation started */
    firstPlotMs: undefined as number | undefined,
    views: {} as Record<string, ViewState>,
    liveness: { segments: [] as Segment[], lost: [] as GapSpan[] },
    selfCheck: { segments: [] as Segment[] },
};
(globalThis as unknown as { voDashboard: typeof state }).voDashboard = state;

const errorText = (err: unknown) => (err instanceof HttpError ? err.message : `cannot read: ${(err as Error).message}`);

interface View {
    refresh(): Promise<void>;
    destroy?(): void;
}

/** A box under a view: the history resource's error, or "no data in this range". */
function notes(host: HTMLElement): { error: HTMLParagraphElement; empty: HTMLParagraphElement } {
    const error = el("p", { className: "error" });
    const empty = el("p", { className: "empty" }, "no data in this range");
    error.hidden = empty.hidden = true;
    host.append(error, empty);
    return { error, empty };
}

function setNote(box: HTMLElement, text: string | undefined): void {
    box.hidden = text === undefined;
    if (text !== undefined) box.textContent = text;
}

/** Gaps reported by the answer, and the device's lost intervals (the answers may not report those yet). */
function gapsFor(thing: ThingView, series: Series): GapSpan[] {
    if (thing.isVoStatus) return series.gaps;
    const own = series.gaps;
    const extra = state.liveness.lost.filter((l) => !own.some((g) => g.fromMs <= l.fromMs && g.toMs >= l.toMs));
    return [...own, ...extra];
}

function numericView(thing: ThingView, a: Affordance, host: HTMLElement): View {
    const id = `property:${a.name}`;
    const legend = el(
        "div",
        { className: "legend" },
        el("span", { className: "read" }, "read"),
        el("span", { className: "write" }, "write"),
        el("span", { className: "change" }, "change"),
        el("span", { className: "stale" }, "stale"),
        el("span", { className: "gap" }, "gap")
    );
    const plotHost = el("div", { className: "plot", dataset: { plot: a.name } });
    host.append(legend, plotHost);
    const { error, empty } = notes(host);
    const plot = new NumericPlot(
        plotHost,
        () => state.range,
        (r) => setRange(r, undefined),
        (left, right) => {
            document.documentElement.style.setProperty("--axis-left", `${left}px`);
            document.documentElement.style.setProperty("--axis-right", `${right}px`);
        },
        () => (state.firstPlotMs ??= performance.now())
    );
    state.views[id] = { kind: "property", name: a.name };
    let last: { span: number; mode: Series["mode"] } | undefined;
    return {
        async refresh() {
            const v = state.views[id];
            try {
                const span = state.range.toMs - state.range.fromMs;
                const hint = last?.span === span ? last.mode : undefined; // a live range keeps its span
                const series = await loadSeries(a.history!, state.range, plot.widthPx, "mean", {}, hint);
                last = { span, mode: series.mode };
                series.gaps = gapsFor(thing, series);
                const count =
                    series.mode === "points" ? series.points.filter((p) => p.ok).length : series.windows.length;
                v.empty = count === 0;
                setNote(error, (v.error = undefined));
                setNote(empty, v.empty ? "no data in this range" : undefined);
                plotHost.hidden = v.empty;
                if (!v.empty) plot.draw(series);
                const { points, windows, bridged } = plot.state;
                Object.assign(v, { mode: series.mode, points, windows, bridged, gaps: series.gaps });
            } catch (err) {
                setNote(error, (v.error = errorText(err)));
                setNote(empty, undefined); // not known to be empty: the read failed
            }
        },
        destroy: () => plot.destroy(),
    };
}

function timelineView(thing: ThingView, a: Affordance, host: HTMLElement): View {
    const id = `property:${a.name}`;
    const line = el("div", { className: "timeline", dataset: { timeline: a.name } });
    host.append(line);
    const { error, empty } = notes(host);
    state.views[id] = { kind: "property", name: a.name };
    return {
        async refresh() {
            const v = state.views[id];
            try {
                const range = state.range;
                const [series, before] = await Promise.all([
                    loadSeries(a.history!, range, line.clientWidth || 800, "last"),
                    pointBefore(a.history!, range),
                ]);
                series.gaps = gapsFor(thing, series);
                const segments = segmentsOf(series, range, before);
                const marks =
                    series.mode === "points" ? series.points.map((p) => ({ ms: Date.parse(p.time), op: p.op })) : [];
                drawTimeline(line, range, segments, series.gaps, marks);
                v.empty = segments.length === 0;
                line.hidden = v.empty;
                setNote(error, (v.error = undefined));
                setNote(empty, v.empty ? "no data in this range" : undefined);
                Object.assign(v, {
                    mode: series.mode,
                    segments: segments.length,
                    points: series.mode === "points" ? series.points.length : 0,
                    gaps: series.gaps,
                    values: segments.map((s) => s.label),
                });
            } catch (err) {
                setNote(error, (v.error = errorText(err)));
                setNote(empty, undefined); // not known to be empty: the read failed
            }
        },
    };
}

function logView(a: Affordance, host: HTMLElement): View {
    const id = `${a.kind}:${a.name}`;
    const box = el("div");
    host.append(box);
    const { error } = notes(host);
    state.views[id] = { kind: a.kind, name: a.name };
    const log = new LogView(
        box,
        a.history!,
        a.kind === "action" ? "action" : "event",
        () => state.range,
        (err) => setNote(error, (state.views[id].error = err === undefined ? undefined : errorText(err)))
    );
    return {
        async refresh() {
            await log.refresh();
            state.views[id].rows = log.rows;
        },
    };
}

/** The VO's own timelines and lists, read through its status Thing's history and forms. */
function voViews(vo: ThingView | undefined): View[] {
    const liveness = byId("liveness");
    const selfcheck = byId("selfcheck");
    if (vo === undefined) {
        const why = "this VO serves no status Thing: no device liveness, self-check, observers or redirects to show";
        byId("vo").replaceChildren(el("h2", {}, "VO"), el("p", { className: "empty" }, why));
        return [];
    }
    const find = (kind: string, name: string) => vo.affordances.find((a) => a.kind === kind && a.name === name);
    const views: View[] = [];
    const stateTimeline = (
        host: HTMLElement,
        a: Affordance | undefined,
        label: (v: unknown) => string,
        keep: (segments: Segment[]) => void
    ) => {
        if (a?.history === undefined) return;
        const { error } = notes(host.parentElement!);
        views.push({
            async refresh() {
                try {
                    const range = state.range;
                    const filters = { op: "change" };
                    const [series, before] = await Promise.all([
                        loadSeries(a.history!, range, host.clientWidth || 800, "last", filters),
                        pointBefore(a.history!, range, filters),
                    ]);
                    const segments = segmentsOf(series, range, before, label);
                    drawTimeline(host, range, segments, series.gaps, [], (l) => l);
                    keep(segments);
                    setNote(error, undefined);
                } catch (err) {
                    setNote(error, errorText(err));
                }
            },
        });
    };
    const field = (key: string) => (v: unknown) =>
        v !== null && typeof v === "object" ? valueText((v as Record<string, unknown>)[key]) : valueText(v);
    stateTimeline(liveness, find("property", "device"), field("state"), (segments) => {
        state.liveness.segments = segments;
        state.liveness.lost = segments
            .filter((s) => s.label === "lost")
            .map((s) => ({
                fromMs: s.fromMs,
                toMs: s.toMs,
                reason: "device-lost",
                open: s.toMs >= state.range.toMs - 1500,
            }));
    });
    stateTimeline(selfcheck, find("property", "status"), field("status"), (segments) => {
        state.selfCheck.segments = segments;
    });
    const list = (id: string, a: Affordance | undefined, render: (v: unknown) => HTMLElement) => {
        const host = byId(id);
        if (a?.read === undefined) return;
        views.push({
            async refresh() {
                try {
                    host.replaceChildren(render(await getJson<unknown>(a.read!)));
                } catch (err) {
                    host.replaceChildren(el("p", { className: "error" }, errorText(err)));
                }
            },
        });
    };
    list("observers", find("property", "observers"), (v) => {
        const rows = Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
        if (rows.length === 0) return el("p", { className: "empty" }, "no observers now");
        const cols = ["protocol", "ip", "port", "thing", "affordance", "op", "since"];
        return el(
            "table",
            { dataset: { rows: String(rows.length) } },
            el("thead", {}, el("tr", {}, ...cols.map((c) => el("th", {}, c)))),
            el("tbody", {}, ...rows.map((r) => el("tr", {}, ...cols.map((c) => el("td", {}, valueText(r[c]))))))
        );
    });
    list("redirects", find("property", "redirects"), (v) => {
        const targets = Array.isArray(v) ? v : [];
        if (targets.length === 0) return el("p", { className: "empty" }, "no redirect: clients are served here");
        return el("ul", {}, ...targets.map((t, i) => el("li", {}, valueText(t), i === 0 ? " (active)" : "")));
    });
    return views;
}

let voPanel: View[] = [];
let thingPanel: View[] = [];
let things: ThingView[] = [];

function showThing(key: string | undefined): void {
    for (const v of thingPanel) v.destroy?.();
    for (const id of Object.keys(state.views)) delete state.views[id];
    const section = byId("thing");
    const thing = things.find((t) => t.key === key) ?? things.find((t) => !t.isVoStatus) ?? things[0];
    state.selected = thing?.key;
    for (const a of document.querySelectorAll<HTMLAnchorElement>("#thing-list a")) {
        a.classList.toggle("selected", a.dataset.key === thing?.key);
    }
    if (thing === undefined) {
        section.replaceChildren(el("p", { className: "empty" }, "this VO serves no Things"));
        thingPanel = [];
        return;
    }
    section.replaceChildren(el("h2", {}, thing.title), el("p", { className: "empty" }, thing.id));
    thingPanel = [];
    for (const a of thing.affordances) {
        const block = el("div", { className: "affordance", dataset: { kind: a.kind, name: a.name } });
        block.append(el("h3", {}, `${a.kind} ${a.name}`));
        section.append(block);
        if (a.history === undefined) {
            block.append(el("p", { className: "empty" }, "not recorded (its TD names no history)"));
            continue;
        }
        if (a.kind === "property") {
            const numeric = a.type === "number" || a.type === "integer";
            thingPanel.push(numeric ? numericView(thing, a, block) : timelineView(thing, a, block));
        } else thingPanel.push(logView(a, block));
    }
}

let busy = false;

/** Reads every view again: the VO's first (its lost intervals are the Thing's gaps), then the Thing's. */
async function refresh(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
        if (state.live !== undefined) {
            const now = Date.now();
            state.range = { fromMs: now - PRESETS[state.live], toMs: now };
        }
        await Promise.all(voPanel.map((v) => v.refresh()));
        await Promise.all(thingPanel.map((v) => v.refresh()));
        state.ticks++;
        state.lastUpdate = new Date().toISOString();
        byId("live").textContent =
            state.live !== undefined
                ? `live (${state.live}), updated ${timeText(Date.now())}`
                : `${timeText(state.range.fromMs)} – ${timeText(state.range.toMs)} (not live: pick a preset to follow)`;
    } finally {
        busy = false;
    }
}

const localInput = (ms: number) => {
    const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
    return d.toISOString().slice(0, 19);
};

function setRange(range: Range, live: string | undefined): void {
    if (!(range.toMs > range.fromMs)) return;
    state.range = range;
    state.live = live;
    byId<HTMLInputElement>("range-from").value = localInput(range.fromMs);
    byId<HTMLInputElement>("range-to").value = localInput(range.toMs);
    for (const b of document.querySelectorAll<HTMLButtonElement>("#range [data-preset]")) {
        b.classList.toggle("active", b.dataset.preset === live);
    }
    void refresh();
}

function wireRange(): void {
    for (const b of document.querySelectorAll<HTMLButtonElement>("#range [data-preset]")) {
        b.addEventListener("click", () => {
            const now = Date.now();
            setRange({ fromMs: now - PRESETS[b.dataset.preset!], toMs: now }, b.dataset.preset);
        });
    }
    byId("range-apply").addEventListener("click", () => {
        const from = Date.parse(byId<HTMLInputElement>("range-from").value);
        const to = Date.parse(byId<HTMLInputElement>("range-to").value);
        if (Number.isNaN(from) || Number.isNaN(to) || to <= from) {
            byId("live").textContent = "custom range: give a from before its to";
            return;
        }
        setRange({ fromMs: from, toMs: to }, undefined);
    });
}

async function start(): Promise<void> {
    wireRange();
    const listError = byId("listing-error");
    try {
        things = await loadThings();
    } catch (err) {
        setNote(listError, errorText(err));
        setTimeout(() => void start(), 2000); // the page keeps trying until the VO answers
        return;
    }
    setNote(listError, undefined);
    state.things = things.map((t) => ({ key: t.key, title: t.title }));
    byId("thing-list").replaceChildren(
        ...things.map((t) => {
            const a = el("a", { dataset: { key: t.key } }, t.title);
            a.href = `#${encodeURIComponent(t.key)}`;
            return el("li", {}, a);
        })
    );
    voPanel = voViews(things.find((t) => t.isVoStatus));
    const fromHash = () => (location.hash.length > 1 ? decodeURIComponent(location.hash.slice(1)) : undefined);
    window.addEventListener("hashchange", () => {
        showThing(fromHash());
        void refresh();
    });
    showThing(fromHash());
    // ?range=24h opens on a preset other than the last hour
    const asked = new URLSearchParams(location.search).get("range");
    if (asked !== null && asked in PRESETS) {
        state.live = asked;
        state.range = { fromMs: Date.now() - PRESETS[asked], toMs: Date.now() };
    }
    setRange(state.range, state.live);
    setInterval(() => {
        if (state.live !== undefined) void refresh();
    }, LIVE_MS);
}

void start();
