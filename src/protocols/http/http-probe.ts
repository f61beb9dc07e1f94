/** An HTTP peer is up when it answers anything at all to a GET of its URL. */
export async function httpProbe(url: URL, timeoutMs: number): Promise<string> {
    try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
        await res.body?.cancel();
        return `HTTP ${res.status} from ${url.host}`;
    } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        const why = e.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message);
        throw new Error(`HTTP probe of ${url.host} failed: ${why}`);
    }
}
