/** What the page shows and for which range: one object, shared by its views, readable as `window.voDashboard`. */
import type { GapSpan, Range, Series } from "./series.mjs";
import type { Segment } from "./timeline.mjs";

/** The range presets, and how long each reaches back from now. */
export const PRESETS: Record<string, number> = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000 };

/** What each view shows, readable by anyone looking at the page (`window.voDashboard`). */
export interface ViewState {
    kind: string;
    name: string;
    mode?: Series["mode"];
    points?: number;
    windows?: number;
    /** where the windows came from when the raw points are gone ("from 5-minute statistics") */
    source?: string;
    segments?: number;
    /** a timeline's stretches, as text */
    values?: string[];
    rows?: number;
    gaps?: GapSpan[];
    bridged?: number;
    /** where a line breaks with no gap recorded */
    holes?: number;
    /** failed interactions marked on a plot or timeline, or listed in a Thing's failure log */
    failures?: number;
    /** windows drawn with a min-max band */
    band?: number;
    /** the window length of a plot in windows */
    every?: string;
    /** a plot's unit (the TD's) and y range */
    unit?: string;
    y?: [number, number];
    empty?: boolean;
    error?: string;
    /** the range the view last drew */
    range?: Range;
    /** a log's page, 1 for the newest */
    page?: number;
}

export const state = {
    things: [] as { key: string; title: string }[],
    selected: undefined as string | undefined,
    range: { fromMs: Date.now() - PRESETS["1h"], toMs: Date.now() } as Range,
    live: "1h" as string | undefined,
    ticks: 0,
    lastUpdate: undefined as string | undefined,
    /** when the first plot was drawn, ms after the page's navigation started */
    firstPlotMs: undefined as number | undefined,
    views: {} as Record<string, ViewState>,
    /** the Thing's log of failed interactions (read while it is open) */
    failureLog: undefined as ViewState | undefined,
    liveness: { segments: [] as Segment[], lost: [] as GapSpan[] },
    selfCheck: { segments: [] as Segment[] },
};
(globalThis as unknown as { voDashboard: typeof state }).voDashboard = state;
