import { HttpError, UnreachableError } from "./api.mjs";
import { el } from "./dom.mjs";

/**
 * What went wrong, as a view says it: the history resource's own answer when there was one; nothing
 * when the VO does not answer at all (the page says that once, in its banner, not in every view).
 */
export const errorText = (err: unknown): string | undefined => {
    if (err instanceof UnreachableError) return undefined;
    return err instanceof HttpError ? err.message : `cannot read: ${(err as Error).message}`;
};

/** A box under a view: the history resource's error, or "no data in this range". */
export function notes(host: HTMLElement): { error: HTMLParagraphElement; empty: HTMLParagraphElement } {
    const error = el("p", { className: "error" });
    const empty = el("p", { className: "empty" }, "no data in this range");
    error.hidden = empty.hidden = true;
    host.append(error, empty);
    return { error, empty };
}

/** A line under a plot saying where its windows come from when not from the raw points (hidden otherwise). */
export function sourceNote(host: HTMLElement): HTMLParagraphElement {
    const note = el("p", { className: "empty" });
    note.hidden = true;
    host.append(note);
    return note;
}

export function setNote(box: HTMLElement, text: string | undefined): void {
    box.hidden = text === undefined;
    if (text !== undefined) box.textContent = text;
}
