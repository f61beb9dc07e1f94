import type { IncomingMessage, ServerResponse } from "node:http";
import { Content, ExposedThing } from "@node-wot/core";
import type { Operation } from "../../model/interaction-record";
import { isJsonMediaType, JSON_MEDIA_TYPE, mediaTypeOf } from "../../model/media-type";
import { REFUSAL_STATUS, RequestRefusedError, refusalOf } from "../../model/refusal";
import { RequestOrigin, runAsRequest } from "../../model/request-context";
import type { ServerHooks } from "../protocol-face";
import { authorized } from "./http-answers";
import { answerTooLarge, readBody } from "./http-body-limit";
import { isPreflight } from "./http-method-not-allowed";
import { decodePath, pathSegments, requestPath } from "./http-request-url";
import type { HttpServerInternals } from "./http-server-internals";
import { HttpTarget, reportRefusal } from "./http-target";
import { jsonContent, valueOf, messageOf, handlerOptions } from "../vo-wot-content";

/**
 * vo-wot's HTTP wire format: the routes of wotpy2 0.1.0's HTTPServer, which vo-wot 0.19.0 serves, answered
 * beside binding-http's own when `protocols.voWot` is on, so that an unchanged vo-wot (wotpy2) client works:
 *
 *   GET  /<thing>/property/<name>                  200 {"value": v}
 *   PUT  /<thing>/property/<name>   {"value": v}   200, no body (as tornado answers)
 *   GET  /<thing>/property/<name>/subscription     the next change: 200 {"value": v} (one long poll per change)
 *   POST /<thing>/action/<name>     {"input": x}   200 {"result": r}; the handler failing: 200 {"error": message}
 *   GET  /<thing>/event/<name>/subscription        the next emission: 200 {"payload": data}
 *
 * wotpy2's actions answer once they are done: there are no invocation ids to poll. Each request goes
 * through the Thing's handle* methods with the index of the affordance's node-wot JSON form on this
 * server, so it is checked and recorded exactly as the same operation on node-wot's form (protocol
 * http or https, the client's address). Where vo-wot answers a bad request with tornado's HTML 500
 * page, the answer here is the refusal's status with {"error": message}: 400 for a body that is not
 * JSON, not an object, or lacks its envelope's key (or has another), 404 for an unknown Thing or
 * affordance, 405 for a method the resource does not answer, 413 for a body over the bound, 415 for
 * a body that is not JSON by its Content-Type; each refusal of a known affordance is recorded.
 * The catalogue's TDs list these paths (vo-wot-http-forms.ts): wotpy2's client takes its URLs from forms only.
 */

/** The resource a vo-wot path names; `route` as http-target.ts names node-wot's. */
export interface VoWotPath {
    key: string;
    route: "property" | "observe" | "action" | "event";
    name: string;
}

const SUBSCRIPTION = "subscription";
const LONG_POLL_LIMIT_MS = 60 * 60 * 1000;

/** The vo-wot resource a request's path names by its shape alone (the Thing and affordance are not looked up). */
export function voWotPathOf(url: string | undefined): VoWotPath | undefined {
    // on every request: nothing is split unless the path can be one of vo-wot's
    if (url === undefined || !/\/(property|action|event)\//.test(url)) return undefined;
    const segments = pathSegments(requestPath(url)); // "", thing, dir, name[, "subscription"]
    if (segments.length < 4 || segments.length > 5 || segments[0] !== "") return undefined;
    const decoded = segments.slice(1).map(decodePath);
    if (decoded.some((s) => s === undefined || s === "")) return undefined;
    const [key, dir, name, tail] = decoded as string[];
    if (dir === "property" && tail === undefined) return { key, route: "property", name };
    if (dir === "property" && tail === SUBSCRIPTION) return { key, route: "observe", name };
    if (dir === "action" && tail === undefined) return { key, route: "action", name };
    if (dir === "event" && tail === SUBSCRIPTION) return { key, route: "event", name };
    return undefined;
}

/** The href of a vo-wot resource under a Thing's base (`http://host:port/<key>`). */
export function voWotHref(thingBase: string, route: VoWotPath["route"], name: string): string {
    const n = encodeURIComponent(name);
    switch (route) {
        case "property":
            return `${thingBase}/property/${n}`;
        case "observe":
            return `${thingBase}/property/${n}/${SUBSCRIPTION}`;
        case "action":
            return `${thingBase}/action/${n}`;
        case "event":
            return `${thingBase}/event/${n}/${SUBSCRIPTION}`;
    }
}

/** What the VO answers on a vo-wot resource of an affordance it has. */
export function voWotAllow(thing: ExposedThing, path: VoWotPath): string {
    if (path.route === "action") return "POST, OPTIONS";
    if (path.route !== "property") return "GET, OPTIONS";
    const property = thing.properties[path.name];
    const methods = [property.writeOnly === true ? "" : "GET", property.readOnly === true ? "" : "PUT"];
    return [...methods.filter((m) => m !== ""), "OPTIONS"].join(", ");
}

/** The affordance a vo-wot path names, if the Thing has it (an observation: only of an observable property). */
function affordanceOf(thing: ExposedThing, path: VoWotPath): { forms: object[] } | undefined {
    switch (path.route) {
        case "property":
            return thing.properties[path.name];
        case "observe":
            return thing.properties[path.name]?.observable === true ? thing.properties[path.name] : undefined;
        case "action":
            return thing.actions[path.name];
        case "event":
            return thing.events[path.name];
    }
}

const KIND_WORD = { property: "property", observe: "observable property", action: "action", event: "event" };

/** Answers a request on a vo-wot path, in the request's context. */
export async function serveVoWot(
    server: HttpServerInternals,
    hooks: ServerHooks,
    request: RequestOrigin,
    path: VoWotPath,
    req: IncomingMessage,
    res: ServerResponse
): Promise<void> {
    const thing = server.getThings().get(path.key);
    if (thing === undefined) return answerError(res, 404, `no Thing "${path.key}"`);
    if (affordanceOf(thing, path) === undefined) {
        return answerError(res, 404, `Thing "${path.key}" has no ${KIND_WORD[path.route]} "${path.name}"`);
    }
    const allowed = voWotAllow(thing, path);
    const method = req.method ?? "GET";
    if (method === "OPTIONS") return answerOptions(req, res, allowed);
    // credentials first, as binding-http's routes check them: a refusal is recorded for known clients only
    if (!(await authorized(server, thing, req, res))) return;
    const target: HttpTarget = { thing, route: path.route, name: path.name };
    if (!allowed.split(", ").includes(method)) {
        const error = new RequestRefusedError("method-not-allowed", `${method} is not allowed; it answers ${allowed}`);
        const op = OPERATION[`${path.route} ${method}`];
        if (op !== undefined) reportRefusal(hooks, request, target, op, error);
        return answerError(res, 405, error.message, { Allow: allowed });
    }
    const call = new VoWotCall(server, hooks, request, target, req, res);
    switch (path.route) {
        case "property":
            return method === "GET" ? call.read() : call.write();
        case "observe":
            return call.observe();
        case "action":
            return call.invoke();
        case "event":
            return call.subscribe();
    }
}

/** The operation a method on a vo-wot resource stands for, as recorded when it is refused. */
const OPERATION: Record<string, Operation> = {
    "property GET": "readproperty",
    "property PUT": "writeproperty",
    "observe GET": "observeproperty",
    "action POST": "invokeaction",
    "event GET": "subscribeevent",
};

/** One request on a vo-wot resource of an affordance the Thing has, its method answered there. */
class VoWotCall {
    private readonly thing: ExposedThing;
    private readonly name: string;

    constructor(
        private readonly server: HttpServerInternals,
        private readonly hooks: ServerHooks,
        private readonly request: RequestOrigin,
        private readonly target: HttpTarget,
        private readonly req: IncomingMessage,
        private readonly res: ServerResponse
    ) {
        this.thing = target.thing;
        this.name = target.name!;
    }

    async read(): Promise<void> {
        const property = this.thing.properties[this.name];
        try {
            const content = await this.thing.handleReadProperty(this.name, this.options(property, "readproperty"));
            // a property without a value yet: null, as vo-wot answers None (not a body without the key)
            answerJson(this.res, 200, { value: (await valueOf(content, property)) ?? null });
        } catch (err) {
            this.failed(err);
        }
    }

    async write(): Promise<void> {
        const property = this.thing.properties[this.name];
        const envelope = await this.envelope("writeproperty", "value", true);
        if (envelope === undefined) return;
        try {
            const options = this.options(property, "writeproperty");
            await this.thing.handleWriteProperty(this.name, jsonContent(envelope.value), options);
        } catch (err) {
            return this.failed(err);
        }
        this.res.writeHead(200, { "Content-Length": "0" });
        this.res.end();
    }

    async invoke(): Promise<void> {
        const action = this.thing.actions[this.name];
        const envelope = await this.envelope("invokeaction", "input", action.input !== undefined);
        if (envelope === undefined) return;
        let output: Content | void;
        try {
            output = await this.thing.handleInvokeAction(
                this.name,
                jsonContent(envelope.input),
                this.options(action, "invokeaction")
            );
        } catch (err) {
            // vo-wot answers a failed invocation 200 {"error"}: its client reads the message only from there
            if (refusalOf(err) === undefined) return answerJson(this.res, 200, { error: messageOf(err) });
            return this.failed(err);
        }
        const result = output === undefined ? null : await valueOf(output, action.output);
        answerJson(this.res, 200, { result });
    }

    /** The next change of an observable property, then the observation ends (wotpy2 polls again). */
    observe(): Promise<void> {
        const property = this.thing.properties[this.name];
        const options = this.options(property, "observeproperty");
        const listener = (content: Content): void => void this.deliver(content, property, "value");
        return this.longPoll(
            () => this.thing.handleObserveProperty(this.name, listener, options),
            () => this.thing.handleUnobserveProperty(this.name, listener, options)
        );
    }

    /** The next emission of an event, then the subscription ends (wotpy2 polls again). */
    subscribe(): Promise<void> {
        const event = this.thing.events[this.name];
        const options = this.options(event, "subscribeevent");
        const listener = (content: Content): void => void this.deliver(content, event.data, "payload");
        return this.longPoll(
            () => this.thing.handleSubscribeEvent(this.name, listener, options),
            () => this.thing.handleUnsubscribeEvent(this.name, listener, options)
        );
    }

    /**
     * A long poll: `start` observes or subscribes; `end` ends it once, when the connection closes (after the
     * answer, or with the client gone first: "client disconnected", as the recorder says for node-wot's).
     */
    private async longPoll(start: () => Promise<unknown>, end: () => unknown): Promise<void> {
        let started = false;
        let closed = false;
        const stop = (): void => {
            const why = this.res.writableFinished
                ? this.request
                : { ...this.request, endReason: "client disconnected" };
            try {
                void Promise.resolve(runAsRequest(why, end)).catch(() => undefined);
            } catch {
                // already ended by node-wot: nothing to end
            }
        };
        this.res.once("close", () => {
            closed = true;
            if (started) stop();
        });
        // a client gone without closing its connection is let go after an hour, as binding-http's long polls are
        this.res.setTimeout(LONG_POLL_LIMIT_MS, () => this.res.destroy());
        try {
            await start();
        } catch (err) {
            return this.failed(err);
        }
        started = true;
        if (closed) stop(); // the client went while the subscription was being made
    }

    private async deliver(content: Content, schema: object | undefined, key: "value" | "payload"): Promise<void> {
        if (this.res.headersSent || this.res.destroyed) return; // one delivery per long poll
        let value: unknown;
        try {
            value = await valueOf(content, schema);
        } catch (err) {
            return answerError(this.res, 500, `cannot decode the ${key}: ${messageOf(err)}`);
        }
        if (!this.res.headersSent) answerJson(this.res, 200, { [key]: value ?? null });
    }

    /** The options of a handle* call: as on the affordance's node-wot JSON form for `op` on this server. */
    private options(affordance: { forms: object[] }, op: Operation): { formIndex: number } {
        return handlerOptions(affordance, this.server.scheme, op);
    }

    /**
     * The body's envelope: a JSON object with `key` (required or not) and no other key. Undefined when it was
     * refused (answered, and recorded as a refusal of `op`).
     */
    private async envelope(
        op: Operation,
        key: string,
        required: boolean
    ): Promise<Record<string, unknown> | undefined> {
        const type = this.req.headers["content-type"];
        if (type !== undefined && !isJsonMediaType(type)) {
            const text = `${op}: vo-wot's envelope is JSON ({"${key}": ...}), not ${mediaTypeOf(type)}`;
            return this.refuse(op, "unsupported-media-type", text);
        }
        const max = this.hooks.limits.maxBodyBytes;
        const body = await readBody(this.req, max);
        if (body === undefined) {
            const error = new RequestRefusedError("payload-too-large", `request body over ${max} bytes`);
            reportRefusal(this.hooks, this.request, this.target, op, error);
            answerTooLarge(this.res, max);
            return undefined;
        }
        const shape = `the body must be a JSON object {"${key}": ...}`;
        if (body.length === 0) return required ? this.refuse(op, "bad-request", `${op}: ${shape}; it is empty`) : {};
        let parsed: unknown;
        try {
            parsed = JSON.parse(body.toString("utf8"));
        } catch (err) {
            return this.refuse(op, "bad-request", `${op}: ${shape}; it is malformed JSON: ${messageOf(err)}`);
        }
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
            return this.refuse(op, "bad-request", `${op}: ${shape}, not ${JSON.stringify(parsed).slice(0, 100)}`);
        }
        const keys = Object.keys(parsed);
        const other = keys.filter((k) => k !== key);
        if (other.length > 0 || (required && keys.length === 0)) {
            const has = keys.length === 0 ? "no key" : `the key(s) ${keys.map((k) => `"${k}"`).join(", ")}`;
            return this.refuse(op, "bad-request", `${op}: ${shape}; it has ${has}`, parsed);
        }
        return parsed as Record<string, unknown>;
    }

    private refuse(
        op: Operation,
        reason: "bad-request" | "unsupported-media-type",
        text: string,
        value?: unknown
    ): undefined {
        const error = new RequestRefusedError(reason, text);
        reportRefusal(this.hooks, this.request, this.target, op, error, value, { valid: value === undefined });
        answerError(this.res, REFUSAL_STATUS[reason], text);
        return undefined;
    }

    /** A handler's failure: a refusal's status (with Retry-After), else 500; {"error": message}. */
    private failed(err: unknown): void {
        const refusal = refusalOf(err) ?? this.request.refusal;
        if (refusal === undefined) return answerError(this.res, 500, messageOf(err));
        const headers: Record<string, string> = {};
        if (refusal.retryAfterSeconds !== undefined) headers["Retry-After"] = String(refusal.retryAfterSeconds);
        answerError(this.res, REFUSAL_STATUS[refusal.reason], refusal.message, headers);
    }
}

function answerJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
    if (res.headersSent) {
        res.end();
        return;
    }
    res.writeHead(status, { "Content-Type": JSON_MEDIA_TYPE, ...headers });
    res.end(JSON.stringify(body));
}

function answerError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) {
    answerJson(res, status, { error: message }, headers);
}

/** OPTIONS: 204 with the methods the resource answers; a CORS preflight also gets them as allowed. */
function answerOptions(req: IncomingMessage, res: ServerResponse, allowed: string): void {
    const headers: Record<string, string> = { Allow: allowed };
    if (isPreflight(req)) {
        headers["Access-Control-Allow-Methods"] = allowed;
        headers["Access-Control-Allow-Headers"] = "content-type, authorization";
    }
    res.writeHead(204, headers);
    res.end();
}
