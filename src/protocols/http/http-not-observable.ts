import type { IncomingMessage, ServerResponse } from "node:http";
import { RequestRefusedError } from "../../model/refusal";
import type { RequestOrigin } from "../../model/request-context";
import type { ServerHooks } from "../protocol-face";
import { answerText, authorized } from "./http-answers";
import type { HttpServerInternals } from "./http-server-internals";
import { HttpTarget, reportRefusal, targetOf } from "./http-target";
import { requestPath } from "./http-request-url";

/**
 * binding-http 0.9.2 routes `/:thing/properties/:property/observable` for every property. For one that is
 * not observable, node-wot's handleObserveProperty throws (no listener for the form) in a route whose
 * promise nobody awaits: an unhandled rejection, and the client waits for an answer that never comes.
 * The TD lists no such resource; the property is known, so it is answered at once: 405 with an empty
 * `Allow` (the resource answers no method), naming where the property is read. A GET, the observation
 * the client attempted, is recorded as a refused observeproperty.
 */

/** The property an `.../observable` URL names when it exists and is not observable. */
export function notObservable(server: HttpServerInternals, url: string | undefined): HttpTarget | undefined {
    // on every request: nothing parsed unless the path can end in /observable
    if (url === undefined || !url.includes("/observable")) return undefined;
    const target = targetOf(server, url);
    if (target?.route !== "observe") return undefined;
    const property = target.thing.properties[target.name!];
    return property !== undefined && property.observable !== true ? target : undefined;
}

export async function refuseNotObservable(
    server: HttpServerInternals,
    hooks: ServerHooks,
    request: RequestOrigin,
    target: HttpTarget,
    req: IncomingMessage,
    res: ServerResponse
): Promise<void> {
    if (!(await authorized(server, target.thing, req, res))) return;
    const path = requestPath(req.url).replace(/\/observable\/?$/, "");
    const error = new RequestRefusedError(
        "method-not-allowed",
        `property "${target.name}" is not observable; read it with GET ${path}`
    );
    if (req.method === "GET") reportRefusal(hooks, request, target, "observeproperty", error);
    answerText(res, 405, error.message, { Allow: "" });
}
