import { VoError } from "./errors";

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

/**
 * The status a refusal answers with, in HTTP's numbers: HTTP answers it as is, and the MQTT and
 * WebSocket message protocols carry the same numbers (CoAP has codes of its own).
 */
export const REFUSAL_STATUS: Record<RefusalReason, number> = {
    "bad-request": 400,
    unauthorized: 401,
    "not-found": 404,
    "method-not-allowed": 405,
    "not-acceptable": 406,
    "payload-too-large": 413,
    "unsupported-media-type": 415,
    unavailable: 503,
};

export class RequestRefusedError extends VoError {
    readonly kind = "refused";

    constructor(
        readonly reason: RefusalReason,
        message: string,
        /** for "unavailable": when the client may try again, in seconds */
        readonly retryAfterSeconds?: number
    ) {
        super(message);
    }
}

/** The refusal an error stands for, if it is one; anything else is the server's fault. */
export function refusalOf(err: unknown): RequestRefusedError | undefined {
    return err instanceof RequestRefusedError ? err : undefined;
}
