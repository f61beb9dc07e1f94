import { RequestOrigin, runAsRequest } from "../model/request-context";

/**
 * binding-http 0.9.2 (routes/property-observe.js) ends a property observation on the long poll's
 * "finish" event only. A client that cancels its observation closes the connection instead, which
 * never finishes the response: node-wot keeps the listener until the next change of the property,
 * and the VO would keep counting the client as an observer. (Event subscriptions end on "close",
 * as they should.) This ends the observation when the connection closes, once, and only if
 * node-wot has not ended it already, as "client disconnected".
 */
const ended = new WeakSet<object>();

export function markObservationEnded(listener: unknown): void {
    if (typeof listener === "function" || (typeof listener === "object" && listener !== null)) ended.add(listener);
}

export function endObservationOnClose(
    request: RequestOrigin | undefined,
    listener: unknown,
    unobserve: () => unknown
): void {
    const onClose = request?.onClose;
    if (
        request === undefined ||
        onClose === undefined ||
        (typeof listener !== "function" && typeof listener !== "object") ||
        listener === null
    ) {
        return;
    }
    onClose(() => {
        if (ended.has(listener)) return;
        try {
            const why = { protocol: request.protocol, origin: request.origin, endReason: "client disconnected" };
            void Promise.resolve(runAsRequest(why, unobserve)).catch(() => undefined);
        } catch {
            // already gone: nothing to end
        }
    });
}
