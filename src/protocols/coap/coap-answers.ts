import type { RefusalReason } from "../../model/refusal";
import type { RequestOrigin } from "../../model/request-context";
import { replaceMethod } from "../patches/replace-method";

export const COAP_CODE: Record<RefusalReason, string> = {
    "bad-request": "4.00",
    unauthorized: "4.01",
    "not-found": "4.04",
    "method-not-allowed": "4.05",
    "not-acceptable": "4.06",
    "payload-too-large": "4.13",
    "unsupported-media-type": "4.15",
    unavailable: "5.03",
};

/** The parts of the `coap` package's OutgoingMessage answered here. */
export interface CoapResponseLike {
    code: string;
    /** what node-coap's ObserveWriteStream sends (it has no `code`); OutgoingMessage sends `code` when set */
    statusCode?: string;
    setOption(name: string, value: unknown): unknown;
    write(chunk: unknown, ...rest: unknown[]): unknown;
    end(chunk?: unknown, ...rest: unknown[]): unknown;
}

/** CoAP has no redirect: 5.03 Service Unavailable with a payload naming the target URL. */
export function answerRedirect(res: CoapResponseLike, where: string): void {
    setCode(res, "5.03");
    res.setOption("Content-Format", "text/plain");
    res.end(`redirected: ${where}`);
}

/**
 * binding-coap answers every error a handler throws with 5.00 and the error's message. Before the
 * first byte goes out, the code is set here from the request context instead: a refusal's own code
 * (with `Max-Age` as the retry hint of a 5.03, RFC 7252 section 5.9.3.4), and `Max-Age: 0` on a read
 * answered from a recorded value (the device is lost), so a client can tell it is stale.
 */
export function answerFromContext(res: CoapResponseLike, request: RequestOrigin): void {
    let decided = false;
    const decide = (): void => {
        if (decided) return;
        decided = true;
        const refusal = request.refusal;
        if (res.code === "5.00" && refusal !== undefined) {
            setCode(res, COAP_CODE[refusal.reason]);
            if (refusal.retryAfterSeconds !== undefined) res.setOption("Max-Age", refusal.retryAfterSeconds);
        } else if (request.staleSince !== undefined && res.code.startsWith("2.")) {
            res.setOption("Max-Age", 0);
        }
    };
    type Write = (this: unknown, ...args: unknown[]) => unknown;
    for (const method of ["write", "end"] as const) {
        replaceMethod<Write>(
            res,
            method,
            `coap-refusal-code-${method}`,
            (original) =>
                function (this: unknown, ...args: unknown[]) {
                    decide();
                    return original.apply(this, args);
                }
        );
    }
}

/** Sets the code a response goes out with, an observe response's too. */
export function setCode(res: CoapResponseLike, code: string): void {
    res.code = code;
    res.statusCode = code;
}
