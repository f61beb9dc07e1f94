import { el } from "./dom.mjs";

/**
 * One tip for the whole page: whatever carries `data-tip` (a gap, a failed interaction, a state's
 * stretch) shows its text on hover, on a tap and on keyboard focus, so touch and keyboard users read
 * what a mouse user reads (a native title reaches neither). Those elements are buttons: focusable,
 * and named for a screen reader by their `aria-label`.
 */
const tip = el("div", { className: "tip", dataset: { role: "tip" } });
tip.setAttribute("aria-hidden", "true"); // the element's own accessible name says the same
tip.hidden = true;

function show(target: HTMLElement): void {
    tip.textContent = target.dataset.tip ?? "";
    tip.hidden = false;
    tip.style.left = "0px"; // measured at full width, then placed
    const r = target.getBoundingClientRect();
    const left = Math.max(4, Math.min(window.innerWidth - tip.offsetWidth - 4, r.left + window.scrollX));
    tip.style.left = `${left}px`;
    tip.style.top = `${r.bottom + window.scrollY + 4}px`;
}

const tipped = (e: Event) => (e.target as HTMLElement | null)?.closest?.<HTMLElement>("[data-tip]") ?? null;

export function wireTips(): void {
    document.body.append(tip);
    for (const type of ["mouseover", "focusin", "click"]) {
        document.addEventListener(type, (e) => {
            const t = tipped(e);
            if (t !== null) show(t);
            else if (type === "click") tip.hidden = true;
        });
    }
    for (const type of ["mouseout", "focusout"]) {
        document.addEventListener(type, (e) => {
            if (tipped(e) !== null && document.activeElement?.closest("[data-tip]") == null) tip.hidden = true;
        });
    }
    document.addEventListener("keydown", (e) => e.key === "Escape" && (tip.hidden = true));
}

/** A focusable element carrying `text` as its tip and accessible name. */
export function tipButton(className: string, text: string, dataset: Record<string, string> = {}): HTMLButtonElement {
    const b = el("button", { className, label: text.replace(/\n/g, ", "), dataset: { ...dataset, tip: text } });
    b.type = "button";
    return b;
}

/**
 * Draws `host` again with `render`, keeping keyboard focus: a live range redraws every second, and the
 * element focused (a stretch, a gap, a failure: its `data-key`) is focused again in the new drawing.
 */
export function keepingFocus(host: HTMLElement, render: () => void): void {
    const active = document.activeElement as HTMLElement | null;
    const key = active !== null && host.contains(active) ? active.dataset.key : undefined;
    render();
    if (key === undefined) return;
    const again = [...host.querySelectorAll<HTMLElement>("[data-key]")].find((e) => e.dataset.key === key);
    again?.focus({ preventScroll: true });
}
