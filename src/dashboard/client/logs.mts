import { getJson, HistoryPoint, historyUrl, PointsAnswer } from "./api.mjs";
import { el, timeText, valueText } from "./dom.mjs";
import type { Range } from "./series.mjs";

const PAGE = 10;

/**
 * An action's invocations or an event's emissions over the range, newest first, a page at a time.
 * The first page follows the range live; older pages keep the query of the first (the cursor
 * belongs to it), so paging neither repeats nor misses an entry while new ones arrive.
 */
export class LogView {
    /** the cursors of the pages after the first, as followed */
    private cursors: string[] = [];
    /** from/to of the query the cursors belong to */
    private pinned: { from: string; to: string } | undefined;
    private next: string | undefined;
    rows = 0;
    private readonly table: HTMLTableElement;
    private readonly pager: HTMLDivElement;
    private readonly pageLabel: HTMLSpanElement;

    constructor(
        readonly host: HTMLElement,
        private readonly href: string,
        private readonly kind: "action" | "event",
        private readonly range: () => Range,
        /** told of each read: its error, or undefined when it succeeded */
        private readonly onError: (err: unknown) => void
    ) {
        this.table = el("table");
        this.pageLabel = el("span");
        const newest = el("button", {}, "newest");
        const older = el("button", {}, "older");
        newest.type = older.type = "button";
        newest.addEventListener("click", () => {
            this.cursors = [];
            this.pinned = undefined;
            void this.refresh(true);
        });
        older.addEventListener("click", () => {
            if (this.next === undefined) return;
            this.cursors.push(this.next);
            void this.refresh(true);
        });
        this.pager = el("div", { className: "pager" }, newest, older, this.pageLabel);
        host.replaceChildren(this.table, this.pager);
    }

    /** Reads the page shown again (the first page only, unless asked: older pages do not change); reports errors. */
    async refresh(force = false): Promise<void> {
        if (!force && this.cursors.length > 0) return;
        const r = this.range();
        const query =
            this.cursors.length > 0 && this.pinned
                ? this.pinned
                : { from: new Date(r.fromMs).toISOString(), to: new Date(r.toMs).toISOString() };
        if (this.cursors.length === 0) this.pinned = query;
        const cursor = this.cursors[this.cursors.length - 1];
        try {
            const answer = await getJson<PointsAnswer>(
                historyUrl(this.href, { ...query, order: "newest", limit: PAGE, cursor })
            );
            this.next = answer.next;
            this.render(answer.items);
            this.onError(undefined);
        } catch (err) {
            this.onError(err);
        }
    }

    private render(items: HistoryPoint[]): void {
        this.rows = items.length;
        this.host.dataset.rows = String(items.length);
        this.pageLabel.textContent = `page ${this.cursors.length + 1}${this.next === undefined ? " (last)" : ""}`;
        const head =
            this.kind === "action"
                ? ["time", "input", "output or error", "duration", "origin", "protocol"]
                : ["time", "data", "origin", "protocol"];
        const rows = items.map((p) => {
            const time = el("td", {}, timeText(Date.parse(p.time)));
            const json = (v: unknown, failed = false) =>
                el("td", { className: `json${failed ? " failed" : ""}` }, valueText(v));
            if (this.kind === "event")
                return el("tr", {}, time, json(p.value), el("td", {}, p.origin ?? ""), el("td", {}, p.protocol));
            const result = p.ok ? json(p.output) : json(`error: ${p.error ?? "failed"}`, true);
            const duration = el("td", {}, p.durationMs === undefined ? "" : `${p.durationMs.toFixed(1)} ms`);
            return el(
                "tr",
                {},
                time,
                json(p.value),
                result,
                duration,
                el("td", {}, p.origin ?? ""),
                el("td", {}, p.protocol)
            );
        });
        const thead = el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h))));
        const body = rows.length > 0 ? rows : [el("tr", {}, el("td", { className: "empty" }, "no data in this range"))];
        if (rows.length === 0) (body[0].firstChild as HTMLTableCellElement).colSpan = head.length;
        this.table.replaceChildren(thead, el("tbody", {}, ...body));
    }
}
