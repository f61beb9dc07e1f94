import type { IncomingMessage, ServerResponse } from "node:http";
import { patchNamed } from "../patches/patch-registry";
import { replaceMethod, reportMissing } from "../patches/replace-method";
import { READ_ONLY_PROPERTY_ALLOW } from "./http-read-only-write";
import { affordanceOf, targetOf } from "./http-target";
import { answerText } from "./http-answers";
import type { HttpServerInternals } from "./http-server-internals";
import { thingPropertiesAllow } from "./http-thing-properties";
import { requestPath } from "./http-request-url";

type Handle = object;

/** The part of find-my-way 8 (binding-http's router) this needs. */
type Route = (this: unknown, req: IncomingMessage, res: ServerResponse) => void;
interface Router {
    defaultRoute: Route | null;
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
    if (router === undefined || typeof router.find !== "function") {
        return reportMissing(patchNamed("http-method-not-allowed"), "binding-http's server has no find-my-way router");
    }
    // binding-http gives its router a default route (404); without one, find-my-way answers 404 itself
    router.defaultRoute ??= (_req, res) => answerText(res, 404, "Not Found");
    replaceMethod<Route>(
        router,
        "defaultRoute",
        "http-method-not-allowed",
        (fallback) =>
            function (this: unknown, req: IncomingMessage, res: ServerResponse): void {
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
                fallback.call(this, req, res);
            }
    );
}

/** What `/`, a Thing Description and a history answer. */
export const READ_ONLY_RESOURCE_ALLOW = "GET, HEAD, OPTIONS";

/** 405 naming the method refused and, in the text and in `Allow`, the methods the resource answers. */
export function refuseMethod(req: IncomingMessage, res: ServerResponse, allowed: string): void {
    const path = requestPath(req.url);
    const answers = allowed === "" ? "no method" : allowed;
    answerText(res, 405, `${req.method} is not allowed on ${path}; it answers ${answers}`, { Allow: allowed });
}

/** What an observable property's `/observable` and an event answer (HEAD: http-long-poll-head.ts). */
const LONG_POLL_ALLOW = "GET, HEAD, OPTIONS";

/** A CORS preflight (binding-http answers those), not a client asking what a resource answers. */
export function isPreflight(req: IncomingMessage): boolean {
    return req.headers["access-control-request-method"] !== undefined;
}

/** OPTIONS asked of a resource: 204 with the methods it answers (RFC 9110, 9.3.7). */
export function answerAllowed(res: ServerResponse, allowed: string): void {
    res.writeHead(204, { Allow: allowed });
    res.end();
}

/**
 * binding-http answers a plain OPTIONS (no preflight) 405, though its `Allow` lists OPTIONS, and the
 * Thing list and TDs 405 without it. Answered here for the Thing list, a Thing and each affordance it
 * has; false for anything else (binding-http's 404) and for a preflight.
 */
export function answerOptions(server: HttpServerInternals, req: IncomingMessage, res: ServerResponse): boolean {
    if (isPreflight(req)) return false;
    const allowed = allowedOn(server, req.url ?? "/");
    if (allowed === undefined) return false;
    if (allowed === "") refuseMethod(req, res, allowed);
    else answerAllowed(res, allowed);
    return true;
}

/**
 * HEAD where the resource's methods do not include it: a property (a HEAD answered like GET would read
 * the device), the Thing's properties, an action: 405 with `Allow`. (The long polls answer GET's headers
 * at once: http-long-poll-head.ts.)
 */
export function refuseHead(server: HttpServerInternals, req: IncomingMessage, res: ServerResponse): boolean {
    const allowed = allowedOn(server, req.url ?? "/");
    if (allowed === undefined || allowed.includes("HEAD")) return false;
    refuseMethod(req, res, allowed);
    return true;
}

/** The methods the VO answers on the Thing list, a Thing or an affordance the Thing has; undefined for anything else. */
function allowedOn(server: HttpServerInternals, url: string): string | undefined {
    const path = requestPath(url);
    if (path === "/" || path === "") return READ_ONLY_RESOURCE_ALLOW;
    const target = targetOf(server, url);
    if (target === undefined) return undefined;
    switch (target.route) {
        case "thing":
            return READ_ONLY_RESOURCE_ALLOW;
        case "properties":
            return thingPropertiesAllow(target.thing);
        case "property":
            if (affordanceOf(target) === undefined) return undefined;
            return target.thing.properties[target.name!].readOnly === true
                ? READ_ONLY_PROPERTY_ALLOW
                : "GET, PUT, OPTIONS";
        case "action":
            return affordanceOf(target) === undefined ? undefined : "POST, OPTIONS";
        case "observe": {
            const property = target.thing.properties[target.name!];
            if (property === undefined) return undefined;
            return property.observable === true ? LONG_POLL_ALLOW : ""; // no such resource (http-not-observable.ts)
        }
        case "event":
            return affordanceOf(target) === undefined ? undefined : LONG_POLL_ALLOW;
    }
}
