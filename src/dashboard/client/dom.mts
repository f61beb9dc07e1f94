/**
 * Elements built with text only: every name and value from the VO goes in as a text node or an
 * attribute set through the DOM, never as markup.
 */
export type Child = Node | string | number | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    props: { className?: string; title?: string; label?: string; dataset?: Record<string, string> } = {},
    ...children: Child[]
): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    if (props.className) e.className = props.className;
    if (props.title !== undefined) e.title = props.title;
    if (props.label !== undefined) e.setAttribute("aria-label", props.label);
    for (const [k, v] of Object.entries(props.dataset ?? {})) e.dataset[k] = v;
    for (const c of children) {
        if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
    }
    return e;
}

/** A value as the page shows it: strings as they are, everything else as JSON text. */
export function valueText(v: unknown): string {
    if (typeof v === "string") return v;
    if (v === undefined) return "";
    return JSON.stringify(v);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
    const e = document.getElementById(id);
    if (e === null) throw new Error(`the page has no #${id}`);
    return e as T;
}

/**
 * A value as one short line: objects as `key: value` pairs, nested ones as JSON (the whole value is in the
 * segment's tip and accessible name).
 */
export function compactText(v: unknown): string {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return valueText(v);
    return Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => `${k}: ${valueText(x)}`)
        .join(", ");
}

/** The browser's time zone as an offset ("UTC", "UTC+01:00"): every time on the page is in it. */
export function zoneText(ms = Date.now()): string {
    const off = -new Date(ms).getTimezoneOffset();
    if (off === 0) return "UTC";
    const p = (n: number) => String(n).padStart(2, "0");
    return `UTC${off > 0 ? "+" : "-"}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
}

/** A time with its zone, where no heading names the zone: "2026-12-02 03:48:06 UTC". */
export const zonedTimeText = (ms: number): string => `${timeText(ms)} ${zoneText(ms)}`;

/** "2026-12-02 03:48:06" in local time. */
export function timeText(ms: number): string {
    const d = new Date(ms);
    const p = (n: number) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Each cell names its column (`data-label`): a narrow screen shows a table's rows as stacked "column: value" lines. */
export function labelCells(rows: HTMLTableRowElement[], head: string[]): void {
    for (const row of rows) [...row.cells].forEach((cell, i) => (cell.dataset.label = head[i] ?? ""));
}
