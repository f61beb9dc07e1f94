import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { Content, ExposedThing } from "@node-wot/core";
import type WebSocket from "ws";
import { formatAddress } from "../../model/address";
import type { AffordanceKind, Operation, Protocol } from "../../model/interaction-record";
import { refusalOf, RequestRefusedError } from "../../model/refusal";
import { RequestOrigin, runAsRequest } from "../../model/request-context";
import type { ServerHooks } from "../protocol-face";
import { formOrigin, propertyOps, VoWotForms, VoWotTd } from "../vo-wot-td";
import { affordanceBySlug, voWotSlug } from "../vo-wot-slug";
import { jsonContent, valueOf } from "../vo-wot-content";

/**
 * vo-wot's WebSocket wire format: wotpy2 0.1.0's WebsocketServer, JSON-RPC 2.0 on one socket per Thing at
 * `ws://host:port/<thing url_name>`, served beside binding-websockets' per-affordance paths (which have
 * three segments, so `/<thing>` never clashes) when `protocols.voWot` is on:
 *
 *   {"jsonrpc": "2.0", "id", "method": "read_property",  "params": {"name"}}              result: the value
 *   {"jsonrpc": "2.0", "id", "method": "write_property", "params": {"name", "value"}}     result: null
 *   {"jsonrpc": "2.0", "id", "method": "invoke_action",  "params": {"name", "parameters"?}} result: the output
 *   {"jsonrpc": "2.0", "id", "method": "on_property_change" | "on_event", "params": {"name"}}
 *        result: a subscription id; then {"subscription", "name": "propertychange", "data": {"name", "value"}}
 *        per change, {"subscription", "name": <event>, "data": payload} per emission
 *   {"jsonrpc": "2.0", "id", "method": "dispose", "params": {"subscription"}}  result: the id, or null if unknown
 *
 * Errors are JSON-RPC error objects {"jsonrpc", "id", "error": {"code", "message", "data"}}, as vo-wot
 * sends them: -32700 not JSON, -32600 not a request, -32601 a method not served (`on_td_change` too),
 * -32602 params missing or wrong, an unknown affordance, or input the Thing refuses (`data.reason`), -32603
 * a handler that failed (an action throwing: its message, which wotpy2's client raises). Each request
 * goes through the Thing's handle* methods with the index of the affordance's node-wot WebSocket form,
 * so it is checked and recorded as node-wot's forms are (protocol ws or wss, the client's address);
 * a refusal of a known affordance is recorded. A subscription ends with `dispose` or the socket's close.
 */

export const JSON_RPC = {
    parseError: -32700,
    invalidRequest: -32600,
    methodNotFound: -32601,
    invalidParams: -32602,
    internalError: -32603,
} as const;

/** What the WebSocket server lends the dialect: how it records, and where it keeps what stop() must end. */
export interface VoWotWsContext {
    protocol: Protocol;
    hooks: ServerHooks | undefined;
    /** each open subscription's end, called with the reason at stop */
    sessions: Set<(reason: string) => void>;
    /** requests being served, answered before the recorder closes */
    inFlight: Set<Promise<unknown>>;
}

/** The path of a Thing's vo-wot socket. */
export function voWotSocketPath(title: string): string {
    return `/${voWotSlug(title)}`;
}

/** vo-wot's WebSocket forms of a Thing: its socket on the VO's server; undefined when the TD has no WebSocket form. */
export function wsVoWotForms(td: VoWotTd): VoWotForms | undefined {
    const ws = formOrigin(td, /^(wss?:\/\/[^/]+)\//);
    if (ws === undefined) return undefined;
    const title = String(td.title);
    return {
        property: (_name, p) => voWotWsForms(ws, title, propertyOps(p, true)),
        action: () => voWotWsForms(ws, title, ["invokeaction"]),
        event: () => voWotWsForms(ws, title, ["subscribeevent"]),
    };
}

/** The forms vo-wot's WebSocket client takes: one per affordance, the Thing's socket (`ws://host:port/<thing>`). */
export function voWotWsForms(
    wsOrigin: string,
    title: string,
    op: string[]
): { href: string; contentType: string; op: string[] }[] {
    return [{ href: `${wsOrigin}${voWotSocketPath(title)}`, contentType: "application/json", op }];
}

/**
 * wotpy2's client starts waiting for an answer only once its request is written out, and an answer that
 * comes before is kept but never noticed (the call then waits forever): answers leave no sooner than this
 * after their request came, as they do from vo-wot's own (slower) server.
 */
const ANSWER_DELAY_MS = 10;

const METHODS = ["read_property", "write_property", "invoke_action", "on_property_change", "on_event", "dispose"];

class RpcError extends Error {
    constructor(
        readonly code: number,
        message: string,
        readonly data?: Record<string, unknown>,
        /** the request's id, when the message had one */
        readonly id: Request["id"] = null
    ) {
        super(message);
    }
}

interface Request {
    id: string | number | null;
    method: string;
    params: Record<string, unknown>;
}

interface Subscription {
    kind: "property" | "event";
    name: string;
    fn: (content: Content) => Promise<void>;
    /** its id has been sent: what it delivers goes out */
    announced: boolean;
}

/** One client's socket on a Thing: its requests and subscriptions. */
export function serveVoWotSocket(ctx: VoWotWsContext, thing: ExposedThing, ws: WebSocket, req: IncomingMessage): void {
    new VoWotSocket(ctx, thing, ws, req).listen();
}

class VoWotSocket {
    private readonly origin: RequestOrigin;
    private readonly subscriptions = new Map<string, Subscription>();
    private readonly endAll = (reason: string): void => {
        for (const id of [...this.subscriptions.keys()]) this.end(id, reason);
    };

    constructor(
        private readonly ctx: VoWotWsContext,
        private readonly thing: ExposedThing,
        private readonly ws: WebSocket,
        req: IncomingMessage
    ) {
        this.origin = {
            protocol: ctx.protocol,
            origin: formatAddress(req.socket.remoteAddress, req.socket.remotePort),
        };
    }

    listen(): void {
        this.ctx.sessions.add(this.endAll);
        this.ws.on("close", () => {
            this.ctx.sessions.delete(this.endAll);
            this.endAll("client disconnected");
        });
        this.ws.on("error", () => undefined); // the close that follows ends the subscriptions
        this.ws.on("message", (data: WebSocket.RawData, isBinary: boolean) => {
            const text = Buffer.isBuffer(data) ? data.toString("utf8") : String(data);
            let request: Request;
            try {
                request = parseRequest(text, isBinary);
            } catch (err) {
                return this.sendError((err as RpcError).id, err as RpcError);
            }
            const served = runAsRequest(this.origin, () => this.serve(request));
            this.ctx.inFlight.add(served);
            void served.finally(() => this.ctx.inFlight.delete(served));
        });
    }

    private send(message: object): void {
        if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
    }

    private sendError(id: Request["id"], err: RpcError): void {
        this.send({ jsonrpc: "2.0", id, error: { code: err.code, message: err.message, data: err.data ?? null } });
    }

    private async serve(r: Request): Promise<void> {
        const earliest = Date.now() + ANSWER_DELAY_MS;
        let message: object;
        try {
            const result = await this.answer(r);
            message = { jsonrpc: "2.0", id: r.id, result: result ?? null };
        } catch (err) {
            const e = err instanceof RpcError ? err : handlerError(err);
            message = { jsonrpc: "2.0", id: r.id, error: { code: e.code, message: e.message, data: e.data ?? null } };
        }
        const wait = earliest - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        this.send(message);
        // a subscription delivers once its id is out (as vo-wot subscribes after answering)
        const sub = this.subscriptions.get(String((message as { result?: unknown }).result));
        if (sub !== undefined && r.method.startsWith("on_")) sub.announced = true;
    }

    private async answer(r: Request): Promise<unknown> {
        if (r.method === "dispose") {
            const id = r.params.subscription;
            if (typeof id !== "string")
                throw new RpcError(JSON_RPC.invalidParams, 'dispose: "subscription" (a string) is required');
            if (!this.subscriptions.has(id)) return null;
            this.end(id, "disposed");
            return id;
        }
        const kind = r.method === "invoke_action" ? "action" : r.method === "on_event" ? "event" : "property";
        const op = OPERATION[r.method];
        const name = this.affordance(kind, r.params.name, op);
        const formIndex = this.formIndex(kind, name);
        switch (r.method) {
            case "read_property":
                return valueOf(await this.thing.handleReadProperty(name, { formIndex }), this.thing.properties[name]);
            case "write_property":
                if (!("value" in r.params)) this.refuse(kind, name, op, 'write_property: "value" is required');
                await this.thing.handleWriteProperty(name, jsonContent(r.params.value), { formIndex });
                return null;
            case "invoke_action": {
                const action = this.thing.actions[name];
                const output = await this.thing.handleInvokeAction(
                    name,
                    jsonContent(r.params.parameters ?? undefined),
                    { formIndex }
                );
                return output === undefined || output === null ? null : valueOf(output, action.output);
            }
            default:
                return this.subscribe(kind as "property" | "event", name, formIndex);
        }
    }

    /** The affordance `name` names, or a refusal: the params lack it, or the Thing has none of that name. */
    private affordance(kind: AffordanceKind, name: unknown, op: Operation): string {
        if (typeof name !== "string") {
            throw new RpcError(JSON_RPC.invalidParams, `${METHOD_OF[op]}: "name" (a string) is required`);
        }
        const map =
            kind === "property" ? this.thing.properties : kind === "action" ? this.thing.actions : this.thing.events;
        // vo-wot's clients send the affordance's own name; its url_name is taken too
        const found = name in map ? name : affordanceBySlug(map, name);
        if (found === undefined) {
            throw new RpcError(JSON_RPC.invalidParams, `Thing "${this.thing.title}" has no ${kind} "${name}"`);
        }
        if (op === "observeproperty" && this.thing.properties[found].observable !== true) {
            this.refuse(kind, found, op, `property "${found}" is not observable`, "method-not-allowed");
        }
        return found;
    }

    private refuse(
        kind: AffordanceKind,
        name: string,
        op: Operation,
        message: string,
        reason: "bad-request" | "method-not-allowed" = "bad-request"
    ): never {
        const error = new RequestRefusedError(reason, message);
        this.ctx.hooks?.refused?.({
            thing: this.thing.id,
            kind,
            name,
            op,
            protocol: this.origin.protocol as Protocol,
            origin: this.origin.origin,
            error,
            valid: false,
        });
        throw new RpcError(JSON_RPC.invalidParams, message, { reason });
    }

    private async subscribe(kind: "property" | "event", name: string, formIndex: number): Promise<string> {
        const id = randomUUID();
        const schema = kind === "property" ? this.thing.properties[name] : this.thing.events[name].data;
        const fn = async (content: Content): Promise<void> => {
            const value = await valueOf(content, schema).catch(() => undefined);
            if (this.subscriptions.get(id)?.announced !== true) return;
            this.send(
                kind === "property"
                    ? { subscription: id, name: "propertychange", data: { name, value: value ?? null } }
                    : { subscription: id, name, data: value ?? null }
            );
        };
        this.subscriptions.set(id, { kind, name, fn, announced: false });
        try {
            if (kind === "property") await this.thing.handleObserveProperty(name, fn, { formIndex });
            else await this.thing.handleSubscribeEvent(name, fn, { formIndex });
        } catch (err) {
            this.subscriptions.delete(id);
            throw err;
        }
        return id;
    }

    private end(id: string, reason: string): void {
        const s = this.subscriptions.get(id);
        if (s === undefined) return;
        this.subscriptions.delete(id);
        const formIndex = this.formIndex(s.kind, s.name);
        runAsRequest({ ...this.origin, endReason: reason }, () => {
            try {
                if (s.kind === "property") this.thing.handleUnobserveProperty(s.name, s.fn, { formIndex });
                else this.thing.handleUnsubscribeEvent(s.name, s.fn, { formIndex });
            } catch {
                // already ended by node-wot
            }
        });
    }

    /** The index of the affordance's node-wot WebSocket form: the records name the same form as node-wot's socket. */
    private formIndex(kind: AffordanceKind, name: string): number {
        const map =
            kind === "property" ? this.thing.properties : kind === "action" ? this.thing.actions : this.thing.events;
        const forms = (map[name]?.forms ?? []) as { href: string }[];
        return Math.max(
            0,
            forms.findIndex((f) => f.href.startsWith(`${this.origin.protocol}:`))
        );
    }
}

const OPERATION: Record<string, Operation> = {
    read_property: "readproperty",
    write_property: "writeproperty",
    invoke_action: "invokeaction",
    on_property_change: "observeproperty",
    on_event: "subscribeevent",
};

const METHOD_OF = Object.fromEntries(Object.entries(OPERATION).map(([m, op]) => [op, m])) as Record<Operation, string>;

/** One message as a JSON-RPC request of a method served here; else the error to answer (its id is null). */
function parseRequest(text: string, isBinary: boolean): Request {
    if (isBinary) throw new RpcError(JSON_RPC.invalidRequest, "binary messages are not served: send JSON text");
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (err) {
        throw new RpcError(JSON_RPC.parseError, `message is not JSON: ${(err as Error).message}`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new RpcError(
            JSON_RPC.invalidRequest,
            'a request is a JSON object {"jsonrpc": "2.0", "method", "params", "id"}'
        );
    }
    const m = parsed as Record<string, unknown>;
    const id = typeof m.id === "string" || typeof m.id === "number" ? m.id : null;
    const fail = (code: number, message: string): never => {
        throw new RpcError(code, message, undefined, id);
    };
    if (m.jsonrpc !== "2.0") fail(JSON_RPC.invalidRequest, `"jsonrpc" must be "2.0", got ${JSON.stringify(m.jsonrpc)}`);
    if (typeof m.method !== "string") fail(JSON_RPC.invalidRequest, '"method" (a string) is required');
    const method = m.method as string;
    if (!METHODS.includes(method)) {
        fail(JSON_RPC.methodNotFound, `method "${method}" is not served: it answers ${METHODS.join(", ")}`);
    }
    const params = m.params ?? {};
    if (typeof params !== "object" || params === null || Array.isArray(params)) {
        fail(JSON_RPC.invalidParams, `${method}: "params" must be an object`);
    }
    return { id, method, params: params as Record<string, unknown> };
}

/** A handler's failure: a refusal of the input is the client's (-32602), anything else the handler's (-32603). */
function handlerError(err: unknown): RpcError {
    const message = err instanceof Error ? err.message : String(err);
    const refusal = refusalOf(err);
    if (refusal === undefined) return new RpcError(JSON_RPC.internalError, message);
    return new RpcError(JSON_RPC.invalidParams, refusal.message, { reason: refusal.reason });
}
