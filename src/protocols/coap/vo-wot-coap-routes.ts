import { randomUUID } from "node:crypto";
import { Content } from "@node-wot/core";
import type { ExposedThing } from "@node-wot/core";
import type { Operation } from "../../model/interaction-record";
import { isJsonMediaType, JSON_MEDIA_TYPE, mediaTypeOf } from "../../model/media-type";
import { RefusalReason, RequestRefusedError, refusalOf } from "../../model/refusal";
import { schemaProblem } from "../../model/value-check";
import { SecuredThing, securitySchemeOf } from "../../model/thing-security";
import type { VoWotForm, VoWotForms, VoWotTd } from "../vo-wot-td";
import { formHrefs, propertyOps } from "../vo-wot-td";
import { COAP_CODE, setCode } from "./coap-answers";
import { CoapRequest, deregister, ObservationHost, ObserveStream, openObservation } from "./coap-observations";
import { nameIn, segmentText, uriQueryOptions } from "./coap-uri";
import { jsonContent, valueOf, messageOf, handlerOptions } from "../vo-wot-content";
import { voWotSlug } from "../vo-wot-slug";

/**
 * vo-wot's CoAP wire format: the resources of wotpy2 0.1.0's CoAPServer, which vo-wot 0.19.0 serves, answered
 * beside binding-coap's own when `protocols.voWot` is on, so that an unchanged vo-wot (wotpy2) client works.
 * The Thing and the affordance are named in the query (`thing` its key on this server, as vo-wot's TD gives
 * it; its title or wotpy2's url_name of it are taken too), JSON in and out (Content-Format 50):
 *
 *   GET  /property?thing=&name=                  2.05 {"value": v}; with Observe: {"value": v} on each change
 *   PUT  /property?thing=&name=  {"value": v}    2.04
 *   POST /action?thing=&name=    {"input": x}    2.01 {"id": "<hex>"}; the invocation runs on
 *   GET  /action[?thing=&name=]  {"id": "<hex>"} 2.05 {"id", "done": false} or {"id", "done": true, "result"}
 *                                                or {"id", "done": true, "error"}; with Observe: the next when done
 *   GET  /event?thing=&name=                     with Observe: {"name", "data", "time"} on each emission;
 *                                                without: the last emission an observer here was sent, or empty
 *
 * Each read, write, invocation, observation and subscription goes through the Thing's handle* methods with
 * the index of the affordance's node-wot CoAP JSON form, so it is checked and recorded exactly as the same
 * operation on node-wot's form (protocol coap, the client's address). Where wotpy2 answers a bad request
 * with a bare 4.00 or 5.00, the answer here names the problem in {"error": message}: 4.00 for missing query
 * arguments, a body that is not JSON, not an object, or lacks its envelope's key (or has another), or an
 * input breaking its schema (refused before the invocation is made), 4.04 for an unknown Thing, affordance
 * or invocation, 4.05 for a method the resource does not answer or a write to a read-only property, 4.15 for
 * a body that is not JSON by its Content-Format; each refusal of a known affordance is recorded (a status
 * query's under the action's invokeaction). Invocations are kept 5 minutes after they are done, at most
 * `MAX_INVOCATIONS`. An event observation's first answer is empty: wotpy2's repeats the last emission any
 * observer was sent, which the new observer did not subscribe to.
 */

export type VoWotCoapRoute = "property" | "action" | "event";

const ROUTES: readonly string[] = ["property", "action", "event"];
const METHODS: Record<VoWotCoapRoute, string[]> = { property: ["GET", "PUT"], action: ["GET", "POST"], event: ["GET"] };

/** How long an invocation's outcome is kept once it is done (wotpy2's ActionResource.DEFAULT_CLEAR_MS). */
export const INVOCATION_KEPT_MS = 5 * 60 * 1000;
/** Invocations kept at once, done or not: a POST beyond them is refused 5.03 until one is let go. */
export const MAX_INVOCATIONS = 10_000;
/** Observers of one invocation at once; more are answered without Observe. */
const MAX_INVOCATION_OBSERVERS = 16;

/** The node-coap response of a request (an observe stream for a GET with Observe: 0 the server kept). */
interface CoapAnswer extends ObserveStream {
    statusCode?: string;
}

/** An affordance of a Thing, as a refusal's record names it; `key` is the Thing's key on this server. */
export interface VoWotTarget {
    thing: ExposedThing;
    key: string;
    kind: VoWotCoapRoute;
    name: string;
}

/** One request on a vo-wot resource, with what VoCoapServer lends it. */
export interface VoWotExchange {
    host: ObservationHost;
    scheme: string;
    req: CoapRequest;
    res: CoapAnswer;
    /** the server's Things by key */
    things: Map<string, ExposedThing>;
    /** whether the body is whole and within the bound; answered otherwise (2.31, 4.08, 4.13, recorded) */
    admitBody(target: VoWotTarget, op: Operation): boolean;
    /** records a refusal no handler saw */
    refused(target: VoWotTarget, op: Operation, error: RequestRefusedError, value?: RefusedValue): void;
}

type RefusedValue = { value: unknown; valid: boolean };

/** What a request's path and query are read from: its packet's options (its url without them). */
type QueryRequest = { _packet?: CoapRequest["_packet"]; url?: string };

/** The vo-wot resource a path names: /property, /action or /event, unless a Thing has that key and no query is given. */
export function voWotCoapRouteOf(
    path: string[],
    req: QueryRequest,
    things: Map<string, unknown>
): VoWotCoapRoute | undefined {
    if (path.length !== 1 || !ROUTES.includes(path[0])) return undefined;
    if (things.has(path[0]) && uriQueryOptions(req).length === 0) return undefined; // that Thing's TD
    return path[0] as VoWotCoapRoute;
}

/**
 * Whether a GET with Observe: 0 on a vo-wot resource is observed: an observable readable property, an event,
 * an invocation under way. Anything else is answered as a plain GET (RFC 7641 section 4.1).
 */
export function voWotObservable(
    route: VoWotCoapRoute,
    req: QueryRequest,
    things: Map<string, ExposedThing>,
    server: object,
    payload: Buffer | undefined
): boolean {
    if (route === "action") {
        const id = idOf(payload);
        return id !== undefined && invocationsOf(server).get(id)?.outcome === undefined;
    }
    const args = queryArgs(req);
    const found = args.thing === undefined ? undefined : thingOf(things, args.thing);
    if (found === undefined || args.name === undefined) return false;
    const affordances = route === "property" ? found[1].properties : found[1].events;
    const name = affordanceName(affordances, args.name);
    if (name === undefined) return false;
    const property = found[1].properties[name];
    return route === "event" || (property.observable === true && property.writeOnly !== true);
}

/** Answers a request on a vo-wot resource, in the request's context. */
export async function serveVoWotCoap(x: VoWotExchange, route: VoWotCoapRoute): Promise<void> {
    const method = x.req.method;
    if (!METHODS[route].includes(method)) {
        return answerError(
            x.res,
            "4.05",
            `${method} is not allowed on /${route}; it answers ${METHODS[route].join(", ")}`
        );
    }
    const args = queryArgs(x.req);
    if (route === "action" && method === "GET") return new VoWotCoapCall(x, undefined).status(args);
    const target = locate(x, route, args);
    if (target === undefined) return;
    const call = new VoWotCoapCall(x, target);
    const observe = x.req.headers.Observe;
    switch (route) {
        case "property":
            if (method === "PUT") return call.write();
            return observe === 0 ? call.observe() : call.read(observe === 1);
        case "action":
            return call.invoke();
        case "event":
            return observe === 0 ? call.subscribe() : call.lastEmission(observe === 1);
    }
}

/** The Thing and affordance the query names; answered (4.00, 4.01, 4.04) and undefined when it names none. */
function locate(x: VoWotExchange, route: VoWotCoapRoute, args: QueryArgs): VoWotTarget | undefined {
    const missing = ["thing", "name"].filter((k) => (args[k] ?? "") === "");
    if (missing.length > 0) {
        const names = missing.map((k) => `"${k}"`).join(" and ");
        answerError(x.res, "4.00", `/${route} needs the query arguments thing and name; ${names} missing`);
        return undefined;
    }
    const found = thingOf(x.things, args.thing);
    if (found === undefined) {
        answerError(x.res, "4.04", `no Thing "${segmentText(args.thing)}"`);
        return undefined;
    }
    const [key, thing] = found;
    // CoAP carries no basic authentication (RFC 7252 section 5.9.2.2), as binding-coap's routes say
    const scheme = securitySchemeOf(thing as unknown as SecuredThing);
    if (scheme !== "nosec") {
        answerError(x.res, "4.01", `Thing "${thing.title}" asks for ${scheme} credentials, which CoAP cannot carry`);
        return undefined;
    }
    const affordances = route === "property" ? thing.properties : route === "action" ? thing.actions : thing.events;
    const name = affordanceName(affordances, args.name);
    if (name === undefined) {
        answerError(x.res, "4.04", `Thing "${key}" has no ${route} "${segmentText(args.name)}"`);
        return undefined;
    }
    return { thing, key, kind: route, name };
}

type QueryArgs = Record<string, string>;

/** The query's arguments, the first of each name (as wotpy2's parse_qs reading). */
function queryArgs(req: QueryRequest): QueryArgs {
    const args: QueryArgs = {};
    for (const option of uriQueryOptions(req)) {
        const at = option.indexOf("=");
        const key = at < 0 ? option : option.slice(0, at);
        if (!Object.hasOwn(args, key)) args[key] = at < 0 ? "" : option.slice(at + 1);
    }
    return args;
}

/** The Thing a `thing` argument names: its key here, else its title or wotpy2's url_name of its title. */
function thingOf(things: Map<string, ExposedThing>, arg: string): [string, ExposedThing] | undefined {
    const key = nameIn(arg, (k) => things.has(k));
    if (key !== undefined) return [key, things.get(key)!];
    const text = segmentText(arg);
    for (const [k, thing] of things) if (thing.title === text || voWotSlug(thing.title) === text) return [k, thing];
    return undefined;
}

/** The affordance a `name` argument names: its name, else wotpy2's url_name of it. */
function affordanceName(affordances: Record<string, unknown>, arg: string): string | undefined {
    const name = nameIn(arg, (n) => Object.hasOwn(affordances, n));
    if (name !== undefined) return name;
    const text = segmentText(arg);
    return Object.keys(affordances).find((n) => voWotSlug(n) === text);
}

/** What an invocation came to: its result, or the message of its failure. */
type Outcome = { result: unknown } | { error: string };

interface Invocation {
    id: string;
    thing: ExposedThing;
    name: string;
    outcome?: Outcome;
    /** observe streams waiting for the outcome */
    observers: Set<CoapAnswer>;
}

/** The invocations of one server: by id, and the done ones in the order they were done, to be let go. */
class Invocations {
    private readonly byId = new Map<string, Invocation>();
    private readonly done: { id: string; at: number }[] = [];

    get(id: string): Invocation | undefined {
        this.sweep();
        return this.byId.get(id);
    }

    /** A new invocation, or undefined when `MAX_INVOCATIONS` are kept and none is done. */
    add(thing: ExposedThing, name: string): Invocation | undefined {
        this.sweep();
        if (this.byId.size >= MAX_INVOCATIONS) {
            const oldest = this.done.shift();
            if (oldest === undefined) return undefined;
            this.byId.delete(oldest.id);
        }
        const invocation: Invocation = { id: randomUUID().replace(/-/g, ""), thing, name, observers: new Set() };
        this.byId.set(invocation.id, invocation);
        return invocation;
    }

    settle(invocation: Invocation, outcome: Outcome): void {
        invocation.outcome = outcome;
        this.done.push({ id: invocation.id, at: Date.now() });
        const status = statusOf(invocation);
        for (const res of invocation.observers) {
            if (res.writableEnded) continue;
            res.setOption("Content-Format", JSON_MEDIA_TYPE);
            res.write(Buffer.from(JSON.stringify(status)));
            res.end();
        }
        invocation.observers.clear();
    }

    private sweep(): void {
        const now = Date.now();
        while (this.done.length > 0 && now - this.done[0].at >= INVOCATION_KEPT_MS)
            this.byId.delete(this.done.shift()!.id);
    }
}

const invocations = new WeakMap<object, Invocations>();

function invocationsOf(server: object): Invocations {
    let kept = invocations.get(server);
    if (kept === undefined) invocations.set(server, (kept = new Invocations()));
    return kept;
}

function statusOf(invocation: Invocation): object {
    if (invocation.outcome === undefined) return { id: invocation.id, done: false };
    return { id: invocation.id, done: true, ...invocation.outcome };
}

/** The last emission of each event sent to an observer of a server, by Thing key and event name. */
const lastEmissions = new WeakMap<object, Map<string, object>>();

/** The `id` of a status query's JSON body, if it has one. */
function idOf(payload: Buffer | undefined): string | undefined {
    if (payload === undefined || payload.length === 0) return undefined;
    try {
        const body = JSON.parse(payload.toString("utf8")) as { id?: unknown };
        return typeof body?.id === "string" ? body.id : undefined;
    } catch {
        return undefined;
    }
}

/** One request on a vo-wot resource of an affordance the Thing has (a status query: maybe none named). */
class VoWotCoapCall {
    constructor(
        private readonly x: VoWotExchange,
        private readonly target: VoWotTarget | undefined
    ) {}

    private get thing(): ExposedThing {
        return this.target!.thing;
    }

    private get name(): string {
        return this.target!.name;
    }

    /** A read; with Observe: 1, the end of this client's observation first (RFC 7641 section 3.6). */
    async read(deregistering: boolean): Promise<void> {
        if (deregistering) deregister(this.x.host.server, this.x.req);
        const property = this.thing.properties[this.name];
        try {
            const content = await this.thing.handleReadProperty(this.name, this.options(property, "readproperty"));
            answerJson(this.x.res, "2.05", { value: (await valueOf(content, property)) ?? null });
        } catch (err) {
            this.failed(err);
        }
    }

    async write(): Promise<void> {
        const envelope = this.envelope("writeproperty", "value", true);
        if (envelope === undefined) return;
        const property = this.thing.properties[this.name];
        try {
            const options = this.options(property, "writeproperty");
            await this.thing.handleWriteProperty(this.name, jsonContent(envelope.value), options);
        } catch (err) {
            return this.failed(err);
        }
        answer(this.x.res, "2.04");
    }

    /** Starts an invocation and answers its id; the outcome is kept for status queries. */
    invoke(): void {
        const action = this.thing.actions[this.name];
        const envelope = this.envelope("invokeaction", "input", action.input !== undefined);
        if (envelope === undefined) return;
        const problem = envelope.input === undefined ? undefined : schemaProblem(action.input, envelope.input);
        if (problem !== undefined) {
            const text = `input of action "${this.name}": ${problem}`;
            return this.refuse("invokeaction", "bad-request", text, { value: envelope.input, valid: false });
        }
        const kept = invocationsOf(this.x.host.server);
        const invocation = kept.add(this.thing, this.name);
        if (invocation === undefined) {
            const text = `${MAX_INVOCATIONS} invocations are kept, none of them done: try again later`;
            return this.refuse("invokeaction", "unavailable", text, { value: envelope.input, valid: true });
        }
        const options = this.options(action, "invokeaction");
        // in this request's context: the invocation is recorded with this client and protocol when it ends
        void this.thing
            .handleInvokeAction(this.name, jsonContent(envelope.input), options)
            .then(async (output) => ({
                result: output == null ? null : ((await valueOf(output, action.output)) ?? null),
            }))
            .catch((err: unknown) => ({ error: messageOf(err) }))
            .then((outcome) => kept.settle(invocation, outcome));
        answerJson(this.x.res, "2.01", { id: invocation.id });
    }

    /** A status query: the invocation's state; with Observe: 0 while it runs, its outcome when done. */
    status(args: QueryArgs): void {
        const named = this.namedAction(args);
        if (named === null) return;
        const call = named === undefined ? this : new VoWotCoapCall(this.x, named);
        const envelope = call.envelope("invokeaction", "id", true);
        if (envelope === undefined) return;
        const id = envelope.id;
        const invocation = typeof id === "string" ? invocationsOf(this.x.host.server).get(id) : undefined;
        const of = named === undefined ? "" : ` of action "${named.name}"`;
        if (invocation === undefined || (named !== undefined && invocation.name !== named.name)) {
            const text = `no invocation ${JSON.stringify(id)}${of} (unknown, or let go ${INVOCATION_KEPT_MS / 60_000} minutes after it was done)`;
            return call.refuse("invokeaction", "not-found", text, { value: envelope, valid: true });
        }
        const { res } = this.x;
        const observing =
            this.x.req.headers.Observe === 0 &&
            invocation.outcome === undefined &&
            invocation.observers.size < MAX_INVOCATION_OBSERVERS &&
            typeof (res as { _counter?: unknown })._counter === "number";
        if (!observing) return answerJson(res, "2.05", statusOf(invocation));
        setCode(res, "2.05");
        res.setOption("Content-Format", JSON_MEDIA_TYPE);
        res.write(Buffer.from(JSON.stringify(statusOf(invocation))));
        invocation.observers.add(res);
        res.once("finish", () => invocation.observers.delete(res));
    }

    /**
     * The action a status query's arguments name (undefined: none, as wotpy2's client may send), or null when
     * they name one this server does not have (answered).
     */
    private namedAction(args: QueryArgs): VoWotTarget | undefined | null {
        if ((args.thing ?? "") === "" && (args.name ?? "") === "") return undefined;
        return locate(this.x, "action", args) ?? null;
    }

    /** An observation: the current value, then each change, each as {"value": v}. */
    async observe(): Promise<void> {
        const { x } = this;
        const property = this.thing.properties[this.name];
        const options = this.options(property, "observeproperty");
        setCode(x.res, "2.05");
        const listener = inOrder((content) => valueOf(content, property).then((value) => ({ value: value ?? null })));
        const observation = openObservation(x.host, x.req, x.res, () =>
            this.thing.handleUnobserveProperty(this.name, listener, options)
        );
        listener.deliver = observation.listener;
        try {
            // the first answer carries the current value (RFC 7641 section 3.2), as wotpy2's render_get does
            await listener(await this.thing.handleReadProperty(this.name, options));
            await this.thing.handleObserveProperty(this.name, listener, options);
        } catch (err) {
            observation.abandon();
            return this.failed(err);
        }
        observation.watch();
    }

    /** An event subscription: each emission as {"name", "data", "time"}, the last kept for plain GETs. */
    async subscribe(): Promise<void> {
        const { x } = this;
        const event = this.thing.events[this.name];
        const options = this.options(event, "subscribeevent");
        let last = lastEmissions.get(x.host.server);
        if (last === undefined) lastEmissions.set(x.host.server, (last = new Map()));
        const key = `${this.target!.key}\n${this.name}`;
        const kept = last;
        setCode(x.res, "2.05");
        const listener = inOrder(async (content) => {
            const item = { name: this.name, data: (await valueOf(content, event.data)) ?? null, time: Date.now() };
            kept.set(key, item);
            return item;
        });
        const observation = openObservation(x.host, x.req, x.res, () =>
            this.thing.handleUnsubscribeEvent(this.name, listener, options)
        );
        listener.deliver = observation.listener;
        try {
            await this.thing.handleSubscribeEvent(this.name, listener, options);
        } catch (err) {
            observation.abandon();
            return this.failed(err);
        }
        // the registration answer: 2.05 with Observe and no payload, which wotpy2's client delivers nothing for
        x.res.setOption("Content-Format", JSON_MEDIA_TYPE);
        x.res.write(Buffer.alloc(0));
        observation.watch();
    }

    /** A plain GET of an event: the last emission an observer here was sent, or nothing (as wotpy2). */
    lastEmission(deregistering: boolean): void {
        if (deregistering) deregister(this.x.host.server, this.x.req);
        const item = lastEmissions.get(this.x.host.server)?.get(`${this.target!.key}\n${this.name}`);
        if (item === undefined) {
            this.x.res.setOption("Content-Format", JSON_MEDIA_TYPE);
            return answer(this.x.res, "2.05", Buffer.alloc(0));
        }
        answerJson(this.x.res, "2.05", item);
    }

    /** The options of a handle* call: as on the affordance's node-wot JSON form for `op` on this server. */
    private options(affordance: { forms: object[] }, op: Operation): { formIndex: number } {
        return handlerOptions(affordance, this.x.scheme, op);
    }

    /**
     * The body's envelope: a JSON object with `key` (required or not) and no other key. Undefined when it was
     * refused (answered, and recorded as a refusal of `op` when an affordance is named).
     */
    private envelope(op: Operation, key: string, required: boolean): Record<string, unknown> | undefined {
        const { req } = this.x;
        const format = req.headers["Content-Format"];
        if (typeof format === "string" && !isJsonMediaType(format)) {
            const text = `${op}: vo-wot's envelope is JSON ({"${key}": ...}), not ${mediaTypeOf(format)}`;
            return this.refuse(op, "unsupported-media-type", text);
        }
        if (this.target !== undefined && !this.x.admitBody(this.target, op)) return undefined;
        const shape = `the body must be a JSON object {"${key}": ...}`;
        if (req.payload.length === 0) {
            return required ? this.refuse(op, "bad-request", `${op}: ${shape}; it is empty`) : {};
        }
        let parsed: unknown;
        try {
            parsed = JSON.parse(req.payload.toString("utf8"));
        } catch (err) {
            const text = `${op}: ${shape}; it is malformed JSON: ${messageOf(err)}`;
            return this.refuse(op, "bad-request", text, { value: req.payload.toString("utf8"), valid: false });
        }
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
            const text = `${op}: ${shape}, not ${JSON.stringify(parsed).slice(0, 100)}`;
            return this.refuse(op, "bad-request", text, { value: parsed, valid: false });
        }
        const keys = Object.keys(parsed);
        if (keys.some((k) => k !== key) || (required && keys.length === 0)) {
            const has = keys.length === 0 ? "no key" : `the key(s) ${keys.map((k) => `"${k}"`).join(", ")}`;
            return this.refuse(op, "bad-request", `${op}: ${shape}; it has ${has}`, { value: parsed, valid: false });
        }
        return parsed as Record<string, unknown>;
    }

    /** Answers a refusal with its code and {"error"}, recorded under the affordance when one is named. */
    private refuse(op: Operation, reason: RefusalReason, text: string, value?: RefusedValue): undefined {
        const error = new RequestRefusedError(reason, text);
        if (this.target !== undefined) this.x.refused(this.target, op, error, value);
        answerError(this.x.res, COAP_CODE[reason], text);
        return undefined;
    }

    /** A handler's failure: a refusal's code (with Max-Age as its retry hint), else 5.00; {"error": message}. */
    private failed(err: unknown): void {
        const refusal = refusalOf(err);
        if (refusal === undefined) return answerError(this.x.res, "5.00", messageOf(err));
        if (refusal.retryAfterSeconds !== undefined) this.x.res.setOption("Max-Age", refusal.retryAfterSeconds);
        answerError(this.x.res, COAP_CODE[refusal.reason], refusal.message);
    }
}

/** A listener that turns each Content into an envelope, then hands them on in order, as JSON. */
interface EnvelopeListener {
    (content: Content): Promise<void>;
    deliver?: (content: Content) => Promise<void>;
}

function inOrder(envelope: (content: Content) => Promise<object>): EnvelopeListener {
    let queue = Promise.resolve();
    const listener: EnvelopeListener = (content) => {
        queue = queue.then(async () => {
            let item: object;
            try {
                item = await envelope(content);
            } catch (err) {
                item = { error: `cannot decode the notification: ${messageOf(err)}` };
            }
            await listener.deliver?.(jsonContent(item));
        });
        return queue;
    };
    return listener;
}

/**
 * vo-wot's CoAP forms of a Thing: `coap://host:port/property?thing=<key>&name=<name>` with the operations it
 * answers, and so for actions and events; host, port and key those of node-wot's forms on the CoAP server.
 * Undefined when the TD has no form on a CoAP server.
 */
export function coapVoWotForms(td: VoWotTd): VoWotForms | undefined {
    let server: string | undefined;
    let key: string | undefined;
    for (const href of formHrefs(td)) {
        const match = /^(coaps?:\/\/[^/?#]+)\/([^/?#]+)\/(properties|actions|events)(\/|$)/.exec(href);
        if (match === null) continue;
        server = match[1];
        key = segmentText(match[2]);
        break;
    }
    if (server === undefined || key === undefined) return undefined;
    const form = (route: VoWotCoapRoute, name: string, op: string[]): VoWotForm => ({
        href: `${server}/${route}?thing=${encodeURIComponent(key)}&name=${encodeURIComponent(name)}`,
        contentType: JSON_MEDIA_TYPE,
        op,
    });
    return {
        property: (name, p) => [form("property", name, propertyOps(p, true))],
        action: (name) => [form("action", name, ["invokeaction"])],
        event: (name) => [form("event", name, ["subscribeevent"])],
    };
}

function answer(res: CoapAnswer, code: string, payload?: Buffer): void {
    setCode(res, code);
    res.end(payload);
}

function answerJson(res: CoapAnswer, code: string, body: object): void {
    res.setOption("Content-Format", JSON_MEDIA_TYPE);
    answer(res, code, Buffer.from(JSON.stringify(body)));
}

function answerError(res: CoapAnswer, code: string, message: string): void {
    answerJson(res, code, { error: message });
}
