/**
 * Why a request was refused, in protocol-neutral words: each protocol maps a reason to its own
 * status code (HTTP 400 / CoAP 4.00, ...). Thrown by the recorder and the proxy, answered by the
 * protocol server that carried the request.
 */
export type RefusalReason =
    | "bad-request"
    | "unauthorized"
    | "not-found"
    | "method-not-allowed"
    | "not-acceptable"
    | "payload-too-large"
    | "unsupported-media-type"
    | "unavailable";

export class RequestRefusedError extends Error {
    constructor(
        readonly reason: RefusalReason,
        message: string,
        /** for "unavailable": when the client may try again, in seconds */
        readonly retryAfterSeconds?: number
    ) {
        super(message);
        this.name = "RequestRefusedError";
    }
}

/** The refusal an error stands for, if it is one; anything else is the server's fault. */
export function refusalOf(err: unknown): RequestRefusedError | undefined {
    return err instanceof RequestRefusedError ? err : undefined;
}
