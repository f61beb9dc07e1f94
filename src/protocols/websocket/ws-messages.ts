import { VoError } from "../../model/errors";

/**
 * The messages of the VO's WebSocket protocol. binding-websockets 0.9.0 defines none (its client's
 * read, write and invoke are empty promises that never settle, and its server reads nothing a client
 * sends), so the VO speaks JSON objects, one per message, on the binding's per-affordance paths:
 *
 *     client -> VO   {"op": "readproperty" | "writeproperty" | "observeproperty" | "unobserveproperty"
 *                           | "invokeaction" | "unsubscribeevent", "id"?: any, "value"?: v, "input"?: v}
 *     VO -> client   {"id", "op", "value"} (read) | {"id", "op", "ok": true} (write, (un)observe)
 *                    | {"id", "op", "output"} (invoke) | {"op": "propertychange", "name", "value"}
 *                    | {"op": "event", "name", "data"} | {"id", "op", "error": {"status", "message"}}
 *
 * An event's socket is subscribed as soon as it opens (as the binding does) and until it closes.
 */
export type WsOperation =
    "readproperty" | "writeproperty" | "observeproperty" | "unobserveproperty" | "invokeaction" | "unsubscribeevent";

export const OPERATIONS_BY_KIND: Record<"property" | "action" | "event", readonly WsOperation[]> = {
    property: ["readproperty", "writeproperty", "observeproperty", "unobserveproperty"],
    action: ["invokeaction"],
    event: ["unsubscribeevent"],
};

/** Whether `op` is one a socket of this kind serves (what a refusal of it is recorded as). */
export function isOperationOf(kind: "property" | "action" | "event", op: string | undefined): op is WsOperation {
    return op !== undefined && OPERATIONS_BY_KIND[kind].includes(op as WsOperation);
}

export interface WsRequest {
    op: WsOperation;
    id?: unknown;
    value?: unknown;
    input?: unknown;
}

export class WsMessageError extends VoError {
    readonly kind = "refused";

    constructor(
        readonly status: number,
        message: string,
        readonly id?: unknown,
        readonly op?: string
    ) {
        super(message);
    }
}

/** Reads one client message; a message that is not a JSON object naming an operation of this socket is refused (400). */
export function parseRequest(data: string, kind: "property" | "action" | "event"): WsRequest {
    let parsed: unknown;
    try {
        parsed = JSON.parse(data);
    } catch (err) {
        throw new WsMessageError(400, `message is not JSON: ${(err as Error).message}`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new WsMessageError(400, 'message must be a JSON object like {"op": "readproperty"}');
    }
    const m = parsed as Record<string, unknown>;
    const allowed = OPERATIONS_BY_KIND[kind];
    if (typeof m.op !== "string" || !allowed.includes(m.op as WsOperation)) {
        throw new WsMessageError(
            400,
            `"op" must be one of ${allowed.join(", ")} on a ${kind} socket, got ${JSON.stringify(m.op)}`,
            m.id,
            typeof m.op === "string" ? m.op : undefined
        );
    }
    return { op: m.op as WsOperation, id: m.id, value: m.value, input: m.input };
}
