import type { IncomingMessage, Server as NodeHttpServer } from "node:http";
import { Readable } from "node:stream";
import { WebSocketServer } from "@node-wot/binding-websockets";
import { Content, ContentSerdes, ExposedThing, Form, Helpers } from "@node-wot/core";
import slugify from "slugify";
import WebSocket from "ws";
import { formatAddress } from "../../model/address";
import type { AffordanceKind, Operation, Protocol } from "../../model/interaction-record";
import { refusalOf, RequestRefusedError, REFUSAL_STATUS } from "../../model/refusal";
import { RequestOrigin, runAsRequest } from "../../model/request-context";
import { createLogger } from "../../log";
import { drain } from "../protocol-drain";
import { DEFAULT_PROTOCOL_LIMITS, ServerHooks } from "../protocol-face";
import { isOperationOf, parseRequest, WsMessageError, WsRequest } from "./ws-messages";
import type { ResolvedWebSocketOptions } from "../../options/websocket-options";
import { bindingLoaded } from "../node-wot-cores";
import { serveVoWotSocket, voWotSocketPath, VoWotWsContext } from "./vo-wot-ws-dialect";

// binding-websockets and its copy of node-wot's core load with this module (on demand): fixes and patch checks reach them
bindingLoaded();

const { debug } = createLogger("protocols:websocket:ws-server");

/** The `websocket` option resolved (options/websocket-options.ts). */
export type VoWebSocketServerConfig = ResolvedWebSocketOptions;

/** The parts of binding-websockets' WebSocketServer used here (private in its typings). */
interface Internals {
    scheme: string;
    httpServer: NodeHttpServer;
    socketServers: Record<string, WebSocket.Server>;
}

type BaseThing = Parameters<WebSocketServer["expose"]>[0];

/** What one socket serves: an affordance of a Thing. */
interface Route {
    thing: ExposedThing;
    kind: AffordanceKind;
    name: string;
    formIndex: number;
}

/**
 * Exposes Things over WebSocket on binding-websockets' paths (`/<thing>/properties/<name>`,
 * `/<thing>/actions/<name>`, `/<thing>/events/<name>`), speaking the JSON messages of ws-messages.
 * Its WebSocketServer 0.9.0 (built against core 0.9.0; it runs with this core 0.9.2 servient, its
 * HTTP listener and upgrade routing are kept) gets wrong, fixed here:
 * - a property socket observes only properties that are writeOnly (the test is inverted), so no
 *   readable property is ever pushed
 * - nothing a client sends is read: read, write and invoke are advertised but never answered, and an
 *   action's path has no socket at all (the upgrade is dropped)
 * - forms use the nested core 0.9.0's addresses, not the ones `setStaticAddress` pins
 * - a plain HTTP request to the port is never answered (no `request` listener); here 426
 * - `destroy()` forgets every Thing's name, not the one destroyed, and keeps its sockets
 */
export class VoWebSocketServer extends WebSocketServer {
    private hooks: ServerHooks | undefined;
    /** how each open socket's observation or subscription is ended */
    private readonly sessions = new Set<(reason: string) => void>();
    /** requests being served, so stop() answers them before the recorder closes */
    private readonly inFlight = new Set<Promise<unknown>>();
    /** by the Thing's path segment: whose it is and the socket paths it owns */
    private readonly exposed = new Map<string, { thingId: string; paths: string[] }>();

    constructor(config: VoWebSocketServerConfig) {
        // binding-websockets serves TLS itself when given both files (an https server under the upgrades)
        super({
            port: config.port,
            address: config.address,
            serverCert: config.serverCert,
            serverKey: config.serverKey,
        });
    }

    private get internals(): Internals {
        return this as unknown as Internals;
    }

    /** the limits and the refusal sink the VO serves by (set once by ws-face's instrument) */
    setHooks(hooks: ServerHooks): void {
        this.hooks = hooks;
    }

    override async start(servient: Parameters<WebSocketServer["start"]>[0]): Promise<void> {
        const { httpServer, socketServers } = this.internals;
        httpServer.on("request", (_req, res) => {
            res.writeHead(426, { Upgrade: "websocket", Connection: "Upgrade", "Content-Type": "text/plain" });
            res.end("426 Upgrade Required: this port speaks WebSocket (ws://<host>:<port>/<thing>/...)\n");
        });
        // the root answers a handshake, so a probe can tell the server is up
        const root = this.socketServer();
        root.on("connection", (ws: WebSocket) => ws.close(1000, "node-wot-vo"));
        socketServers["/"] = root;
        await super.start(servient);
    }

    override async stop(): Promise<void> {
        if (this.getPort() === -1) return; // never started: the base would wait for a close that never comes
        // observations end now, with their reason, while the recorder still takes records
        for (const end of this.sessions) end("server stopped");
        await drain(this.inFlight);
        await super.stop();
    }

    override async expose(base: BaseThing): Promise<void> {
        const thing = base as unknown as ExposedThing;
        const port = this.getPort();
        if (port === -1) return;
        let slug = slugify(thing.title, { lower: true });
        for (let n = 2; this.exposed.has(slug); n++) slug = `${slugify(thing.title, { lower: true })}_${n}`;
        const own: string[] = [];
        this.exposed.set(slug, { thingId: thing.id, paths: own });
        const sections = [
            ["property", "properties", thing.properties],
            ["action", "actions", thing.actions],
            ["event", "events", thing.events],
        ] as const;
        for (const [kind, dir, map] of sections) {
            for (const [name, affordance] of Object.entries(map)) {
                const path = `/${encodeURIComponent(slug)}/${dir}/${encodeURIComponent(name)}`;
                const ops = operations(
                    kind,
                    affordance as { readOnly?: boolean; writeOnly?: boolean; observable?: boolean }
                );
                if (ops.length === 0) continue;
                let formIndex = -1;
                for (const address of Helpers.getAddresses()) {
                    const form = new Form(
                        `${this.scheme}://${formatAddress(address, port)}${path}`,
                        ContentSerdes.DEFAULT
                    );
                    form.op = ops;
                    affordance.forms.push(form);
                    if (formIndex === -1) formIndex = affordance.forms.length - 1;
                }
                const route: Route = { thing, kind, name, formIndex: Math.max(formIndex, 0) };
                const server = this.socketServer();
                server.on("connection", (ws: WebSocket, req: IncomingMessage) => this.serveSocket(route, ws, req));
                this.internals.socketServers[path] = server;
                own.push(path);
            }
        }
        if (this.hooks?.limits.voWot === true) this.exposeVoWot(thing, own);
        debug("exposes %s at /%s/*", thing.title, slug);
    }

    /** vo-wot's JSON-RPC socket for the Thing at `/<thing url_name>` (vo-wot-ws-dialect.ts), unless a Thing has it. */
    private exposeVoWot(thing: ExposedThing, own: string[]): void {
        const path = voWotSocketPath(thing.title);
        if (path === "/" || this.internals.socketServers[path] !== undefined) {
            debug("%s: vo-wot's socket %s is taken, not served", thing.title, path);
            return;
        }
        const ctx: VoWotWsContext = {
            protocol: this.protocol,
            hooks: this.hooks,
            sessions: this.sessions,
            inFlight: this.inFlight,
        };
        const server = this.socketServer();
        server.on("connection", (ws: WebSocket, req: IncomingMessage) => serveVoWotSocket(ctx, thing, ws, req));
        this.internals.socketServers[path] = server;
        own.push(path);
    }

    override async destroy(thingId: string): Promise<boolean> {
        for (const [slug, exposed] of this.exposed) {
            if (exposed.thingId !== thingId) continue;
            for (const p of exposed.paths) {
                this.internals.socketServers[p]?.close();
                delete this.internals.socketServers[p];
            }
            this.exposed.delete(slug);
            return true;
        }
        return false;
    }

    private socketServer(): WebSocket.Server {
        const limit = this.hooks?.limits.maxBodyBytes ?? DEFAULT_PROTOCOL_LIMITS.maxBodyBytes;
        return new WebSocket.Server({ noServer: true, maxPayload: limit });
    }

    private get protocol(): Protocol {
        return this.scheme === "wss" ? "wss" : "ws";
    }

    /** One client's socket on one affordance: its messages, its observation or subscription. */
    private serveSocket(route: Route, ws: WebSocket, req: IncomingMessage): void {
        const origin: RequestOrigin = {
            protocol: this.protocol,
            origin: formatAddress(req.socket.remoteAddress, req.socket.remotePort),
        };
        const send = (message: object): void => {
            if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
        };
        let listener: ((content: Content) => Promise<void>) | undefined;
        const end = (reason: string): void => {
            if (listener === undefined) return;
            const fn = listener;
            listener = undefined;
            runAsRequest({ ...origin, endReason: reason }, () => {
                try {
                    if (route.kind === "property") {
                        route.thing.handleUnobserveProperty(route.name, fn, { formIndex: route.formIndex });
                    } else route.thing.handleUnsubscribeEvent(route.name, fn, { formIndex: route.formIndex });
                } catch (err) {
                    debug("end of %s: %s", route.name, (err as Error).message);
                }
            });
        };
        const start = async (): Promise<void> => {
            if (listener !== undefined) return;
            const fn = async (content: Content): Promise<void> => {
                const value = await decode(content);
                send(
                    route.kind === "property"
                        ? { op: "propertychange", name: route.name, value }
                        : { op: "event", name: route.name, data: value }
                );
            };
            listener = fn;
            await runAsRequest(origin, () =>
                route.kind === "property"
                    ? route.thing.handleObserveProperty(route.name, fn, { formIndex: route.formIndex })
                    : route.thing.handleSubscribeEvent(route.name, fn, { formIndex: route.formIndex })
            );
        };
        this.sessions.add(end);
        ws.on("close", () => {
            this.sessions.delete(end);
            end("client disconnected");
        });
        ws.on("error", (err) => debug("socket %s: %s", origin.origin, err.message));
        if (route.kind === "event") {
            start().catch((err: Error) => {
                send({ op: "subscribeevent", error: { status: 500, message: err.message } });
                ws.close(1011, "subscription failed");
            });
        }
        ws.on("message", (data: WebSocket.RawData, isBinary?: boolean) => {
            const text = Buffer.isBuffer(data) ? data.toString("utf8") : String(data);
            let request: WsRequest;
            try {
                if (isBinary === true) throw new WsMessageError(400, "binary messages are not served: send JSON text");
                request = parseRequest(text, route.kind as "property" | "action" | "event");
            } catch (err) {
                const e = err as WsMessageError;
                this.refuse(route, origin, text, e.op, new RequestRefusedError("bad-request", e.message));
                send({ id: e.id, op: e.op, error: { status: e.status, message: e.message } });
                return;
            }
            const served = runAsRequest(origin, () => this.serve(route, request, start, end));
            this.inFlight.add(served);
            void served.catch(() => undefined).finally(() => this.inFlight.delete(served));
            served.then(
                (answer) => send({ id: request.id, op: request.op, ...answer }),
                (err: unknown) => {
                    const refusal = refusalOf(err);
                    const status = refusal === undefined ? 500 : REFUSAL_STATUS[refusal.reason];
                    send({ id: request.id, op: request.op, error: { status, message: (err as Error).message } });
                }
            );
        });
    }

    /** A message refused before any handler ran, recorded like the protocol refusals of HTTP and CoAP. */
    private refuse(
        route: Route,
        origin: RequestOrigin,
        text: string,
        op: string | undefined,
        error: RequestRefusedError
    ): void {
        const fallback: Record<AffordanceKind, Operation> = {
            property: "writeproperty",
            action: "invokeaction",
            event: "subscribeevent",
        };
        this.hooks?.refused?.({
            thing: route.thing.id,
            kind: route.kind,
            name: route.name,
            op: isOperationOf(route.kind, op) ? op : fallback[route.kind],
            protocol: this.protocol,
            origin: origin.origin,
            error,
            value: text,
            valid: false,
        });
    }

    private async serve(
        route: Route,
        r: WsRequest,
        start: () => Promise<void>,
        end: (reason: string) => void
    ): Promise<object> {
        const { thing, name, formIndex } = route;
        switch (r.op) {
            case "readproperty":
                return { value: await decode(await thing.handleReadProperty(name, { formIndex })) };
            case "writeproperty":
                await thing.handleWriteProperty(name, jsonContent(r.value), { formIndex });
                return { ok: true };
            case "observeproperty":
                if (thing.properties[name]?.observable !== true) {
                    throw new RequestRefusedError("method-not-allowed", `property "${name}" is not observable`);
                }
                await start();
                return { ok: true };
            case "unobserveproperty":
            case "unsubscribeevent":
                end(r.op);
                return { ok: true };
            case "invokeaction": {
                const output = await thing.handleInvokeAction(name, jsonContent(r.input), { formIndex });
                return { output: output === undefined || output === null ? undefined : await decode(output) };
            }
        }
    }
}

/** The ops a socket serves for an affordance (what its forms advertise). */
function operations(
    kind: "property" | "action" | "event",
    a: { readOnly?: boolean; writeOnly?: boolean; observable?: boolean }
): string[] {
    if (kind === "action") return ["invokeaction"];
    if (kind === "event") return ["subscribeevent", "unsubscribeevent"];
    const ops: string[] = [];
    if (a.writeOnly !== true) ops.push("readproperty");
    if (a.readOnly !== true) ops.push("writeproperty");
    if (a.writeOnly !== true && a.observable === true) ops.push("observeproperty", "unobserveproperty");
    return ops;
}

function jsonContent(value: unknown): Content {
    const body = value === undefined ? [] : [Buffer.from(JSON.stringify(value))];
    return new Content("application/json", Readable.from(body));
}

async function decode(content: Content): Promise<unknown> {
    const body = await content.toBuffer();
    if (body.length === 0) return undefined;
    if (/json/i.test(content.type)) {
        try {
            return JSON.parse(body.toString("utf8"));
        } catch {
            return body.toString("utf8");
        }
    }
    return body.toString("utf8");
}
