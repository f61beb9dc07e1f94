import { getJson, HistoryPoint, reach } from "./api.mjs";
import { byId, el, timeText, zonedTimeText, zoneText } from "./dom.mjs";
import { failureLog } from "./failures.mjs";
import { wireTips } from "./tip.mjs";
import { errorText, setNote } from "./notes.mjs";
import type { Range } from "./series.mjs";
import { PRESETS, state } from "./state.mjs";
import { loadThings, ThingView } from "./things.mjs";
import { logView, numericView, Refresh, timelineView, View } from "./views.mjs";
import { showLiveLists, voViews } from "./vo-panel.mjs";
import { liveKey, LivePoint, LiveStream } from "./stream.mjs";

/** How often a live range moves on (drawn from what the views hold, no request). */
const LIVE_MS = 1000;

/** Streamed points are drawn this long apart at most: a batch comes every 200 ms or so while things change. */
const DRAW_MS = 250;

(globalThis as unknown as { voDashboard: typeof state }).voDashboard = state;

let voPanel: View[] = [];
let thingPanel: View[] = [];
let things: ThingView[] = [];

function showThing(key: string | undefined): void {
    for (const v of thingPanel) v.destroy?.();
    for (const id of Object.keys(state.views)) delete state.views[id];
    const section = byId("thing");
    const thing = things.find((t) => t.key === key) ?? things.find((t) => !t.isVoStatus) ?? things[0];
    state.selected = thing?.key;
    inFlight?.abort(); // its views are gone
    const vo = things.find((t) => t.isVoStatus);
    stream.follow([...new Set([thing, vo].filter((t) => t !== undefined).map((t) => t.id))]);
    for (const a of document.querySelectorAll<HTMLAnchorElement>("#thing-list a")) {
        a.classList.toggle("selected", a.dataset.key === thing?.key);
    }
    if (thing === undefined) {
        section.replaceChildren(el("p", { className: "empty" }, "this VO serves no Things"));
        thingPanel = [];
        return;
    }
    section.replaceChildren(el("h2", {}, thing.title), el("p", { className: "empty" }, thing.id));
    thingPanel = [failureLog(thing, section)];
    section.append(filterBox(section));
    for (const a of thing.affordances) {
        // each one folds away (a long Thing is read a part at a time); the filter hides what it does not name
        const block = el("details", { className: "affordance", dataset: { kind: a.kind, name: a.name } });
        block.open = true;
        block.append(el("summary", {}, el("h3", {}, `${a.kind} ${a.name}`, a.unit ? ` (${a.unit})` : "")));
        section.append(block);
        if (a.history === undefined) {
            block.append(el("p", { className: "empty" }, "not recorded (its TD names no history)"));
            continue;
        }
        if (a.kind === "property") {
            const numeric = a.type === "number" || a.type === "integer";
            thingPanel.push(
                numeric ? numericView(thing, a, block, (r) => setRange(r, undefined)) : timelineView(thing, a, block)
            );
        } else thingPanel.push(logView(thing, a, block));
    }
}

/** A search box over the Thing's affordances: those whose name or kind does not hold its text are hidden. */
function filterBox(section: HTMLElement): HTMLElement {
    const input = el("input");
    input.type = "search";
    input.placeholder = "name or kind";
    input.addEventListener("input", () => {
        const words = input.value.trim().toLowerCase();
        for (const b of section.querySelectorAll<HTMLElement>(".affordance")) {
            b.hidden = words !== "" && !`${b.dataset.kind} ${b.dataset.name}`.toLowerCase().includes(words);
        }
    });
    // every affordance folded (their headings only, to pick one) or unfolded at once
    const fold = el("button", {}, "fold all");
    fold.type = "button";
    fold.addEventListener("click", () => {
        const open = fold.textContent === "unfold all";
        for (const d of section.querySelectorAll<HTMLDetailsElement>("details.affordance")) d.open = open;
        fold.textContent = open ? "fold all" : "unfold all";
    });
    return el("div", { className: "filter" }, el("label", {}, "filter ", input), " ", fold);
}

/** Says a range change (and nothing else: not each live update) to a screen reader. */
function announce(text: string): void {
    byId("announce").textContent = text;
}

/** The refresh in flight: a range or Thing change aborts it and starts its own. */
let inFlight: AbortController | undefined;
/** The signal of the last refresh: aborted by the next one (a log's read for streamed entries goes with it). */
let current = new AbortController();

/** The range or the Thing changed while the stream was shut: once open, every view reads its range whole. */
let rangeWhileShut = false;

/** Slides a live range to now. */
function slide(): void {
    if (state.live === undefined) return;
    const now = Date.now();
    state.range = { fromMs: now - PRESETS[state.live], toMs: now };
}

/**
 * Reads every view for the range: the VO's first (its lost intervals are the Thing's gaps), then the Thing's.
 * Only with the stream open: what it brings from then on is newer than what is read, or read too.
 */
async function refresh(rangeChanged: boolean, resume = false): Promise<void> {
    inFlight?.abort();
    if (!stream.open) {
        rangeWhileShut ||= rangeChanged; // read once it opens
        return;
    }
    const controller = new AbortController();
    current.abort();
    inFlight = current = controller;
    slide();
    const r: Refresh = { range: state.range, signal: controller.signal, rangeChanged, resume };
    try {
        await Promise.all(voPanel.map((v) => v.refresh(r)));
        if (controller.signal.aborted) return;
        await Promise.all(thingPanel.map((v) => v.refresh(r)));
        if (controller.signal.aborted) return;
        if (reach.failingSince !== undefined) return showOutage(() => void probe());
        showUpdated();
    } finally {
        if (inFlight === controller) inFlight = undefined;
    }
    drawLive(); // what came during the read
}

/** The header says what is shown and since when it is up to date. */
function showUpdated(): void {
    state.ticks++;
    state.lastUpdate = new Date().toISOString();
    byId("live").textContent =
        state.live !== undefined
            ? `live (${state.live}), updated ${zonedTimeText(Date.now())}`
            : `${timeText(state.range.fromMs)} – ${zonedTimeText(state.range.toMs)} (not live: pick a preset to follow)`;
}

/** Streamed points not drawn yet, by series (`liveKey`); past `MAX_PENDING` (a read that takes long) they are let go. */
let pending = new Map<string, HistoryPoint[]>();
let pendingCount = 0;
const MAX_PENDING = 100_000;
/** points were let go: the views read their range again instead */
let missed = false;
let lastDraw = 0;
let drawTimer: ReturnType<typeof setTimeout> | undefined;

function takePoints(points: LivePoint[]): void {
    pendingCount += points.length;
    if (pendingCount > MAX_PENDING) {
        pending = new Map();
        pendingCount = 0;
        missed = true;
        return;
    }
    for (const p of points) {
        const key = liveKey(p.thing, p.kind, p.name);
        const list = pending.get(key);
        if (list === undefined) pending.set(key, [p]);
        else list.push(p);
    }
    if (drawTimer !== undefined) return;
    drawTimer = setTimeout(
        () => {
            drawTimer = undefined;
            drawLive();
        },
        Math.max(0, lastDraw + DRAW_MS - Date.now())
    );
}

/**
 * Draws every view from what it holds and the points streamed since (no request), the range moved on to now.
 * Waits while a refresh reads: its views take the points once they hold their read.
 */
function drawLive(): void {
    if (inFlight !== undefined || !stream.open || outage.timer !== undefined) return;
    lastDraw = Date.now();
    const points = pending;
    pending = new Map();
    pendingCount = 0;
    if (missed) {
        missed = false;
        void refresh(false);
        return;
    }
    slide();
    const of = (key: string) => points.get(key) ?? [];
    const again = [...voPanel, ...thingPanel].filter((v) => v.live?.(state.range, of, current.signal) === true);
    if (again.length > 0)
        void refresh(false); // a series outgrew its points: read as windows
    else showUpdated();
}

const stream = new LiveStream({
    opened: () => {
        outage.attempt = 0;
        reach.failingSince = undefined;
        setNote(byId("unreachable"), undefined);
        // the first read, or (the same range) what was missed while the stream was down
        void refresh(rangeWhileShut, !rangeWhileShut);
        rangeWhileShut = false;
    },
    points: takePoints,
    state: showLiveLists,
    store: () => void refresh(false),
    lost: () => {
        reach.failingSince ??= Date.now();
        showOutage(() => void probe());
    },
});

const localInput = (ms: number) => {
    const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
    return d.toISOString().slice(0, 19);
};

/** Shows a range (a preset followed live, or a fixed one) and reads every view for it. */
function setRange(range: Range, live: string | undefined, how: "push" | "replace" | "keep" = "push"): void {
    if (!(range.toMs > range.fromMs)) return;
    state.range = range;
    state.live = live;
    byId<HTMLInputElement>("range-from").value = localInput(range.fromMs);
    byId<HTMLInputElement>("range-to").value = localInput(range.toMs);
    for (const b of document.querySelectorAll<HTMLButtonElement>("#range [data-preset]")) {
        b.classList.toggle("active", b.dataset.preset === live);
    }
    if (how !== "keep") writeUrl(how);
    announce(
        live !== undefined
            ? `showing the last ${live}, live`
            : `showing ${timeText(range.fromMs)} to ${zonedTimeText(range.toMs)}`
    );
    void refresh(true);
}

/** The view's state in the address (range and Thing), so it can be bookmarked, shared, reloaded and gone back to. */
function writeUrl(how: "push" | "replace"): void {
    const params = new URLSearchParams();
    if (state.live !== undefined) params.set("range", state.live);
    else {
        params.set("from", new Date(state.range.fromMs).toISOString());
        params.set("to", new Date(state.range.toMs).toISOString());
    }
    const url = `${location.pathname}?${params.toString()}${location.hash}`;
    if (url === `${location.pathname}${location.search}${location.hash}`) return;
    const depth = ((history.state as { depth?: number } | null)?.depth ?? 0) + (how === "push" ? 1 : 0);
    if (how === "push") history.pushState({ depth }, "", url);
    else history.replaceState({ depth }, "", url);
    byId<HTMLButtonElement>("range-back").disabled = depth === 0;
}

/** The range the address asks for: `?range=24h` (a preset, live) or `?from=…&to=…` (fixed); else the last hour. */
function rangeFromUrl(): { range: Range; live: string | undefined } {
    const q = new URLSearchParams(location.search);
    const preset = q.get("range");
    const now = Date.now();
    if (preset !== null && preset in PRESETS)
        return { range: { fromMs: now - PRESETS[preset], toMs: now }, live: preset };
    const from = Date.parse(q.get("from") ?? "");
    const to = Date.parse(q.get("to") ?? "");
    if (to > from) return { range: { fromMs: from, toMs: to }, live: undefined };
    return { range: { fromMs: now - PRESETS["1h"], toMs: now }, live: "1h" };
}

/** Twice the span around the same middle, never past now. */
function zoomedOut(r: Range): Range {
    const span = r.toMs - r.fromMs;
    const toMs = Math.min(Date.now(), r.toMs + span / 2);
    return { fromMs: toMs - 2 * span, toMs };
}

function wireRange(): void {
    for (const b of document.querySelectorAll<HTMLButtonElement>("#range [data-preset]")) {
        b.addEventListener("click", () => {
            const now = Date.now();
            setRange({ fromMs: now - PRESETS[b.dataset.preset!], toMs: now }, b.dataset.preset);
        });
    }
    const apply = () => {
        const from = Date.parse(byId<HTMLInputElement>("range-from").value);
        const to = Date.parse(byId<HTMLInputElement>("range-to").value);
        if (Number.isNaN(from) || Number.isNaN(to) || to <= from) {
            byId("live").textContent = "custom range: give a from before its to";
            return;
        }
        setRange({ fromMs: from, toMs: to }, undefined);
    };
    byId("range-apply").addEventListener("click", apply);
    for (const id of ["range-from", "range-to"]) {
        byId(id).addEventListener("keydown", (e) => (e as KeyboardEvent).key === "Enter" && apply());
    }
    byId("range-zoom-out").addEventListener("click", () => setRange(zoomedOut(state.range), undefined));
    byId("range-back").addEventListener("click", () => history.back());
}

/** While the VO does not answer: one banner, no live ticks, one probe at a time with a growing delay. */
const outage = { attempt: 0, timer: undefined as ReturnType<typeof setTimeout> | undefined };

/** How long before the next try: 1 s, doubling, at most 30 s. */
const retryDelayMs = () => Math.min(30_000, 1000 * 2 ** outage.attempt);

function showOutage(next: () => void): void {
    if (outage.timer !== undefined || reach.failingSince === undefined) return;
    const delay = retryDelayMs();
    setNote(
        byId("unreachable"),
        `VO unreachable since ${zonedTimeText(reach.failingSince)}: trying again in ${Math.round(delay / 1000)} s`
    );
    byId("live").textContent =
        state.lastUpdate === undefined
            ? "not updated"
            : `not updated since ${zonedTimeText(Date.parse(state.lastUpdate))}`;
    outage.attempt++;
    outage.timer = setTimeout(() => {
        outage.timer = undefined;
        next();
    }, delay);
}

/** One read of the VO's Thing list: any answer ends the outage, and every view is read again. */
async function probe(): Promise<void> {
    await getJson<unknown>("/").catch(() => undefined);
    if (reach.failingSince !== undefined) return showOutage(() => void probe());
    outage.attempt = 0;
    setNote(byId("unreachable"), undefined);
    if (stream.open) void refresh(true);
    else stream.reopen(); // it reads every view once open
}

async function start(): Promise<void> {
    const listError = byId("listing-error");
    try {
        things = await loadThings();
    } catch (err) {
        setNote(listError, errorText(err));
        if (reach.failingSince !== undefined) showOutage(() => void start());
        else setTimeout(() => void start(), 2000); // the page keeps trying until the VO answers
        return;
    }
    outage.attempt = 0;
    setNote(byId("unreachable"), undefined);
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
    // a Thing picked from the list (the hash) or an entry gone back to (the range, the Thing): shown as the address says
    const followUrl = () => {
        const thingChanged = fromHash() !== state.selected && things.some((t) => t.key === fromHash());
        if (thingChanged) showThing(fromHash());
        const { range, live } = rangeFromUrl();
        const same =
            live === state.live &&
            (live !== undefined || (range.fromMs === state.range.fromMs && range.toMs === state.range.toMs));
        if (!same) setRange(range, live, "keep");
        else if (thingChanged) void refresh(true);
        byId<HTMLButtonElement>("range-back").disabled =
            ((history.state as { depth?: number } | null)?.depth ?? 0) === 0;
    };
    // a Thing picked from the list is a step of its own in the browser's history, as a range is
    byId("thing-list").addEventListener("click", (e) => {
        const a = (e.target as HTMLElement).closest("a");
        if (a === null || e.defaultPrevented || (e as MouseEvent).button !== 0 || (e as MouseEvent).ctrlKey) return;
        e.preventDefault();
        const depth = ((history.state as { depth?: number } | null)?.depth ?? 0) + 1;
        history.pushState({ depth }, "", `${location.pathname}${location.search}${a.getAttribute("href")}`);
        followUrl();
    });
    window.addEventListener("hashchange", followUrl);
    window.addEventListener("popstate", followUrl);
    showThing(fromHash());
    const { range, live } = rangeFromUrl();
    setRange(range, live, "replace");
    setInterval(() => {
        if (state.live !== undefined) drawLive();
    }, LIVE_MS);
}

wireRange();
wireTips();
for (const id of ["zone-from", "zone-to"]) byId(id).textContent = `(${zoneText()})`;
void start();
