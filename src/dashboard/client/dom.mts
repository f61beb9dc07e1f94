/**
 * Elements built with text only: every name and value from the VO goes in as a text node or an
 * attribute set through the DOM, never as markup.
 */
export type Child = Node | string | number | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    props: { className?: string; title?: string; dataset?: Record<string, string> } = {},
    ...children: Child[]
): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    if (props.className) e.className = props.className;
    if (props.title !== undefined) e.title = props.title;
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
