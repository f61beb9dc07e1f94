import type { ProtocolServer } from "@node-wot/core";
import { formatAddress, urlHost } from "../../model/address";
import type { Protocol } from "../../model/interaction-record";
import { RequestOrigin, runAsRequest } from "../../model/request-context";
import type { ProtocolFace, ServerHooks } from "../protocol-face";
import { answerFromContext, answerRedirect, CoapResponseLike } from "./coap-answers";
import { coapPing } from "./coap-ping";
import { setServerHooks } from "./coap-server-hooks";
import { memoizeFormMatching } from "../form-matching";
import { replaceMethod } from "../patches/replace-method";
import { DEFAULT_COAP_PORT } from "../../options/server-options";

interface CoapRequestLike {
    url?: string;
    rsinfo?: { address?: string; port?: number };
}
type Handle = (this: unknown, req: CoapRequestLike, res: CoapResponseLike) => unknown;
interface CoapServerInternals {
    scheme: string;
    getPort(): number;
    handleRequest?: Handle;
}

const instrumented = new WeakSet<object>();

function instrument(server: ProtocolServer, hooks: ServerHooks): boolean {
    const s = server as unknown as CoapServerInternals;
    if (instrumented.has(s)) return true;
    const protocol = (s.scheme === "coaps" ? "coaps" : "coap") as Protocol;
    const wrapped = replaceMethod<Handle>(
        s,
        "handleRequest",
        "coap-request-context",
        (original) =>
            function (this: unknown, req: CoapRequestLike, res: CoapResponseLike) {
                const where = hooks.redirect?.(s.scheme, s.getPort(), req.url ?? "/");
                if (where !== undefined) return answerRedirect(res, where);
                const request: RequestOrigin = {
                    protocol,
                    origin: formatAddress(req.rsinfo?.address, req.rsinfo?.port),
                };
                answerFromContext(res, request);
                return runAsRequest(request, original.bind(this), req, res);
            }
    );
    if (!wrapped) return false;
    memoizeFormMatching(); // node-wot parses every form's href on every request
    setServerHooks(s, hooks); // the limits and the refusal sink VoCoapServer serves by
    const describe = hooks.history === undefined ? undefined : hooks.describeHistory;
    if (describe !== undefined) {
        // each Thing's TD names its CoAP history resources, once binding-coap has made its forms
        replaceMethod<ProtocolServer["expose"]>(
            server,
            "expose",
            "coap-history-description",
            (expose) => async (thing, tdTemplate) => {
                await expose.call(server, thing, tdTemplate);
                describe(thing, server.scheme, ["application/json"]);
            }
        );
    }
    instrumented.add(s);
    return true;
}

export const coapFace: ProtocolFace = {
    schemes: ["coap", "coaps"],
    instrument,
    probe: async (url, timeoutMs) => {
        const port = url.port === "" ? DEFAULT_COAP_PORT : Number(url.port);
        return `CoAP ${await coapPing(urlHost(url), port, timeoutMs)} from ${url.host}`;
    },
};
