/** Reading the VO over HTTP: its listing of Things, their TDs and their history resources, nothing else. */

export interface HistoryPoint {
    time: string;
    timestampNs: string;
    op: string;
    protocol: string;
    origin?: string;
    ok: boolean;
    value?: unknown;
    output?: unknown;
    error?: string;
    durationMs?: number;
    stale?: boolean;
}

/** A time span with nothing recorded, as the history answers report it. */
export interface Gap {
    from: string;
    to: string;
    reason: string;
    open?: boolean;
}

export interface HistoryWindow {
    time: string;
    value: unknown;
    gap?: string;
}

export interface PointsAnswer {
    items: HistoryPoint[];
    next?: string;
    gaps?: Gap[];
}

export interface WindowsAnswer {
    every: string;
    fn: string;
    /** "raw", "5m" or "1h": the statistics kept after the raw points of the range were deleted */
    resolution?: string;
    windows: HistoryWindow[];
    gaps?: Gap[];
}

/** The VO gave no answer at all (it is stopped, or the network between is down). */
export class UnreachableError extends Error {}

/** Whether the VO answers: any HTTP answer counts, a network failure starts (or continues) an outage. */
export const reach = {
    /** when reads began to fail without an answer; undefined while the VO answers */
    failingSince: undefined as number | undefined,
};

/** An answer other than 2xx, with the text the VO gave. */
export class HttpError extends Error {
    constructor(
        readonly status: number,
        text: string
    ) {
        super(`HTTP ${status}: ${text.trim()}`);
    }
}

/**
 * The VO's forms name the address it advertises (127.0.0.1, say) while the page may have been opened
 * under another name of the same server: a URL of this server is read from the page's own origin.
 */
export function onThisServer(href: string): string {
    const url = new URL(href, location.href);
    if (url.protocol === location.protocol && url.port === location.port) {
        return `${location.origin}${url.pathname}${url.search}`;
    }
    return url.href;
}

/** Reads JSON; `signal` cancels the read when what asked for it is no longer wanted (a newer range). */
export async function getJson<T>(href: string, signal?: AbortSignal): Promise<T> {
    let res: Response;
    try {
        res = await fetch(onThisServer(href), { headers: { Accept: "application/json" }, cache: "no-store", signal });
    } catch (err) {
        if (signal?.aborted === true || (err as Error).name === "AbortError") throw err;
        reach.failingSince ??= Date.now();
        throw new UnreachableError(`the VO does not answer: ${(err as Error).message}`);
    }
    reach.failingSince = undefined;
    if (!res.ok) throw new HttpError(res.status, await res.text());
    return (await res.json()) as T;
}

/** The history resource at `href` with these parameters. */
export function historyUrl(href: string, params: Record<string, string | number | undefined>): string {
    const url = new URL(onThisServer(href));
    for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.href;
}
