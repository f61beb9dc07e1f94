import { getJson, HistoryPoint, historyUrl, PointsAnswer } from "./api.mjs";
import { el, labelCells, timeText, valueText, zoneText } from "./dom.mjs";
import { errorText, notes, setNote } from "./notes.mjs";
import { state, ViewState } from "./state.mjs";
import type { ThingView } from "./things.mjs";
import type { View } from "./views.mjs";

/** The newest entries read per affordance: the failures among them are listed. */
const SCAN = 500;

/**
 * A Thing's failed interactions over the range (reads that timed out, writes refused while its device
 * was lost, actions that threw), every affordance together, newest first: read when opened, and again
 * on each range change while open. The history resource filters successes only, so failures are the
 * entries with ok false among each affordance's newest.
 */
export function failureLog(thing: ThingView, host: HTMLElement): View {
    const box = el("details", { className: "failures" }, el("summary", {}, "failed interactions"));
    const table = el("div");
    box.append(table);
    host.append(box);
    const { error } = notes(box);
    const v: ViewState = (state.failureLog = { kind: "failures", name: thing.key });
    let last: Parameters<View["refresh"]>[0] | undefined;
    const read = async () => {
        const r = last;
        if (r === undefined || !box.open) return;
        const query = { from: new Date(r.range.fromMs).toISOString(), to: new Date(r.range.toMs).toISOString() };
        try {
            const lists = await Promise.all(
                thing.affordances
                    .filter((a) => a.history !== undefined)
                    .map(async (a) => {
                        const url = historyUrl(a.history!, { ...query, order: "newest", limit: SCAN });
                        const answer = await getJson<PointsAnswer>(url, r.signal);
                        return answer.items.filter((p) => !p.ok).map((p) => ({ a: `${a.kind} ${a.name}`, p }));
                    })
            );
            if (r.signal.aborted) return;
            const all = lists.flat().sort((x, y) => Date.parse(y.p.time) - Date.parse(x.p.time));
            table.replaceChildren(failureTable(all));
            Object.assign(v, { failures: all.length, range: r.range, error: undefined });
            setNote(error, undefined);
        } catch (err) {
            if (!r.signal.aborted) setNote(error, (v.error = errorText(err)));
        }
    };
    box.addEventListener("toggle", () => void read());
    return {
        async refresh(r) {
            const first = last === undefined;
            last = r;
            if (first || r.rangeChanged) await read();
        },
    };
}

function failureTable(rows: { a: string; p: HistoryPoint }[]): HTMLElement {
    if (rows.length === 0) return el("p", { className: "empty" }, "no failed interaction in this range");
    const head = [`time (${zoneText()})`, "affordance", "operation", "error", "input", "protocol", "origin"];
    const body = rows.map(({ a, p }) =>
        el(
            "tr",
            {},
            ...[timeText(Date.parse(p.time)), a, p.op].map((t) => el("td", {}, t)),
            el("td", { className: "json failed" }, p.error ?? "no reason recorded"),
            el("td", { className: "json" }, valueText(p.value)),
            el("td", {}, p.protocol),
            el("td", {}, p.origin ?? "")
        )
    );
    labelCells(body, head);
    return el(
        "table",
        {},
        el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h)))),
        el("tbody", {}, ...body)
    );
}
