import { byId, el, timeText } from "./dom.mjs";
import { errorText, setNote } from "./notes.mjs";
import type { Range } from "./series.mjs";
import { PRESETS, state } from "./state.mjs";
import { loadThings, ThingView } from "./things.mjs";
import { logView, numericView, timelineView, View } from "./views.mjs";
import { voViews } from "./vo-panel.mjs";

/** How often a live range is read again: new points show within 2 s. */
const LIVE_MS = 1000;

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
    for (const a of document.querySelectorAll<HTMLAnchorElement>("#thing-list a")) {
        a.classList.toggle("selected", a.dataset.key === thing?.key);
    }
    if (thing === undefined) {
        section.replaceChildren(el("p", { className: "empty" }, "this VO serves no Things"));
        thingPanel = [];
        return;
    }
    section.replaceChildren(el("h2", {}, thing.title), el("p", { className: "empty" }, thing.id));
    thingPanel = [];
    for (const a of thing.affordances) {
        const block = el("div", { className: "affordance", dataset: { kind: a.kind, name: a.name } });
        block.append(el("h3", {}, `${a.kind} ${a.name}`));
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
        } else thingPanel.push(logView(a, block));
    }
}

let busy = false;

/** Reads every view again: the VO's first (its lost intervals are the Thing's gaps), then the Thing's. */
async function refresh(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
        if (state.live !== undefined) {
            const now = Date.now();
            state.range = { fromMs: now - PRESETS[state.live], toMs: now };
        }
        await Promise.all(voPanel.map((v) => v.refresh()));
        await Promise.all(thingPanel.map((v) => v.refresh()));
        state.ticks++;
        state.lastUpdate = new Date().toISOString();
        byId("live").textContent =
            state.live !== undefined
                ? `live (${state.live}), updated ${timeText(Date.now())}`
                : `${timeText(state.range.fromMs)} – ${timeText(state.range.toMs)} (not live: pick a preset to follow)`;
    } finally {
        busy = false;
    }
}

const localInput = (ms: number) => {
    const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
    return d.toISOString().slice(0, 19);
};

function setRange(range: Range, live: string | undefined): void {
    if (!(range.toMs > range.fromMs)) return;
    state.range = range;
    state.live = live;
    byId<HTMLInputElement>("range-from").value = localInput(range.fromMs);
    byId<HTMLInputElement>("range-to").value = localInput(range.toMs);
    for (const b of document.querySelectorAll<HTMLButtonElement>("#range [data-preset]")) {
        b.classList.toggle("active", b.dataset.preset === live);
    }
    void refresh();
}

function wireRange(): void {
    for (const b of document.querySelectorAll<HTMLButtonElement>("#range [data-preset]")) {
        b.addEventListener("click", () => {
            const now = Date.now();
            setRange({ fromMs: now - PRESETS[b.dataset.preset!], toMs: now }, b.dataset.preset);
        });
    }
    byId("range-apply").addEventListener("click", () => {
        const from = Date.parse(byId<HTMLInputElement>("range-from").value);
        const to = Date.parse(byId<HTMLInputElement>("range-to").value);
        if (Number.isNaN(from) || Number.isNaN(to) || to <= from) {
            byId("live").textContent = "custom range: give a from before its to";
            return;
        }
        setRange({ fromMs: from, toMs: to }, undefined);
    });
}

async function start(): Promise<void> {
    wireRange();
    const listError = byId("listing-error");
    try {
        things = await loadThings();
    } catch (err) {
        setNote(listError, errorText(err));
        setTimeout(() => void start(), 2000); // the page keeps trying until the VO answers
        return;
    }
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
    window.addEventListener("hashchange", () => {
        showThing(fromHash());
        void refresh();
    });
    showThing(fromHash());
    // ?range=24h opens on a preset other than the last hour
    const asked = new URLSearchParams(location.search).get("range");
    if (asked !== null && asked in PRESETS) {
        state.live = asked;
        state.range = { fromMs: Date.now() - PRESETS[asked], toMs: Date.now() };
    }
    setRange(state.range, state.live);
    setInterval(() => {
        if (state.live !== undefined) void refresh();
    }, LIVE_MS);
}

void start();
