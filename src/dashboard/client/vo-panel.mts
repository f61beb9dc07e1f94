import type { HistoryPoint } from "./api.mjs";
import { byId, el, labelCells, valueText } from "./dom.mjs";
import { errorText, notes, setNote } from "./notes.mjs";
import { GapSpan, loadSeries, MAX_POINTS, pointBefore, Range, Series } from "./series.mjs";
import { extendSeries, LiveTail, newestNsOf, newTail, readSince } from "./series-live.mjs";
import { liveKey } from "./stream.mjs";
import { state } from "./state.mjs";
import type { Affordance, ThingView } from "./things.mjs";
import { drawTimeline, Segment, segmentsOf } from "./timeline.mjs";
import type { View } from "./views.mjs";

/** A view drawing a state property's changes (device liveness, self-check) as a timeline; `keep` gets its segments. */
function stateTimeline(
    host: HTMLElement,
    vo: ThingView,
    a: Affordance | undefined,
    label: (v: unknown) => string,
    keep: (segments: Segment[]) => void
): View[] {
    if (a?.history === undefined) return [];
    const { error } = notes(host.parentElement!);
    const history = a.history;
    const key = liveKey(vo.id, "property", a.name);
    let held:
        { series: Series; before: HistoryPoint | undefined; own: GapSpan[]; tail: LiveTail; span: number } | undefined;
    const draw = (range: Range) => {
        const segments = segmentsOf(held!.series, range, held!.before, label);
        drawTimeline(host, range, segments, held!.series.gaps, [], (l) => l);
        keep(segments);
        setNote(error, undefined);
    };
    return [
        {
            async refresh({ range, signal, resume }) {
                const kept = resume === true && held?.span === range.toMs - range.fromMs ? held : undefined;
                held = undefined;
                try {
                    const filters = { op: "change" };
                    const dropped = kept && (await readSince(history, kept, range, MAX_POINTS, filters, signal));
                    if (kept !== undefined && dropped !== undefined) {
                        kept.before = dropped.filter((p) => p.ok).pop() ?? kept.before;
                        kept.series.gaps = kept.own;
                        held = kept;
                        draw(range);
                        return;
                    }
                    if (signal.aborted) return;
                    const [series, before] = await Promise.all([
                        loadSeries(history, range, host.clientWidth || 800, "last", filters, undefined, signal),
                        pointBefore(history, range, filters, signal),
                    ]);
                    if (signal.aborted) return; // a newer range took over: it draws
                    const tail = newTail();
                    tail.newestNs =
                        series.mode === "points" ? newestNsOf(series.points) : BigInt(range.toMs) * 1_000_000n;
                    held = { series, before, own: series.gaps, tail, span: range.toMs - range.fromMs };
                    draw(range);
                } catch (err) {
                    if (signal.aborted) return;
                    setNote(error, errorText(err));
                }
            },
            live(range, points) {
                if (held === undefined) return false;
                const changes = points(key).filter((p) => p.op === "propertychange");
                const dropped = extendSeries(held.series, changes, range, held.tail, MAX_POINTS);
                if (dropped === "reread") return true;
                held.before = dropped.filter((p) => p.ok).pop() ?? held.before;
                draw(range);
                return false;
            },
        },
    ];
}

/**
 * The VO's observers and redirects now, as the live stream gives them (what the status Thing's properties read,
 * from the dashboard's own `vo-state.json`): the page's reads are not interactions of the status Thing, so they
 * are not recorded, while a client reading those properties is.
 */
export function showLiveLists(now: { observers?: unknown; redirects?: unknown }): void {
    // gone with a VO that serves no status Thing (its panel says so instead)
    document.getElementById("observers")?.replaceChildren(observersTable(now.observers));
    document.getElementById("redirects")?.replaceChildren(redirectList(now.redirects));
}

function observersTable(v: unknown): HTMLElement {
    const rows = Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
    if (rows.length === 0) return el("p", { className: "empty" }, "no observers now");
    const cols = ["protocol", "ip", "port", "thing", "affordance", "op", "since"];
    const body = rows.map((r) => el("tr", {}, ...cols.map((c) => el("td", {}, valueText(r[c])))));
    labelCells(body, cols);
    return el(
        "table",
        { dataset: { rows: String(rows.length) } },
        el("thead", {}, el("tr", {}, ...cols.map((c) => el("th", {}, c)))),
        el("tbody", {}, ...body)
    );
}

function redirectList(v: unknown): HTMLElement {
    const targets = Array.isArray(v) ? v : [];
    if (targets.length === 0) return el("p", { className: "empty" }, "no redirect: clients are served here");
    return el("ul", {}, ...targets.map((t, i) => el("li", {}, valueText(t), i === 0 ? " (active)" : "")));
}

/** A field of an object value as text, or the value itself as text when it is not an object. */
const field = (key: string) => (v: unknown) =>
    v !== null && typeof v === "object" ? valueText((v as Record<string, unknown>)[key]) : valueText(v);

/** The VO's own timelines and lists, read through its status Thing's history and forms. */
export function voViews(vo: ThingView | undefined): View[] {
    if (vo === undefined) {
        const why = "this VO serves no status Thing: no device liveness, self-check, observers or redirects to show";
        byId("vo").replaceChildren(el("h2", {}, "VO"), el("p", { className: "empty" }, why));
        return [];
    }
    const find = (kind: string, name: string) => vo.affordances.find((a) => a.kind === kind && a.name === name);
    return [
        ...stateTimeline(byId("liveness"), vo, find("property", "device"), field("state"), (segments) => {
            state.liveness.segments = segments;
            state.liveness.lost = segments
                .filter((s) => s.label === "lost")
                .map((s) => ({
                    fromMs: s.fromMs,
                    toMs: s.toMs,
                    reason: "device-lost",
                    open: s.toMs >= state.range.toMs - 1500,
                }));
        }),
        ...stateTimeline(byId("selfcheck"), vo, find("property", "status"), field("status"), (segments) => {
            state.selfCheck.segments = segments;
        }),
    ];
}
