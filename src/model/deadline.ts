/**
 * An AbortSignal that aborts with a `TimeoutError` after `ms`, held by a timer that keeps the process alive.
 * `AbortSignal.timeout` does not (its timer is unref'd): a wait bounded by it alone, on a peer that went quiet while
 * everything else stopped, let the event loop empty and the process end with status 0 before the wait ended.
 */
export function deadline(ms: number): { signal: AbortSignal; clear(): void } {
    const controller = new AbortController();
    const timer = setTimeout(() => {
        const reason = new Error(`no answer within ${ms} ms`);
        reason.name = "TimeoutError";
        controller.abort(reason);
    }, ms);
    return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
