import type { IncomingMessage, ServerResponse } from "node:http";
import { JSON_MEDIA_TYPE } from "../../model/media-type";
import { negotiate, notAcceptableText } from "./http-content-negotiation";
import { affordanceOf, HttpTarget, targetOf } from "./http-target";
import { answerText, authorized } from "./http-answers";
import type { HttpServerInternals } from "./http-server-internals";

/**
 * HEAD on a long-poll resource: an observable property's `/observable`, an event. binding-http 0.9.2
 * answers it 202, a status GET never gives. node-wot's own HTTP client sends this HEAD as a handshake
 * before every long poll (LongPollingSubscription) and gives up unless it succeeds, so it stays a
 * success: GET's status and headers at once (200 and the type a notification would come in, or 406),
 * after the same credential check, without waiting for a notification and without subscribing.
 */

/** The observable property or the event a HEAD names, if the Thing has it. */
export function longPollTarget(server: HttpServerInternals, url: string | undefined): HttpTarget | undefined {
    const target = targetOf(server, url);
    if (target === undefined || affordanceOf(target) === undefined) return undefined;
    if (target.route === "event") return target;
    if (target.route !== "observe") return undefined;
    return target.thing.properties[target.name!].observable === true ? target : undefined;
}

export async function answerLongPollHead(
    server: HttpServerInternals,
    target: HttpTarget,
    req: IncomingMessage,
    res: ServerResponse
): Promise<void> {
    if (!(await authorized(server, target.thing, req, res))) return;
    const negotiated = negotiate(req, target, server.scheme);
    if (negotiated !== undefined && "offered" in negotiated) {
        return answerText(res, 406, notAcceptableText(req.headers.accept, negotiated.offered));
    }
    res.writeHead(200, { "Content-Type": negotiated?.type ?? JSON_MEDIA_TYPE });
    res.end();
}
