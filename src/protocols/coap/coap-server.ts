import { Readable } from "node:stream";
import { CoapServer, CoapServerConfig } from "@node-wot/binding-coap";
import { Content, ContentSerdes, Helpers } from "@node-wot/core";
import { formatAddress } from "../../model/address";
import type { AffordanceKind, Operation, Protocol } from "../../model/interaction-record";
import { RequestRefusedError } from "../../model/refusal";
import { conformsToSchema } from "../../model/value-check";
import { currentRequest } from "../../model/request-context";
import { setCode } from "./coap-answers";
import { announceOverMdnsOnlyWhenAsked, MdnsOption } from "./binding-coap-mdns";
import { negotiate, Negotiated } from "./coap-content-negotiation";
import { CoapRequest, deregister, endAll, ObservationHost, ObserveStream, openObservation } from "./coap-observations";
import type { NodeCoapServerLike } from "./coap-observer-liveness";
import { serveCoapHistory } from "./coap-history";
import { SecuredThing, securitySchemeOf } from "../../model/thing-security";
import { serverHooks } from "./coap-server-hooks";
import { nameIn, segmentText, uriPath, uriQuery } from "./coap-uri";
import { writeAffordanceHrefsOnce } from "./coap-affordance-href";
import { replaceMethod } from "../patches/replace-method";
import { block1Of, NodeCoapServer, reassembleBlock1 } from "./node-coap-block1-reassembly";
import { trackPendingAnswer, widenPiggybackWindow } from "./piggyback-window";
import { continueBlock2ByRequest, keepContentFormat, NodeCoapBlock2Server } from "./node-coap-block2-continuation";
import { answerObserveStream, observeOnlyObservable } from "./node-coap-observe";
import { bindingLoaded } from "../node-wot-cores";
import { serveVoWotCoap, voWotCoapRouteOf, voWotObservable, VoWotExchange, VoWotTarget } from "./vo-wot-coap-routes";
import type { ExposedThing } from "@node-wot/core";

// binding-coap and its copy of node-wot's core load with this module (on demand): fixes and patch checks reach them
bindingLoaded();

/** The parts of binding-coap's CoapServer used or replaced here (private in its typings). */
interface CoapServerInternals {
    scheme: string;
    server: NodeCoapServer & NodeCoapServerLike;
    things: Map<string, ThingLike>;
    handleRequest(req: unknown, res: unknown): unknown;
    handleThingsRequest(method: string, res: unknown): void;
    handleWellKnownCore(req: unknown, res: unknown): void;
    handleTdRequest(req: unknown, res: unknown, thing: unknown): Promise<void>;
    checkContentTypeSupportForInput(method: string, contentType: string): boolean;
}

interface FormLike {
    href: string;
    contentType?: string;
    op?: string | string[];
}

interface Affordance {
    forms: FormLike[];
    uriVariables?: Record<string, never>;
    readOnly?: boolean;
    writeOnly?: boolean;
    observable?: boolean;
    type?: string;
    input?: { type?: string };
}

interface ThingLike extends SecuredThing {
    id: string;
    title: string;
    forms?: FormLike[];
    uriVariables?: Record<string, never>;
    properties: Record<string, Affordance>;
    actions: Record<string, Affordance>;
    events: Record<string, Affordance>;
    handleReadProperty(name: string, options: object): Promise<Content>;
    handleWriteProperty(name: string, content: Content, options: object): Promise<void>;
    handleReadAllProperties(options: object): Promise<Map<string, Content>>;
    handleReadMultipleProperties(names: string[], options: object): Promise<Map<string, Content>>;
    handleInvokeAction(name: string, content: Content, options: object): Promise<Content | undefined>;
    handleObserveProperty(name: string, listener: (c: Content) => void, options: object): Promise<void>;
    handleUnobserveProperty(name: string, listener: (c: Content) => void, options: object): void;
    handleSubscribeEvent(name: string, listener: (c: Content) => void, options: object): Promise<void>;
    handleUnsubscribeEvent(name: string, listener: (c: Content) => void, options: object): void;
}

interface Response extends ObserveStream {
    code: string;
}

/** One request on its way to a Thing: who serves it, what was asked. */
interface Exchange {
    host: ObservationHost;
    scheme: string;
    req: CoapRequest;
    res: Response;
    /** the request's Content-Format, JSON when it has none */
    contentType: string;
}

/**
 * node-wot's CoAP server, made to serve Things as their TDs describe them. binding-coap 0.8.16 (and,
 * where noted, its upstream HEAD):
 *  - ends every observe response right after registering it: observing a property crashes the process
 *    when the response finishes (node-wot issue 1233), an event subscription delivers one empty payload and
 *    is unsubscribed at once (issue 1239). Here an observation stays open until the client deregisters
 *    (RFC 7641 section 3.6), answers a notification with Reset, or stops acknowledging notifications
 *    (`coap-observer-liveness`); each end names why (`coap-observations`).
 *  - answers a request for a property name the Thing does not have with every property (it falls back to
 *    reading them all), and a PUT to one with 4.05: here an unknown property, action or event is 4.04,
 *    naming it.
 *  - answers a PUT to a readOnly property "4.00 Property readOnly" before node-wot sees it, so nothing is
 *    recorded: here node-wot refuses it (method-not-allowed, 4.05), which the recorder records.
 *  - reads all properties with readmultipleproperties: a GET of /properties without a body is
 *    readallproperties here, as over HTTP; with a body (a JSON or CBOR array of names) it reads those.
 *  - encodes affordance names twice in hrefs and mangles names holding "/", "%" or "?" (`coap-uri`).
 *  - ignores the Accept option (`coap-content-negotiation`); 4.06 names what the TD offers.
 *  - has no bound on request bodies, and node-coap 1.4.1 cannot put together a block-wise upload whose
 *    blocks have their own tokens (`node-coap-block1-reassembly`): a body over `limits.maxBodyBytes` is
 *    refused with 4.13 and Size1 (RFC 7959 section 2.9.3), as early as Size1 or the blocks tell, and recorded.
 *  - gives properties, actions and events with uriVariables a URI template encoded once more, which clients
 *    cannot expand (`coap-affordance-href`), and takes the query of a request for part of the name.
 *  - its node-coap server gives an answer 50 ms to go piggybacked, then sends it separately, which libcoap
 *    before 4.3.5 cannot read block-wise; and it runs a duplicate of a request still being handled
 *    again (`piggyback-window`).
 *  - starts an mDNS responder on UDP 0.0.0.0:5353 whatever its address; here only with `mdns: true`, on the
 *    server's interface (`binding-coap-mdns`).
 *  - its node-coap server opens an observe stream for any GET with Observe: 0: a TD, a history page, a property
 *    nobody can observe and every error went out with Observe, and an answer over one datagram not at all;
 *    here only observable properties and events are observed, the rest answered as plain GETs, and a large
 *    notification goes block-wise (`node-coap-observe`).
 * The TD, "/" and /.well-known/core are binding-coap's own. With `protocols.voWot`, vo-wot's resources
 * (/property, /action and /event with the Thing and affordance in the query) are answered first
 * (`vo-wot-coap-routes`), with this server's body bound, refusal records and observations.
 */
export class VoCoapServer extends CoapServer {
    constructor(config?: CoapServerConfig & MdnsOption) {
        super(config);
        announceOverMdnsOnlyWhenAsked(this, config);
        const self = this as unknown as CoapServerInternals;
        const host: ObservationHost = {
            server: this,
            protocol: (self.scheme === "coaps" ? "coaps" : "coap") as Protocol,
            node: self.server,
            observerTimeoutMs: () => serverHooks(this).limits.observerTimeoutMs,
        };
        replaceMethod<CoapServerInternals["handleRequest"]>(
            self,
            "handleRequest",
            "coap-serve-things",
            () => (req, res) => {
                keepContentFormat(res);
                trackPendingAnswer(self.server, (req as { rsinfo?: { address: string; port: number } }).rsinfo, res);
                return serve(self, {
                    host,
                    scheme: self.scheme,
                    req: req as CoapRequest,
                    res: res as Response,
                    contentType: requestContentType(req as CoapRequest),
                });
            }
        );
        reassembleBlock1(self.server, () => serverHooks(this).limits.maxBodyBytes);
        continueBlock2ByRequest(self.server as unknown as NodeCoapBlock2Server);
        widenPiggybackWindow(self.server);
        observeOnlyObservable(self.server, (packet) => observable(self, { _packet: packet }, packet.payload));
        // before binding-coap's listener, so that every answer to an observe request goes out right
        (self.server as unknown as NodeJS.EventEmitter).prependListener("request", (_req, res) =>
            answerObserveStream(res)
        );
        writeAffordanceHrefsOnce(this);
    }

    private boundPort = -1;

    /**
     * The port, asked of the socket once: binding-coap asks it twice per request (a debug line built
     * even when debug is off, and the redirect hook), and each `socket.address()` is a getsockname
     * system call: 6-9% of the server's CPU under a CoAP load (bench/durable.ts, --cpu-prof).
     */
    override getPort(): number {
        if (this.boundPort < 0) {
            const port = super.getPort();
            if (port > 0) this.boundPort = port;
            return port;
        }
        return this.boundPort;
    }

    /** Ends the open observations first: their streams would otherwise keep retransmitting after the stop. */
    override async stop(): Promise<void> {
        endAll(this, "VO stopped");
        await super.stop();
        this.boundPort = -1;
    }
}

function requestContentType(req: CoapRequest): string {
    const type = req.headers["Content-Format"];
    return typeof type === "string" ? type : ContentSerdes.DEFAULT;
}

const DIRS = { properties: "property", actions: "action", events: "event" } as const;

/**
 * Whether a request names what a client can observe here (RFC 7641): a property the TD marks observable and
 * that can be read, or an event (or, in vo-wot's wire format, an invocation under way). A GET with Observe
 * of anything else is answered as a plain GET.
 */
function observable(self: CoapServerInternals, req: Pick<CoapRequest, "_packet">, payload?: Buffer): boolean {
    const path = uriPath(req);
    const voWot = voWotRoute(self, path, req);
    if (voWot !== undefined) return voWotObservable(voWot, req, thingsOf(self), self, payload);
    if (path.length !== 3) return false;
    const key = nameIn(path[0], (k) => self.things.has(k));
    const thing = key === undefined ? undefined : self.things.get(key);
    const affordances = path[1] === "properties" ? thing?.properties : path[1] === "events" ? thing?.events : undefined;
    if (affordances === undefined) return false;
    const name = nameIn(path[2], (n) => Object.hasOwn(affordances, n));
    if (name === undefined) return false;
    const property = affordances[name];
    return path[1] === "events" || (property.observable === true && property.writeOnly !== true);
}

/** The vo-wot resource a request names, when the VO serves vo-wot's wire format (`protocols.voWot`). */
function voWotRoute(self: CoapServerInternals, path: string[], req: Pick<CoapRequest, "_packet">) {
    return serverHooks(self).limits.voWot ? voWotCoapRouteOf(path, req, self.things) : undefined;
}

function thingsOf(self: CoapServerInternals): Map<string, ExposedThing> {
    return self.things as unknown as Map<string, ExposedThing>;
}

/** A vo-wot request, with this server's body bound and refusal records lent to it. */
function voWotExchange(self: CoapServerInternals, x: Exchange): VoWotExchange {
    const targetOf = (t: VoWotTarget): Target => ({
        thing: t.thing as unknown as ThingLike,
        kind: t.kind,
        name: t.name,
    });
    return {
        host: x.host,
        scheme: x.scheme,
        req: x.req,
        res: x.res,
        things: thingsOf(self),
        admitBody: (target, op) => admitBody(x, targetOf(target), op, true),
        refused: (target, op, error, value) => reportRefusal(x, targetOf(target), op, error, value),
    };
}

async function serve(self: CoapServerInternals, x: Exchange): Promise<void> {
    const { req, res } = x;
    if (req.rsinfo.port < 1 || req.rsinfo.port > 65535) return;
    const path = uriPath(req);
    const voWot = voWotRoute(self, path, req);
    // before the Content-Format check: vo-wot's answers say what is wrong in their own JSON
    if (voWot !== undefined) return serveVoWotCoap(voWotExchange(self, x), voWot);
    if (!self.checkContentTypeSupportForInput(req.method, x.contentType)) {
        return answer(res, "4.15", `Content-Format ${x.contentType} is not supported`);
    }
    if (path.length === 0 || (path.length === 1 && path[0] === "")) return self.handleThingsRequest(req.method, res);
    if (path.length === 2 && path[0] === ".well-known" && path[1] === "core") return self.handleWellKnownCore(req, res);
    const key = nameIn(path[0], (k) => self.things.has(k));
    if (key === undefined) return answer(res, "4.04", `no Thing at /${segmentText(path[0])}`);
    const thing = self.things.get(key)!;
    if (path.length === 1 || (path.length === 2 && path[1] === "")) return self.handleTdRequest(req, res, thing);
    // binding-coap 0.8.16 checks no credentials, and CoAP carries no basic authentication
    // (RFC 7252 section 5.9.2.2): a Thing that asks for any answers 4.01 on every form and history
    const scheme = securitySchemeOf(thing);
    if (scheme !== "nosec") {
        return answer(res, "4.01", `Thing "${thing.title}" asks for ${scheme} credentials, which CoAP cannot carry`);
    }
    const [, dir, segment, ...rest] = path;
    const kind = Object.prototype.hasOwnProperty.call(DIRS, dir) ? DIRS[dir as keyof typeof DIRS] : undefined;
    if (kind !== undefined && segment !== undefined && rest.length === 1 && rest[0] === "history") {
        const all = kind === "property" ? thing.properties : kind === "action" ? thing.actions : thing.events;
        const recorded = nameIn(segment, (n) => Object.hasOwn(all, n));
        if (recorded === undefined) return answer(res, "4.04", `no ${kind} ${JSON.stringify(segmentText(segment))}`);
        return serveCoapHistory(serverHooks(self), req, res, thing.id, kind, recorded);
    }
    if (kind === undefined || rest.length > 0) return answer(res, "4.04", `no such resource in Thing "${thing.title}"`);
    if (kind === "property" && (segment === undefined || segment === "")) return readProperties(x, thing);
    const affordances = kind === "property" ? thing.properties : kind === "action" ? thing.actions : thing.events;
    const name = segment === undefined ? undefined : nameIn(segment, (n) => Object.hasOwn(affordances, n));
    if (name === undefined) {
        const what = segment === undefined ? "" : ` ${JSON.stringify(segmentText(segment))}`;
        return answer(res, "4.04", `no ${kind}${what} in Thing "${thing.title}"`);
    }
    const affordance = affordances[name];
    if (kind === "property" && req.method === "GET") {
        return req.headers.Observe === undefined
            ? readProperty(x, thing, name, affordance)
            : observeProperty(x, thing, name, affordance);
    }
    if (kind === "property" && req.method === "PUT") return writeProperty(x, thing, name, affordance);
    if (kind === "action" && req.method === "POST") return invokeAction(x, thing, name, affordance);
    if (kind === "event" && req.method === "GET") return subscribeEvent(x, thing, name, affordance);
    answer(res, "4.05", `${req.method} is not allowed on ${kind} "${name}"`);
}

function answer(res: Response, code: string, payload?: string | Buffer): void {
    setCode(res, code);
    res.end(payload);
}

/** A problem's message as text, or as vo-wot's {"error": message}. */
function answerProblem(res: Response, code: string, message: string, asJson: boolean): void {
    if (!asJson) return answer(res, code, message);
    res.setOption("Content-Format", "application/json");
    answer(res, code, JSON.stringify({ error: message }));
}

/** An error from node-wot or a handler: 5.00 with its message, which the face turns into a refusal's code. */
function fail(res: Response, err: unknown): void {
    answer(res, "5.00", err instanceof Error ? err.message : String(err));
}

async function answerContent(res: Response, content: Content): Promise<void> {
    const body = await content.toBuffer();
    res.setOption("Content-Format", content.type);
    answer(res, "2.05", body);
}

/**
 * The interaction options of a request: the negotiated form (else this server's first form of the affordance)
 * and the uriVariables of its query.
 */
function interactionOptions(
    x: Exchange,
    thing: ThingLike,
    affordance: { forms?: FormLike[]; uriVariables?: Record<string, never> },
    negotiated: Negotiated | undefined
): { formIndex: number; uriVariables?: Record<string, unknown> } {
    const ownForm = Math.max(
        0,
        (affordance.forms ?? []).findIndex((f) => f.href.startsWith(`${x.scheme}:`))
    );
    const formIndex = negotiated !== undefined && "formIndex" in negotiated ? negotiated.formIndex : ownForm;
    const uriVariables = Helpers.parseUrlParameters(
        `/?${uriQuery(x.req)}`,
        thing.uriVariables,
        affordance.uriVariables
    );
    return Object.keys(uriVariables).length === 0 ? { formIndex } : { formIndex, uriVariables };
}

/** An affordance of a Thing, as a refusal's record names it. */
interface Target {
    thing: ThingLike;
    kind: AffordanceKind;
    name: string;
}

/**
 * The form to answer with, or false when the client asked for a format not offered: answered 4.06 and recorded
 * as refused (as binding-http's 406 are), under `target` when the request names an affordance.
 */
function negotiated(
    x: Exchange,
    target: Target | undefined,
    forms: FormLike[] | undefined,
    op: Operation
): Negotiated | undefined | false {
    const n = negotiate(forms, x.scheme, op, x.req.headers.Accept, x.contentType);
    if (n !== undefined && "notAcceptable" in n) {
        if (target !== undefined)
            reportRefusal(x, target, op, new RequestRefusedError("not-acceptable", n.notAcceptable));
        answer(x.res, "4.06", n.notAcceptable);
        return false;
    }
    return n;
}

/** Tells the hooks of a request refused before node-wot saw it, so that it is recorded all the same. */
function reportRefusal(
    x: Exchange,
    target: Target,
    op: Operation,
    error: RequestRefusedError,
    value?: { value: unknown; valid: boolean }
): void {
    const request = currentRequest();
    serverHooks(x.host.server).refused?.({
        thing: target.thing.id,
        kind: target.kind,
        name: target.name,
        op,
        protocol: request?.protocol ?? x.host.protocol,
        origin: request?.origin ?? formatAddress(x.req.rsinfo.address, x.req.rsinfo.port),
        error,
        ...value,
    });
}

/**
 * Whether a request's body is all there and within the bound; answers it otherwise: 2.31 for a block before
 * the last, 4.08 for a block out of order, 4.13 with Size1 (the bound) for a body over it, recorded as refused.
 */
function admitBody(x: Exchange, target: Target, op: Operation, asJson = false): boolean {
    const { req, res } = x;
    const limit = serverHooks(x.host.server).limits.maxBodyBytes;
    const block = block1Of(req._packet);
    if (block?.step === "continue") {
        res.setOption("Block1", block.option);
        answer(res, "2.31");
        return false;
    }
    if (block?.step === "incomplete") {
        answerProblem(res, "4.08", `Request Entity Incomplete: ${block.reason}`, asJson);
        return false;
    }
    const size = block?.step === "too-large" ? block.size : req.payload.length;
    if (size > limit) {
        const message = `${op} ${target.name}: a body of ${size} bytes is over the bound of ${limit} bytes`;
        reportRefusal(x, target, op, new RequestRefusedError("payload-too-large", message));
        res.setOption("Size1", limit);
        answerProblem(res, "4.13", message, asJson);
        return false;
    }
    if (block?.step === "complete") res.setOption("Block1", block.option);
    return true;
}

/**
 * Whether an empty body holds a value `schema` takes (the empty string of a text/plain body can); answers 4.00
 * naming what was expected otherwise, recorded as refused with an invalid value. node-wot took an empty body
 * for no value and refused it as its own failure: 5.00 "Invalid value according to DataSchema".
 */
function admitEmptyBody(x: Exchange, target: Target, op: Operation, schema: { type?: string }): boolean {
    if (x.req.payload.length > 0) return true;
    let value: unknown;
    try {
        value = ContentSerdes.get().contentToValue({ type: x.contentType, body: x.req.payload }, schema as never);
    } catch {
        value = undefined;
    }
    if (value !== undefined && conformsToSchema(schema, value)) return true;
    const what = target.kind === "action" ? `input of action "${target.name}"` : `property "${target.name}"`;
    const type = schema.type === undefined ? "a value" : `${/^[aeiou]/.test(schema.type) ? "an" : "a"} ${schema.type}`;
    const message = `${what}: the body is empty; expected ${type} in ${x.contentType}`;
    reportRefusal(x, target, op, new RequestRefusedError("bad-request", message), { value: undefined, valid: false });
    answer(x.res, "4.00", message);
    return false;
}

async function readProperty(x: Exchange, thing: ThingLike, name: string, property: Affordance): Promise<void> {
    const n = negotiated(x, { thing, kind: "property", name }, property.forms, "readproperty");
    if (n === false) return;
    try {
        await answerContent(x.res, await thing.handleReadProperty(name, interactionOptions(x, thing, property, n)));
    } catch (err) {
        fail(x.res, err);
    }
}

async function writeProperty(x: Exchange, thing: ThingLike, name: string, property: Affordance): Promise<void> {
    // a readOnly property has no writeproperty form: node-wot refuses the write, and the recorder records that
    const n = negotiate(property.forms, x.scheme, "writeproperty", undefined, x.contentType);
    const target: Target = { thing, kind: "property", name };
    if (!admitBody(x, target, "writeproperty")) return;
    if (property.readOnly !== true && !admitEmptyBody(x, target, "writeproperty", property)) return;
    try {
        const content = new Content(x.contentType, Readable.from([x.req.payload]));
        await thing.handleWriteProperty(name, content, interactionOptions(x, thing, property, n));
        answer(x.res, "2.04");
    } catch (err) {
        fail(x.res, err);
    }
}

async function invokeAction(x: Exchange, thing: ThingLike, name: string, action: Affordance): Promise<void> {
    const target: Target = { thing, kind: "action", name };
    const n = negotiated(x, target, action.forms, "invokeaction");
    if (n === false || !admitBody(x, target, "invokeaction")) return;
    if (action.input !== undefined && !admitEmptyBody(x, target, "invokeaction", action.input)) return;
    try {
        const content = new Content(x.contentType, Readable.from([x.req.payload]));
        const output = await thing.handleInvokeAction(name, content, interactionOptions(x, thing, action, n));
        if (output === undefined || output === null) answer(x.res, "2.04");
        else await answerContent(x.res, output);
    } catch (err) {
        fail(x.res, err);
    }
}

/**
 * GET <thing>/properties: without a body every property is read (readallproperties; readmultipleproperties
 * of the readable ones when some are writeOnly, as the TD then offers no more), with a body the properties
 * it names. Each value is decoded by its own content type and the map encoded in the negotiated one.
 */
async function readProperties(x: Exchange, thing: ThingLike): Promise<void> {
    const { req, res } = x;
    if (req.method !== "GET") return answer(res, "4.05", `${req.method} is not allowed on the properties of a Thing`);
    const all = Object.keys(thing.properties);
    const readable = all.filter((n) => thing.properties[n].writeOnly !== true);
    let names: string[] | undefined;
    if (req.payload.length > 0) {
        if (!admitBody(x, { thing, kind: "property", name: "" }, "readmultipleproperties")) return;
        names = propertyNames(x);
        if (names === undefined) {
            return answer(res, "4.00", "the body of a read of several properties must be an array of property names");
        }
        const unknown = names.find((n) => !readable.includes(n));
        if (unknown !== undefined) {
            return answer(res, "4.04", `no readable property ${JSON.stringify(unknown)} in Thing "${thing.title}"`);
        }
    }
    const op = names === undefined && readable.length === all.length ? "readallproperties" : "readmultipleproperties";
    const n = negotiated(x, undefined, thing.forms, op);
    if (n === false) return;
    const contentType = n !== undefined && "contentType" in n ? n.contentType : ContentSerdes.DEFAULT;
    try {
        const options = interactionOptions(x, thing, thing, n);
        const contents =
            op === "readallproperties"
                ? await thing.handleReadAllProperties(options)
                : await thing.handleReadMultipleProperties(names ?? readable, options);
        const values: Record<string, unknown> = {};
        for (const [name, content] of contents) {
            const body = await content.toBuffer();
            values[name] = ContentSerdes.get().contentToValue(
                { type: content.type, body },
                thing.properties[name] as never
            );
        }
        await answerContent(res, ContentSerdes.get().valueToContent(values as never, undefined, contentType));
    } catch (err) {
        fail(res, err);
    }
}

function propertyNames(x: Exchange): string[] | undefined {
    try {
        const value = ContentSerdes.get().contentToValue({ type: x.contentType, body: x.req.payload }, {
            type: "array",
            items: { type: "string" },
        } as never);
        return Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined;
    } catch {
        return undefined;
    }
}

async function observeProperty(x: Exchange, thing: ThingLike, name: string, property: Affordance): Promise<void> {
    const { req, res } = x;
    const n = negotiated(x, { thing, kind: "property", name }, property.forms, "observeproperty");
    if (n === false) return;
    const options = interactionOptions(x, thing, property, n);
    res.code = "2.05";
    if (req.headers.Observe !== 0) {
        // deregistration: end the observation, then answer as a plain read
        deregister(x.host.server, req);
        try {
            await answerContent(res, await thing.handleReadProperty(name, options));
        } catch (err) {
            fail(res, err);
        }
        return;
    }
    const observation = openObservation(x.host, req, res, (l) => thing.handleUnobserveProperty(name, l, options));
    try {
        // the first answer carries the current value (RFC 7641 section 3.2)
        await observation.listener(await thing.handleReadProperty(name, options));
        await thing.handleObserveProperty(name, observation.listener, options);
    } catch (err) {
        observation.abandon();
        fail(res, err);
        return;
    }
    observation.watch();
}

async function subscribeEvent(x: Exchange, thing: ThingLike, name: string, event: Affordance): Promise<void> {
    const { req, res } = x;
    const observe = req.headers.Observe;
    if (observe !== 0) {
        if (observe === 1 && deregister(x.host.server, req)) return answer(res, "2.05", "");
        return answer(res, "4.00", observe === undefined ? "No Observe Option" : "No such subscription");
    }
    const n = negotiated(x, { thing, kind: "event", name }, event.forms, "subscribeevent");
    if (n === false) return;
    const options = interactionOptions(x, thing, event, n);
    res.code = "2.05";
    const observation = openObservation(x.host, req, res, (l) => thing.handleUnsubscribeEvent(name, l, options));
    try {
        await thing.handleSubscribeEvent(name, observation.listener, options);
    } catch (err) {
        observation.abandon();
        fail(res, err);
        return;
    }
    // the registration answer: 2.05 with Observe and no payload (an event has no current value);
    // clients deliver nothing for it, only for the notifications that follow
    res.write(Buffer.alloc(0));
    observation.watch();
}
