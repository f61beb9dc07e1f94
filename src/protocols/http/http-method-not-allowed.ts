import type { IncomingMessage, ServerResponse } from "node:http";
import { READ_ONLY_PROPERTY_ALLOW } from "./http-read-only-write";
import { affordanceOf, answerText, HttpServerInternals, targetOf } from "./http-routes";

type Handle = object;

/** The part of find-my-way 8 (binding-http's router) this needs. */
interface Router {
    defaultRoute: ((this: unknown, req: IncomingMessage, res: ServerResponse) => void) | null;
    find(method: string, path: string): Handle | null;
    callHandler(handle: Handle, req: IncomingMessage, res: ServerResponse, ctx: unknown): unknown;
}

/**
 * binding-http 0.9.2 routes each path for some methods only and answers every other method with its
 * default route, 404 "Not Found", as if the resource were not there: a GET on an action, a DELETE on a
 * property, a HEAD on a Thing Description or on `/`. RFC 9110 asks for 405 with `Allow` naming the
 * methods the resource answers (15.5.6), and for HEAD wherever GET is answered (9.3.2). The default route
 * is wrapped here: HEAD is answered by the GET route where no HEAD route exists (node's ServerResponse
 * sends no body to a HEAD); a method on a Thing or an affordance it has is answered 405 with the methods
 * the VO answers there; anything else stays binding-http's 404.
 */
export function answerMethodNotAllowed(server: HttpServerInternals): void {
    const router = (server as unknown as { router?: Router }).router;
    if (router === undefined || typeof router.find !== "function") return;
    const fallback = router.defaultRoute;
    router.defaultRoute = function (this: unknown, req: IncomingMessage, res: ServerResponse): void {
        const url = req.url ?? "/";
        const allowed = allowedOn(server, url);
        if (allowed !== undefined) {
            const get = req.method === "HEAD" && allowed.includes("HEAD") ? router.find("GET", url) : null;
            if (get !== null) {
                router.callHandler(get, req, res, this);
                return;
            }
            refuseMethod(req, res, allowed);
            return;
        }
        if (fallback !== null) fallback.call(this, req, res);
        else answerText(res, 404, "Not Found");
    };
}

/** 405 naming the method refused and, in the text and in `Allow`, the methods the resource answers. */
export function refuseMethod(req: IncomingMessage, res: ServerResponse, allowed: string): void {
    const path = (req.url ?? "/").split("?")[0];
    answerText(res, 405, `${req.method} is not allowed on ${path}; it answers ${allowed}`, { Allow: allowed });
}

/** The methods the VO answers on the Thing list, a Thing or an affordance the Thing has; undefined for anything else. */
function allowedOn(server: HttpServerInternals, url: string): string | undefined {
    const path = url.split("?")[0];
    if (path === "/" || path === "") return "GET, HEAD";
    const target = targetOf(server, url);
    if (target === undefined) return undefined;
    switch (target.route) {
        case "thing":
            return "GET, HEAD";
        case "properties":
            return undefined; // every method there is answered before the router (http-thing-properties.ts)
        case "property":
            if (affordanceOf(target) === undefined) return undefined;
            return target.thing.properties[target.name!].readOnly === true
                ? READ_ONLY_PROPERTY_ALLOW
                : "GET, PUT, OPTIONS";
        case "action":
            return affordanceOf(target) === undefined ? undefined : "POST, OPTIONS";
        case "observe":
        case "event":
            return affordanceOf(target) === undefined ? undefined : "GET, OPTIONS";
    }
}
