import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { ProtocolServer } from "@node-wot/core";
import { formatAddress } from "../../model/address";
import type { Protocol } from "../../model/interaction-record";
import { RequestOrigin, runAsRequest } from "../../model/request-context";
import type { ProtocolFace, ServerHooks } from "../protocol-face";
import { answerFromContext, answerRedirect } from "./http-answers";
import { httpProbe } from "./http-probe";
import { stopClosesConnections } from "./http-server-stop";

type Handle = (this: unknown, req: IncomingMessage, res: ServerResponse) => unknown;
interface HttpServerInternals {
    scheme: string;
    getPort(): number;
    handleRequest?: Handle;
    stop(): Promise<void>;
    getServer(): Server;
}

const instrumented = new WeakSet<object>();

/**
 * The events a response emits when its client goes ("close", "finish") run in the request's
 * context too: binding-http ends event subscriptions (and, with recording/observation-close,
 * observations) from them, and their records then carry the protocol and the client's address
 * instead of `local`.
 */
function emitInContext(res: ServerResponse, request: RequestOrigin): void {
    const emit = res.emit;
    res.emit = function (this: ServerResponse, event: string | symbol, ...args: unknown[]) {
        if (event === "close" || event === "finish") return runAsRequest(request, emit.bind(this), event, ...args);
        return emit.call(this, event, ...args);
    } as typeof res.emit;
}

function instrument(server: ProtocolServer, hooks: ServerHooks): boolean {
    const s = server as unknown as HttpServerInternals;
    if (instrumented.has(s)) return true;
    const original = s.handleRequest;
    if (typeof original !== "function") return false;
    const protocol = (s.scheme === "https" ? "https" : "http") as Protocol;
    s.handleRequest = function (this: unknown, req: IncomingMessage, res: ServerResponse) {
        const where = hooks.redirect?.(s.scheme, s.getPort(), req.url ?? "/");
        if (where !== undefined) return answerRedirect(res, where);
        const request: RequestOrigin = {
            protocol,
            origin: formatAddress(req.socket.remoteAddress, req.socket.remotePort),
            onClose: (fn) => void res.once("close", fn),
        };
        answerFromContext(res, request);
        emitInContext(res, request);
        return runAsRequest(request, original.bind(this), req, res);
    };
    if (typeof s.getServer === "function") stopClosesConnections(s);
    instrumented.add(s);
    return true;
}

export const httpFace: ProtocolFace = {
    schemes: ["http", "https"],
    instrument,
    probe: httpProbe,
};
