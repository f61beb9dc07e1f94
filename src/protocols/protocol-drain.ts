/**
 * Waits for the requests a server is still serving when it stops, so their records reach the
 * recorder before it closes; bounded, so a handler that never settles does not hold the stop.
 */
export async function drain(inFlight: ReadonlySet<Promise<unknown>>, timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
}
