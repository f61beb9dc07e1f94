import type { ServerResponse } from "node:http";
import { RequestOrigin, runAsRequest } from "../../model/request-context";
import { replaceMethod } from "../patches/replace-method";

type Emit = (this: ServerResponse, event: string | symbol, ...args: unknown[]) => boolean;

/**
 * The events a response emits when its client goes ("close", "finish") run in the request's
 * context too: binding-http ends event subscriptions (and, with recording/observation-close,
 * observations) from them, and their records then carry the protocol and the client's address
 * instead of `local`.
 */
export function emitInContext(res: ServerResponse, request: RequestOrigin): void {
    replaceMethod<Emit>(
        res,
        "emit",
        "http-close-in-context",
        (emit) =>
            function (this: ServerResponse, event, ...args) {
                if (event === "close" || event === "finish") {
                    // closed before the answer was complete: the client went (an event subscription binding-http ends
                    // on "close" is then kept apart from one the client ended itself)
                    if (event === "close" && !this.writableFinished) request.endReason ??= "client disconnected";
                    return runAsRequest(request, emit.bind(this), event, ...args);
                }
                return emit.call(this, event, ...args);
            }
    );
}
