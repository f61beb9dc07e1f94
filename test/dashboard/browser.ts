import fs from "node:fs";
import path from "node:path";
import { Browser, chromium, Page } from "playwright-core";
import { ROOT } from "../helpers/node-process";

/** Debian's chromium, driven by playwright-core (no browser download). */
export const CHROMIUM = "/usr/bin/chromium";

/** Screenshots of the browser tests (gitignored). */
export const SCREENSHOTS = path.join(ROOT, "test-output", "dashboard");

let noticeShown = false;

/** The system's headless Chromium; skips without it (one line naming the package), fails under CI=true. */
export async function launchChromium(ctx: Mocha.Context): Promise<Browser> {
    if (!fs.existsSync(CHROMIUM)) {
        const how = `no ${CHROMIUM}: install the Debian package chromium (apt-get install chromium)`;
        if (process.env.CI === "true") throw new Error(how);
        if (!noticeShown) console.log(`      (browser tests skipped: ${how})`);
        noticeShown = true;
        ctx.skip();
    }
    return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}

/** Saves a screenshot (the full page, or what the viewport shows) under test-output/dashboard/<name>.png; its path. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const file = path.join(SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage });
    return file;
}

/** What the page keeps of what it shows (`window.voDashboard`, see src/dashboard/client/main.mts). */
export interface DashboardState {
    things: { key: string; title: string }[];
    selected?: string;
    range: { fromMs: number; toMs: number };
    live?: string;
    ticks: number;
    firstPlotMs?: number;
    views: Record<
        string,
        {
            mode?: string;
            points?: number;
            windows?: number;
            source?: string;
            segments?: number;
            rows?: number;
            values?: string[];
            gaps?: { fromMs: number; toMs: number; reason: string; open: boolean }[];
            bridged?: number;
            holes?: number;
            failures?: number;
            band?: number;
            every?: string;
            unit?: string;
            y?: [number, number];
            empty?: boolean;
            error?: string;
        }
    >;
    failureLog?: { failures?: number; error?: string };
    liveness: { segments: { fromMs: number; toMs: number; label: string }[]; lost: { fromMs: number; toMs: number }[] };
}

export function dashboardState(page: Page): Promise<DashboardState> {
    return page.evaluate(() => (globalThis as unknown as { voDashboard: DashboardState }).voDashboard);
}

/** Polls the page's state until `check` holds (bounded), failing with the last state seen. */
export async function waitForState(
    page: Page,
    check: (s: DashboardState) => boolean,
    ms: number,
    what: string
): Promise<DashboardState> {
    const deadline = Date.now() + ms;
    let last: DashboardState | undefined;
    while (Date.now() < deadline) {
        last = await dashboardState(page);
        if (last !== undefined && check(last)) return last;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out after ${ms} ms waiting for ${what}; the page's state: ${JSON.stringify(last)}`);
}

/** "2026-12-02T04:05:06" in local time, as a datetime-local input takes it (the browser runs in this TZ). */
function localInput(ms: number): string {
    return new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}

/** Sets the page's custom range (its two inputs) and applies it. */
export async function showRange(page: Page, fromMs: number, toMs: number): Promise<void> {
    await page.fill("#range-from", localInput(fromMs));
    await page.fill("#range-to", localInput(toMs));
    await page.click("#range-apply");
}
