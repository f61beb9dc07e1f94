import type { IncomingMessage, ServerResponse } from "node:http";
import type { ExposedThing } from "@node-wot/core";
import { securitySchemeToHttpHeader, setCorsForThing } from "@node-wot/binding-http/dist/routes/common";
import { REFUSAL_STATUS } from "../../model/refusal";
import type { RequestOrigin } from "../../model/request-context";
import { securitySchemeOf } from "../../model/thing-security";
import { replaceMethod } from "../patches/replace-method";
import { ErrorReason, explainError } from "./http-error-reasons";
import type { HttpServerInternals } from "./http-server-internals";

/** 307 Temporary Redirect: the client repeats the same method and body at the target. */
export function answerRedirect(res: ServerResponse, where: string): void {
    res.writeHead(307, { Location: where, "Content-Type": "text/plain" });
    res.end(`redirected: ${where}\n`);
}

/**
 * binding-http answers every error a handler throws with 500 and the error's message. The status
 * is set here instead, from what the request context says when the head is written: a refusal's
 * own status (with `Retry-After` when it has a retry hint), and `Age` on a read answered from a
 * recorded value (the device is lost), counted from when that value was recorded; and on binding-http's bare 404
 * and 415, why (`reasonOf`, http-error-reasons.ts).
 */
export function answerFromContext(
    res: ServerResponse,
    request: RequestOrigin,
    reasonOf?: (status: number) => ErrorReason | undefined
): void {
    replaceMethod<WriteHead>(
        res,
        "writeHead",
        "http-refusal-status",
        (writeHead) =>
            function (this: ServerResponse, status: number, ...rest: unknown[]) {
                const refusal = request.refusal;
                if (status === 500 && refusal !== undefined) {
                    status = REFUSAL_STATUS[refusal.reason];
                    if (refusal.retryAfterSeconds !== undefined)
                        this.setHeader("Retry-After", refusal.retryAfterSeconds);
                    if (!this.hasHeader("Content-Type")) this.setHeader("Content-Type", "text/plain; charset=utf-8");
                } else if (
                    status >= 400 &&
                    reasonOf !== undefined &&
                    rest.length === 0 &&
                    !this.hasHeader("Content-Type")
                ) {
                    const reason = reasonOf(status); // binding-http's bare 404 and 415
                    if (reason !== undefined) {
                        status = reason.status;
                        explainError(this, reason.text);
                    }
                } else if (request.staleSince !== undefined && status < 300) {
                    this.setHeader("Age", Math.max(0, Math.floor((Date.now() - request.staleSince) / 1000)));
                }
                return writeHead.call(this, status, ...rest);
            }
    );
}

type WriteHead = (this: ServerResponse, status: number, ...rest: unknown[]) => ServerResponse;

/** A short plain-text answer. */
export function answerText(res: ServerResponse, status: number, text: string, headers: object = {}): void {
    if (res.headersSent) {
        res.end();
        return;
    }
    res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", ...headers });
    res.end(text.endsWith("\n") ? text : `${text}\n`);
}

/**
 * binding-http's routes check credentials (and set the CORS header) before they look at the
 * method; the routes added in this folder do the same, in the same words: false when the client
 * was answered 401.
 */
export async function authorized(
    server: HttpServerInternals,
    thing: ExposedThing,
    req: IncomingMessage,
    res: ServerResponse
): Promise<boolean> {
    setCorsForThing(req, res, thing);
    const scheme = securitySchemeOf(thing);
    if (scheme === "nosec") return true;
    if (await server.checkCredentials(thing, req)) return true;
    res.setHeader("WWW-Authenticate", `${securitySchemeToHttpHeader(scheme)} realm="${thing.id}"`);
    res.writeHead(401);
    res.end();
    return false;
}
