import type { IncomingMessage, ServerResponse } from "node:http";
import { Helpers, ProtocolServer } from "@node-wot/core";
import { createLogger } from "../../log";
import { formatAddress, uriHost } from "../../model/address";
import type { Protocol } from "../../model/interaction-record";
import { RequestRefusedError } from "../../model/refusal";
import { currentRequest, RequestOrigin, runAsRequest } from "../../model/request-context";
import type { ProtocolFace, ServerHooks } from "../protocol-face";
import { answerFromContext, answerRedirect } from "./http-answers";
import {
    answerTooLarge,
    declaresTooLarge,
    holdChunkedBody,
    isChunked,
    refuseLargeBeforeContinue,
} from "./http-body-limit";
import { corsOnEveryAnswer } from "./http-cors";
import { acceptIsDefault, negotiate, notAcceptableText, steer } from "./http-content-negotiation";
import { describeHistoryOnExpose } from "../history-description";
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
import { answerText, authorized, HttpServerInternals, operationOf, recordRefused, targetOf } from "./http-routes";
import { fixThingPropertyForms } from "./http-td-forms";
import { serveThingProperties } from "./http-thing-properties";
import { answerThingList } from "./http-things-list";
import { answerDirectory, baseOf, WELL_KNOWN_WOT } from "./http-thing-directory";
import { memoizeFormMatching } from "../form-matching";

type Handle = (this: unknown, req: IncomingMessage, res: ServerResponse) => unknown;

const { debug } = createLogger("protocols:http");
const instrumented = new WeakSet<object>();
const JSON_TYPE = "application/json";

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

/**
 * The events a response emits when its client goes ("close", "finish") run in the request's
 * context too: binding-http ends event subscriptions (and, with recording/observation-close,
 * observations) from them, and their records then carry the protocol and the client's address
 * instead of `local`.
 */
function emitInContext(res: ServerResponse, request: RequestOrigin): void {
    const emit = res.emit;
    res.emit = function (this: ServerResponse, event: string | symbol, ...args: unknown[]) {
        if (event === "close" || event === "finish") {
            // closed before the answer was complete: the client went (an event subscription binding-http ends
            // on "close" is then kept apart from one the client ended itself)
            if (event === "close" && !this.writableFinished) request.endReason ??= "client disconnected";
            return runAsRequest(request, emit.bind(this), event, ...args);
        }
        return emit.call(this, event, ...args);
    } as typeof res.emit;
}

/** `/thing/properties` (the Thing's own properties resource), without parsing the URL. */
function namesThingProperties(url: string | undefined): boolean {
    if (url === undefined) return false;
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    return path.endsWith("/properties") || path.endsWith("/properties/");
}

function instrument(server: ProtocolServer, hooks: ServerHooks): boolean {
    const s = server as unknown as HttpServerInternals;
    if (instrumented.has(s)) return true;
    const original = s.handleRequest as Handle | undefined;
    if (typeof original !== "function") return false;
    memoizeFormMatching(); // node-wot parses every form's href on every request
    const protocol = (s.scheme === "https" ? "https" : "http") as Protocol;
    const originOf = (req: IncomingMessage): RequestOrigin => ({
        protocol,
        origin: formatAddress(req.socket.remoteAddress, req.socket.remotePort),
    });

    /** 413 for a body over the bound, recorded under the affordance the URL names. */
    const refuseTooLarge = (req: IncomingMessage, res: ServerResponse, request: RequestOrigin): void => {
        const max = hooks.limits.maxBodyBytes;
        const target = targetOf(s, req.url);
        const op = target === undefined ? undefined : operationOf(target, req.method);
        if (op !== undefined) {
            const declared = req.headers["content-length"];
            const error = new RequestRefusedError(
                "payload-too-large",
                `request body over ${max} bytes${declared === undefined ? "" : ` (Content-Length ${declared})`}`
            );
            recordRefused(hooks, request, target, op, error);
        }
        answerTooLarge(res, max);
    };

    /** A GET (or an action's POST) whose Accept asks for something else than binding-http would answer in. */
    const negotiated = async (self: unknown, req: IncomingMessage, res: ServerResponse, request: RequestOrigin) => {
        const target = targetOf(s, req.url);
        const result = target === undefined || target.route === "thing" ? undefined : negotiate(req, target, s.scheme);
        if (target === undefined || result === undefined || (req.method === "POST" && target.route !== "action")) {
            return original.call(self, req, res);
        }
        if ("offered" in result) {
            if (!(await authorized(s, target.thing, req, res))) return;
            const text = notAcceptableText(req.headers.accept, result.offered);
            const op = operationOf(target, req.method);
            if (op !== undefined)
                recordRefused(hooks, request, target, op, new RequestRefusedError("not-acceptable", text));
            return answerText(res, 406, text);
        }
        if (target.route === "properties") {
            if (result.type === JSON_TYPE && req.method === "GET") return original.call(self, req, res);
            return serveThingProperties(s, hooks, request, target, req, res, result.type);
        }
        steer(req, result.type);
        return original.call(self, req, res);
    };

    /** A request other than GET, its body (if any) known to be within the bound. */
    const route = (self: unknown, req: IncomingMessage, res: ServerResponse, request: RequestOrigin): unknown => {
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
        if (method === "POST" && !acceptIsDefault(req)) return settled(res, negotiated(self, req, res, request));
        return original.call(self, req, res);
    };

    const directoryPaths = { things: `${WELL_KNOWN_WOT}/things` };
    const serve = (self: unknown, req: IncomingMessage, res: ServerResponse, request: RequestOrigin): unknown => {
        const method = req.method;
        if (req.url?.startsWith(WELL_KNOWN_WOT)) {
            const fallback = `${s.scheme}://${uriHost(Helpers.getAddresses()[0] ?? "127.0.0.1")}:${s.getPort()}`;
            const base = baseOf(req, s.scheme, fallback, s.baseUri);
            answerDirectory(req, res, base, "Thing Description Directory", directoryPaths, () => s.getThings());
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
        if (hooks.history !== undefined && isHistoryPath(req.url))
            return settled(res, serveHistory(s, hooks, req, res));
        const unobservable = notObservable(s, req.url);
        if (unobservable !== undefined) {
            return settled(res, refuseNotObservable(s, hooks, request, unobservable, req, res));
        }
        if (method === "GET") {
            if (req.url === "/") return answerThingList(s, res);
            if (acceptIsDefault(req)) return original.call(self, req, res);
            return settled(res, negotiated(self, req, res, request));
        }
        if (method === "HEAD") {
            if (req.url === "/") return answerThingList(s, res);
            const poll = longPollTarget(s, req.url);
            if (poll !== undefined) return settled(res, answerLongPollHead(s, poll, req, res));
            return refuseHead(s, req, res) ? undefined : original.call(self, req, res);
        }
        if (method === "OPTIONS" && answerOptions(s, req, res)) return;
        const max = hooks.limits.maxBodyBytes;
        if (declaresTooLarge(req, max)) return refuseTooLarge(req, res, request);
        if (isChunked(req)) {
            return holdChunkedBody(
                req,
                max,
                () => runAsRequest(request, route, self, req, res, request),
                () => runAsRequest(request, refuseTooLarge, req, res, request)
            );
        }
        return route(self, req, res, request);
    };

    s.handleRequest = function (this: unknown, req: IncomingMessage, res: ServerResponse) {
        // this process's health, before any redirect, and outside any request context: nothing is recorded
        const health = hooks.health === undefined ? undefined : healthResourceOf(s, hooks.health, req.url);
        if (health !== undefined) return settled(res, serveHealth(s, hooks.health!, health, req, res));
        const where = hooks.redirect?.(s.scheme, s.getPort(), req.url ?? "/");
        if (where !== undefined) return answerRedirect(res, where);
        const request: RequestOrigin = {
            protocol,
            origin: formatAddress(req.socket.remoteAddress, req.socket.remotePort),
            onClose: (fn) => void res.once("close", fn),
        };
        answerFromContext(res, request);
        emitInContext(res, request);
        return runAsRequest(request, serve, this, req, res, request);
    };
    answerMethodNotAllowed(s);
    // a refusal for want of credentials is recorded under the affordance the URL names, as others are
    fixBearerCheck(s as never, (_thing, req, why) => {
        const target = targetOf(s, req.url);
        const op = target === undefined ? undefined : operationOf(target, req.method);
        if (op === undefined) return;
        const error = new RequestRefusedError("unauthorized", why);
        recordRefused(hooks, currentRequest() ?? originOf(req), target, op, error);
    });
    fixThingPropertyForms(s);
    if (hooks.history !== undefined) describeHistoryOnExpose(server, ["application/json", "text/csv"]);
    refuseLargeBeforeContinue(
        s.getServer(),
        () => hooks.limits.maxBodyBytes,
        (req, res) => {
            const where = hooks.redirect?.(s.scheme, s.getPort(), req.url ?? "/");
            if (where !== undefined) return answerRedirect(res, where);
            const request = originOf(req);
            corsOnEveryAnswer(s, req, res);
            runAsRequest(request, refuseTooLarge, req, res, request);
        }
    );
    stopClosesConnections(server, () => s.getServer());
    askPortOnce(s);
    instrumented.add(s);
    return true;
}

/**
 * The port from the `listening` event instead of the socket at each call: binding-http builds debug
 * lines with getPort() at every request (three times on this face), and each `server.address()` is a
 * getsockname system call: about 9 us a request, 11% of the server's CPU under an HTTP read load
 * (bench/interactions.ts with --cpu-prof).
 */
function askPortOnce(s: HttpServerInternals): void {
    const ask = s.getPort.bind(s);
    const server = s.getServer();
    let port = server.listening ? ask() : -1;
    server.on("listening", () => (port = ask()));
    server.on("close", () => (port = -1));
    s.getPort = () => (port > 0 ? port : ask());
}

export const httpFace: ProtocolFace = {
    schemes: ["http", "https"],
    instrument,
    probe: httpProbe,
};
