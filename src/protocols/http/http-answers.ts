import type { ServerResponse } from "node:http";
import { REFUSAL_STATUS } from "../../model/refusal";
import type { RequestOrigin } from "../../model/request-context";
import { replaceMethod } from "../patches/replace-method";

export const HTTP_STATUS = REFUSAL_STATUS;

/** 307 Temporary Redirect: the client repeats the same method and body at the target. */
export function answerRedirect(res: ServerResponse, where: string): void {
    res.writeHead(307, { Location: where, "Content-Type": "text/plain" });
    res.end(`redirected: ${where}\n`);
}

/**
 * binding-http answers every error a handler throws with 500 and the error's message. The status
 * is set here instead, from what the request context says when the head is written: a refusal's
 * own status (with `Retry-After` when it has a retry hint), and `Age` on a read answered from a
 * recorded value (the device is lost), counted from when that value was recorded.
 */
export function answerFromContext(res: ServerResponse, request: RequestOrigin): void {
    replaceMethod<WriteHead>(
        res,
        "writeHead",
        "http-refusal-status",
        (writeHead) =>
            function (this: ServerResponse, status: number, ...rest: unknown[]) {
                const refusal = request.refusal;
                if (status === 500 && refusal !== undefined) {
                    status = HTTP_STATUS[refusal.reason];
                    if (refusal.retryAfterSeconds !== undefined)
                        this.setHeader("Retry-After", refusal.retryAfterSeconds);
                    if (!this.hasHeader("Content-Type")) this.setHeader("Content-Type", "text/plain; charset=utf-8");
                } else if (request.staleSince !== undefined && status < 300) {
                    this.setHeader("Age", Math.max(0, Math.floor((Date.now() - request.staleSince) / 1000)));
                }
                return writeHead.call(this, status, ...rest);
            }
    );
}

type WriteHead = (this: ServerResponse, status: number, ...rest: unknown[]) => ServerResponse;
