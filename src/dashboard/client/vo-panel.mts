import { getJson } from "./api.mjs";
import { byId, el, labelCells, valueText } from "./dom.mjs";
import { errorText, notes, setNote } from "./notes.mjs";
import { loadSeries, pointBefore } from "./series.mjs";
import { state } from "./state.mjs";
import type { Affordance, ThingView } from "./things.mjs";
import { drawTimeline, Segment, segmentsOf } from "./timeline.mjs";
import type { View } from "./views.mjs";

/** A view drawing a state property's changes (device liveness, self-check) as a timeline; `keep` gets its segments. */
function stateTimeline(
    host: HTMLElement,
    a: Affordance | undefined,
    label: (v: unknown) => string,
    keep: (segments: Segment[]) => void
): View[] {
    if (a?.history === undefined) return [];
    const { error } = notes(host.parentElement!);
    const history = a.history;
    return [
        {
            async refresh({ range, signal }) {
                try {
                    const filters = { op: "change" };
                    const [series, before] = await Promise.all([
                        loadSeries(history, range, host.clientWidth || 800, "last", filters, undefined, signal),
                        pointBefore(history, range, filters, signal),
                    ]);
                    if (signal.aborted) return; // a newer range took over: it draws
                    const segments = segmentsOf(series, range, before, label);
                    drawTimeline(host, range, segments, series.gaps, [], (l) => l);
                    keep(segments);
                    setNote(error, undefined);
                } catch (err) {
                    if (signal.aborted) return;
                    setNote(error, errorText(err));
                }
            },
        },
    ];
}

/**
 * The VO's observers and redirects now, read together from the dashboard's own `vo-state.json` (what the
 * status Thing's properties read): the page's polling is not an interaction of the status Thing, so it is
 * not recorded, while a client reading those properties is.
 */
function liveLists(): View[] {
    const hosts = { observers: byId("observers"), redirects: byId("redirects") };
    const showError = (text: string) => {
        for (const host of Object.values(hosts)) host.replaceChildren(el("p", { className: "error" }, text));
    };
    return [
        {
            async refresh({ signal }) {
                try {
                    const now = await getJson<{ observers?: unknown; redirects?: unknown }>("vo-state.json", signal);
                    if (signal.aborted) return;
                    hosts.observers.replaceChildren(observersTable(now.observers));
                    hosts.redirects.replaceChildren(redirectList(now.redirects));
                } catch (err) {
                    const text = signal.aborted ? undefined : errorText(err);
                    if (text !== undefined) showError(text);
                }
            },
        },
    ];
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
        ...stateTimeline(byId("liveness"), find("property", "device"), field("state"), (segments) => {
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
        ...stateTimeline(byId("selfcheck"), find("property", "status"), field("status"), (segments) => {
            state.selfCheck.segments = segments;
        }),
        ...liveLists(),
    ];
}
