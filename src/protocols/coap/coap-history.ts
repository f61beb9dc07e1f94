import type { AffordanceKind } from "../../model/interaction-record";
import { refusalOf } from "../../model/refusal";
import type { ServerHooks } from "../protocol-face";
import { COAP_CODE, CoapResponseLike, setCode } from "./coap-answers";
import { uriQuery } from "./coap-uri";

interface RequestLike {
    method: string;
    headers: Record<string, unknown>;
    url?: string;
    _packet?: { options?: { name: string | number; value: unknown }[] };
}

const JSON_FORMATS = new Set([undefined, 50, "50", "application/json"]);

/**
 * The history of a recorded affordance over CoAP: `GET <affordance path>/history` with the same
 * parameters as over HTTP in Uri-Query options, answered in JSON (node-coap sends an answer larger
 * than one datagram block-wise, Block2). The next page's cursor is the body's `next`.
 */
export async function serveCoapHistory(
    hooks: ServerHooks,
    req: RequestLike,
    res: CoapResponseLike,
    thing: string,
    kind: AffordanceKind,
    name: string
): Promise<void> {
    const end = (code: string, payload: string) => {
        setCode(res, code);
        res.end(payload);
    };
    if (hooks.history === undefined) return end("4.04", "no history is kept here");
    if (req.method !== "GET") return end("4.05", `${req.method} is not allowed on a history`);
    if (!JSON_FORMATS.has(req.headers.Accept as string | number | undefined)) {
        return end("4.06", `history is offered as application/json (Content-Format 50) over CoAP`);
    }
    try {
        const reply = await hooks.history(thing, kind, name, new URLSearchParams(uriQuery(req)), "json");
        res.setOption("Content-Format", "application/json");
        end("2.05", reply.body);
    } catch (err) {
        const refusal = refusalOf(err);
        if (refusal === undefined) return end("5.00", err instanceof Error ? err.message : String(err));
        if (refusal.retryAfterSeconds !== undefined) res.setOption("Max-Age", refusal.retryAfterSeconds);
        end(COAP_CODE[refusal.reason], refusal.message);
    }
}
