import type { IncomingMessage, ServerResponse } from "node:http";
import { decodeBody, JSON_MEDIA_TYPE, mediaTypeOf } from "../../model/media-type";
import { RequestRefusedError } from "../../model/refusal";
import type { RequestOrigin } from "../../model/request-context";
import type { ServerHooks } from "../protocol-face";
import { answerTooLarge, readBody } from "./http-body-limit";
import { answerText, authorized } from "./http-answers";
import type { HttpServerInternals } from "./http-server-internals";
import { HttpTarget, reportRefusal } from "./http-target";

/** What a read-only property answers: binding-http's own `Allow` lists PUT too. */
export const READ_ONLY_PROPERTY_ALLOW = "GET, OPTIONS";

/**
 * binding-http 0.9.2 (routes/property.js) answers a PUT to a read-only property 405 by itself,
 * without calling any handler: the recorder never hears of it, and the write a client attempted
 * is missing from the history. Its `Allow` header also lists PUT, the very method refused. The
 * write is refused here instead, after the same credential check: recorded as a refused
 * writeproperty with the value the client sent, answered 405 with `Allow: GET, OPTIONS`.
 */
export async function refuseReadOnlyWrite(
    server: HttpServerInternals,
    hooks: ServerHooks,
    request: RequestOrigin,
    target: HttpTarget & { name: string },
    req: IncomingMessage,
    res: ServerResponse
): Promise<void> {
    if (!(await authorized(server, target.thing, req, res))) return;
    const max = hooks.limits.maxBodyBytes;
    const body = await readBody(req, max);
    const error =
        body === undefined
            ? new RequestRefusedError("payload-too-large", `request body over ${max} bytes`)
            : new RequestRefusedError("method-not-allowed", `property "${target.name}" is read-only`);
    reportRefusal(hooks, request, target, "writeproperty", error, body === undefined ? undefined : valueOf(req, body));
    if (body === undefined) return answerTooLarge(res, max);
    answerText(res, 405, error.message, { Allow: READ_ONLY_PROPERTY_ALLOW });
}

/** What the client sent, decoded where it can be, else as text (the record shows what came). */
function valueOf(req: IncomingMessage, body: Buffer): unknown {
    if (body.length === 0) return undefined;
    try {
        return decodeBody(mediaTypeOf(req.headers["content-type"] ?? JSON_MEDIA_TYPE), body);
    } catch {
        return body.toString("utf8");
    }
}
