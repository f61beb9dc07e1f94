import { getJson, HistoryPoint, historyUrl, PointsAnswer } from "./api.mjs";
import { el, labelCells, timeText, valueText, zoneText } from "./dom.mjs";
import type { Range } from "./series.mjs";
import type { Refresh } from "./views.mjs";

const PAGE = 10;

/** What a log lists: an action's invocations, an event's emissions (not the subscriptions recorded beside them). */
const OP = { action: "invoke", event: "emit" } as const;

/**
 * An action's invocations or an event's emissions over the range, newest first, a page at a time.
 * The first page follows the range live; older pages keep the query of the first (the cursor
 * belongs to it), so paging neither repeats nor misses an entry while new ones arrive.
 */
export class LogView {
    /** the cursors of the pages after the first, as followed */
    private cursors: string[] = [];
    /** from/to of the query the cursors belong to */
    private pinned: Range | undefined;
    private next: string | undefined;
    /** the refresh the page last asked for (range and signal): paging reads within it */
    private last: Refresh | undefined;
    rows = 0;
    private readonly table: HTMLTableElement;
    private readonly pager: HTMLDivElement;
    private readonly pageLabel: HTMLSpanElement;
    private readonly newest: HTMLButtonElement;
    private readonly older: HTMLButtonElement;

    constructor(
        readonly host: HTMLElement,
        private readonly href: string,
        private readonly kind: "action" | "event",
        /** told of each read: its error, or undefined when it succeeded */
        private readonly onError: (err: unknown) => void
    ) {
        this.table = el("table");
        this.pageLabel = el("span");
        this.newest = el("button", {}, "newest");
        this.older = el("button", {}, "older");
        this.newest.type = this.older.type = "button";
        this.newest.disabled = this.older.disabled = true;
        this.newest.addEventListener("click", () => {
            this.cursors = [];
            this.pinned = undefined;
            void this.read();
        });
        this.older.addEventListener("click", () => {
            if (this.next === undefined) return;
            this.cursors.push(this.next);
            void this.read();
        });
        this.pager = el("div", { className: "pager" }, this.newest, this.older, this.pageLabel);
        host.replaceChildren(this.table, this.pager);
    }

    /** 1 for the newest page. */
    get page(): number {
        return this.cursors.length + 1;
    }

    /** The range of the page shown. */
    get range(): Range | undefined {
        return this.pinned;
    }

    /**
     * On the page's refresh: a new range starts again at the newest page; otherwise the first page
     * follows the range and older pages stay as they are (they do not change).
     */
    async refresh(r: Refresh): Promise<void> {
        this.last = r;
        if (r.rangeChanged) {
            this.cursors = [];
            this.pinned = undefined;
        }
        if (this.cursors.length > 0) return;
        await this.read();
    }

    /** Reads the page shown (the first follows the refresh's range; older ones the range their cursor belongs to). */
    private async read(): Promise<void> {
        const r = this.last;
        if (r === undefined) return;
        const range = this.cursors.length > 0 && this.pinned ? this.pinned : r.range;
        const cursor = this.cursors[this.cursors.length - 1];
        const query = { from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString() };
        try {
            const answer = await getJson<PointsAnswer>(
                historyUrl(this.href, { ...query, op: OP[this.kind], order: "newest", limit: PAGE, cursor }),
                r.signal
            );
            if (r.signal.aborted) return; // a newer range took over: it reads its own first page
            if (this.cursors.length === 0) this.pinned = range;
            this.next = answer.next;
            this.render(answer.items);
            this.onError(undefined);
        } catch (err) {
            if (!r.signal.aborted) this.onError(err);
        }
    }

    private render(items: HistoryPoint[]): void {
        this.rows = items.length;
        this.host.dataset.rows = String(items.length);
        const first = this.cursors.length * PAGE + 1;
        const shown = items.length === 0 ? "none" : `${first}-${first + items.length - 1}`;
        this.pageLabel.textContent = `page ${this.page}${this.next === undefined ? " (last)" : ""}, entries ${shown}`;
        this.older.disabled = this.next === undefined;
        this.newest.disabled = this.cursors.length === 0;
        const time = `time (${zoneText()})`;
        const head =
            this.kind === "action"
                ? [time, "input", "output or error", "duration", "origin", "protocol"]
                : [time, "data", "origin", "protocol"];
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
        labelCells(rows, head);
        const thead = el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h))));
        const body = rows.length > 0 ? rows : [el("tr", {}, el("td", { className: "empty" }, "no data in this range"))];
        if (rows.length === 0) (body[0].firstChild as HTMLTableCellElement).colSpan = head.length;
        this.table.replaceChildren(thead, el("tbody", {}, ...body));
    }
}
