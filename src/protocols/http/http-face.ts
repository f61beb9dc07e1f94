import type { IncomingMessage, ServerResponse } from "node:http";
import { Helpers, ProtocolServer } from "@node-wot/core";
import { createLogger } from "../../log";
import { formatAddress, uriHost } from "../../model/address";
import { JSON_MEDIA_TYPE } from "../../model/media-type";
import type { Protocol } from "../../model/interaction-record";
import { RequestRefusedError } from "../../model/refusal";
import { currentRequest, RequestOrigin, runAsRequest } from "../../model/request-context";
import { replaceMethod } from "../patches/replace-method";
import type { ProtocolFace, ServerHooks } from "../protocol-face";
import { answerFromContext, answerRedirect, answerText, authorized } from "./http-answers";
import { errorReasonOf } from "./http-error-reasons";
import { emitInContext } from "./http-close-in-context";
import { askPortOnce } from "./http-port-once";
import {
    answerTooLarge,
    declaresTooLarge,
    holdChunkedBody,
    isChunked,
    refuseLargeBeforeContinue,
} from "./http-body-limit";
import { corsOnEveryAnswer } from "./http-cors";
import { acceptIsDefault, negotiate, notAcceptableText, steer } from "./http-content-negotiation";
import { hasEmptyBody, needingValue, refuseEmptyBody } from "./http-empty-body";
import { isDashboardPath, serveDashboard } from "./http-dashboard";
import { answerMethodNotAllowed, answerOptions, refuseHead } from "./http-method-not-allowed";
import { notObservable, refuseNotObservable } from "./http-not-observable";
import { healthResourceOf, serveHealth } from "./http-health";
import { isHistoryPath, serveHistory } from "./http-history";
import { fixBearerCheck } from "./http-bearer";
import { answerLongPollHead, longPollTarget } from "./http-long-poll-head";
import { httpProbe } from "./http-probe";
import { refuseReadOnlyWrite } from "./http-read-only-write";
import { stopClosesConnections } from "./http-server-stop";
import type { HttpServerInternals } from "./http-server-internals";
import { operationOf, reportRefusal, targetOf } from "./http-target";
import { fixThingPropertyForms } from "./http-td-forms";
import { serveThingProperties } from "./http-thing-properties";
import { answerThingList } from "./http-things-list";
import { answerDirectory, baseOf, WELL_KNOWN_WOT } from "./http-thing-directory";
import { memoizeFormMatching } from "../form-matching";
import { requestPath } from "./http-request-url";
import { serveVoWot, voWotPathOf } from "./vo-wot-http-routes";

type Handle = (this: unknown, req: IncomingMessage, res: ServerResponse) => unknown;

const { debug } = createLogger("protocols:http");
const instrumented = new WeakSet<object>();
const DIRECTORY_PATHS = { things: `${WELL_KNOWN_WOT}/things` };

/**
 * The answers added in this folder are async; binding-http's server calls handleRequest without
 * looking at what it returns, so a failure in one would be an unhandled rejection (which ends the
 * process). binding-http's own routes catch their errors; only the added answers are guarded.
 */
function settled(res: ServerResponse, answer: unknown): unknown {
    if (!(answer instanceof Promise)) return answer;
    return answer.catch((err: unknown) => {
        debug("answering failed: %s", (err as Error).message);
        if (!res.headersSent) answerText(res, 500, (err as Error).message);
        else res.destroy();
    });
}

/** `/thing/properties` (the Thing's own properties resource), without parsing the URL. */
function namesThingProperties(url: string | undefined): boolean {
    if (url === undefined) return false;
    const path = requestPath(url);
    return path.endsWith("/properties") || path.endsWith("/properties/");
}

function instrument(server: ProtocolServer, hooks: ServerHooks): boolean {
    const s = server as unknown as HttpServerInternals;
    if (instrumented.has(s)) return true;
    let face: HttpServerFace | undefined;
    const wrapped = replaceMethod<Handle>(s, "handleRequest", "http-request-context", (original) => {
        face = new HttpServerFace(s, hooks, original);
        return face.handler();
    });
    if (!wrapped) return false;
    memoizeFormMatching(); // node-wot parses every form's href on every request
    face!.installFixes(server);
    instrumented.add(s);
    return true;
}

/** One binding-http server as the VO serves it: its hooks, the handler it had, one method per step of a request. */
class HttpServerFace {
    private readonly protocol: Protocol;

    constructor(
        private readonly s: HttpServerInternals,
        private readonly hooks: ServerHooks,
        private readonly original: Handle
    ) {
        this.protocol = (s.scheme === "https" ? "https" : "http") as Protocol;
    }

    private originOf(req: IncomingMessage): RequestOrigin {
        return { protocol: this.protocol, origin: formatAddress(req.socket.remoteAddress, req.socket.remotePort) };
    }

    /** binding-http's handleRequest as the VO replaces it. */
    handler(): Handle {
        const { s, hooks, serve } = this;
        const originOf = this.originOf.bind(this);
        return function (this: unknown, req: IncomingMessage, res: ServerResponse) {
            // this process's health, before any redirect, and outside any request context: nothing is recorded
            const health = hooks.health === undefined ? undefined : healthResourceOf(s, hooks.health, req.url);
            if (health !== undefined) return settled(res, serveHealth(s, hooks.health!, health, req, res));
            const where = hooks.redirect?.(s.scheme, s.getPort(), req.url ?? "/");
            if (where !== undefined) {
                corsOnEveryAnswer(s, req, res); // a browser follows a redirect of another origin only with CORS
                return answerRedirect(res, where);
            }
            const request: RequestOrigin = { ...originOf(req), onClose: (fn) => void res.once("close", fn) };
            answerFromContext(res, request, (status) => errorReasonOf(s, req, status));
            emitInContext(res, request);
            return runAsRequest(request, serve, this, req, res, request);
        };
    }

    /** The fixes of this folder that are not on the request path: installed once the handler is wrapped. */
    installFixes(server: ProtocolServer): void {
        const { s, hooks } = this;
        answerMethodNotAllowed(s);
        // a refusal for want of credentials is recorded under the affordance the URL names, as others are
        fixBearerCheck(s as never, (_thing, req, why) => {
            const target = targetOf(s, req.url);
            const op = target === undefined ? undefined : operationOf(target, req.method);
            if (op === undefined) return;
            const error = new RequestRefusedError("unauthorized", why);
            reportRefusal(hooks, currentRequest() ?? this.originOf(req), target, op, error);
        });
        fixThingPropertyForms(s);
        const describe = hooks.history === undefined ? undefined : hooks.describeHistory;
        if (describe !== undefined) {
            // each Thing's TD names its history resources, once binding-http has made its forms
            replaceMethod<ProtocolServer["expose"]>(
                server,
                "expose",
                "http-history-description",
                (expose) => async (thing, tdTemplate) => {
                    await expose.call(server, thing, tdTemplate);
                    describe(thing, server.scheme, ["application/json", "text/csv"]);
                }
            );
        }
        refuseLargeBeforeContinue(
            s.getServer(),
            () => hooks.limits.maxBodyBytes,
            (req, res) => {
                corsOnEveryAnswer(s, req, res);
                const where = hooks.redirect?.(s.scheme, s.getPort(), req.url ?? "/");
                if (where !== undefined) return answerRedirect(res, where);
                const request = this.originOf(req);
                runAsRequest(request, this.refuseTooLarge, req, res, request);
            }
        );
        stopClosesConnections(server, () => s.getServer());
        askPortOnce(s);
    }

    /** Every request but health and redirects, in its origin's context. */
    readonly serve = (self: unknown, req: IncomingMessage, res: ServerResponse, request: RequestOrigin): unknown => {
        const { s, hooks } = this;
        const method = req.method;
        if (req.url?.startsWith(WELL_KNOWN_WOT)) {
            const fallback = `${s.scheme}://${uriHost(Helpers.getAddresses()[0] ?? "127.0.0.1")}:${s.getPort()}`;
            const base = baseOf(req, s.scheme, fallback, s.baseUri);
            answerDirectory(req, res, base, "Thing Description Directory", DIRECTORY_PATHS, () => s.getThings());
            return;
        }
        if (
            (method === "GET" || method === "HEAD") &&
            hooks.dashboard &&
            isDashboardPath(s, hooks.dashboard, req.url)
        ) {
            return settled(res, serveDashboard(s, hooks.dashboard, req, res));
        }
        corsOnEveryAnswer(s, req, res);
        const voWot = hooks.limits.voWot ? voWotPathOf(req.url) : undefined;
        if (voWot !== undefined) return settled(res, serveVoWot(s, hooks, request, voWot, req, res));
        if (hooks.history !== undefined && isHistoryPath(req.url))
            return settled(res, serveHistory(s, hooks, req, res));
        const unobservable = notObservable(s, req.url);
        if (unobservable !== undefined) {
            return settled(res, refuseNotObservable(s, hooks, request, unobservable, req, res));
        }
        if (method === "GET") {
            if (requestPath(req.url) === "/") return answerThingList(s, res);
            if (acceptIsDefault(req)) return this.original.call(self, req, res);
            return settled(res, this.negotiated(self, req, res, request));
        }
        if (method === "HEAD") return this.head(self, req, res);
        if (method === "OPTIONS" && answerOptions(s, req, res)) return;
        return this.bounded(self, req, res, request);
    };

    /** HEAD: the Thing list, a long poll's headers, binding-http, or 405 where HEAD is not answered. */
    private head(self: unknown, req: IncomingMessage, res: ServerResponse): unknown {
        if (requestPath(req.url) === "/") return answerThingList(this.s, res);
        const poll = longPollTarget(this.s, req.url);
        if (poll !== undefined) return settled(res, answerLongPollHead(this.s, poll, req, res));
        return refuseHead(this.s, req, res) ? undefined : this.original.call(self, req, res);
    }

    /** A request that may carry a body: routed once its body is known to be within the bound. */
    private bounded(self: unknown, req: IncomingMessage, res: ServerResponse, request: RequestOrigin): unknown {
        const max = this.hooks.limits.maxBodyBytes;
        if (declaresTooLarge(req, max)) return this.refuseTooLarge(req, res, request);
        if (isChunked(req)) {
            return holdChunkedBody(
                req,
                max,
                () => runAsRequest(request, this.route, self, req, res, request),
                () => runAsRequest(request, this.refuseTooLarge, req, res, request)
            );
        }
        return this.route(self, req, res, request);
    }

    /** A request other than GET, its body (if any) known to be within the bound. */
    private readonly route = (self: unknown, req: IncomingMessage, res: ServerResponse, request: RequestOrigin) => {
        const { s, hooks } = this;
        const method = req.method;
        const target = method === "PUT" || namesThingProperties(req.url) ? targetOf(s, req.url) : undefined;
        if (target?.route === "properties") {
            return settled(res, serveThingProperties(s, hooks, request, target, req, res, undefined));
        }
        if (method === "PUT" && target?.route === "property" && target.thing.properties[target.name!]?.readOnly) {
            const readOnly = target as typeof target & { name: string };
            return settled(res, refuseReadOnlyWrite(s, hooks, request, readOnly, req, res));
        }
        if ((method === "PUT" || method === "POST") && hasEmptyBody(req)) {
            const empty = needingValue(s, req);
            if (empty !== undefined) return settled(res, refuseEmptyBody(s, hooks, request, empty, req, res));
        }
        if (method === "POST" && !acceptIsDefault(req)) return settled(res, this.negotiated(self, req, res, request));
        return this.original.call(self, req, res);
    };

    /** A GET (or an action's POST) whose Accept asks for something else than binding-http would answer in. */
    private async negotiated(self: unknown, req: IncomingMessage, res: ServerResponse, request: RequestOrigin) {
        const { s, hooks } = this;
        const target = targetOf(s, req.url);
        const result = target === undefined || target.route === "thing" ? undefined : negotiate(req, target, s.scheme);
        if (target === undefined || result === undefined || (req.method === "POST" && target.route !== "action")) {
            return this.original.call(self, req, res);
        }
        if ("offered" in result) {
            if (!(await authorized(s, target.thing, req, res))) return;
            const text = notAcceptableText(req.headers.accept, result.offered);
            const op = operationOf(target, req.method);
            if (op !== undefined)
                reportRefusal(hooks, request, target, op, new RequestRefusedError("not-acceptable", text));
            return answerText(res, 406, text);
        }
        if (target.route === "properties") {
            if (result.type === JSON_MEDIA_TYPE && req.method === "GET") return this.original.call(self, req, res);
            return serveThingProperties(s, hooks, request, target, req, res, result.type);
        }
        steer(req, result.type);
        return this.original.call(self, req, res);
    }

    /** 413 for a body over the bound, recorded under the affordance the URL names. */
    private readonly refuseTooLarge = (req: IncomingMessage, res: ServerResponse, request: RequestOrigin): void => {
        const max = this.hooks.limits.maxBodyBytes;
        const target = targetOf(this.s, req.url);
        const op = target === undefined ? undefined : operationOf(target, req.method);
        if (op !== undefined) {
            const declared = req.headers["content-length"];
            const error = new RequestRefusedError(
                "payload-too-large",
                `request body over ${max} bytes${declared === undefined ? "" : ` (Content-Length ${declared})`}`
            );
            reportRefusal(this.hooks, request, target, op, error);
        }
        answerTooLarge(res, max);
    };
}

export const httpFace: ProtocolFace = {
    schemes: ["http", "https"],
    instrument,
    probe: httpProbe,
};
