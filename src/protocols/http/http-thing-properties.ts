import type { IncomingMessage, ServerResponse } from "node:http";
import { Content, ContentSerdes, ExposedThing, ProtocolHelpers } from "@node-wot/core";
import { respondUnallowedMethod } from "@node-wot/binding-http/dist/routes/common";
import { decodeBody, JSON_MEDIA_TYPE, mediaTypeOf, undecodableKind } from "../../model/media-type";
import { RequestRefusedError } from "../../model/refusal";
import type { RequestOrigin } from "../../model/request-context";
import { schemaProblem } from "../../model/value-check";
import type { ServerHooks } from "../protocol-face";
import { answerTooLarge, readBody } from "./http-body-limit";
import { offeredTypes } from "./http-forms";
import { answerText, authorized } from "./http-answers";
import type { HttpServerInternals } from "./http-server-internals";
import { HttpTarget, reportRefusal } from "./http-target";
import { requestPath } from "./http-request-url";

/**
 * binding-http 0.9.2 routes only GET (readallproperties, always JSON) on `/:thing/properties`, yet
 * every TD it serves lists writeallproperties and writemultipleproperties on that href: PUT, PATCH
 * and POST there answer 404. They are served here, as the TD forms say (http-td-forms.ts gives the
 * two operations their own forms):
 *
 * - PUT (writeallproperties) takes an object with every writable property, PATCH
 *   (writemultipleproperties) any of them; POST is no operation of the TD: 405 with `Allow`;
 * - the whole request is checked first: a body that is not an object, an unknown name, a read-only
 *   property, a value breaking its property's schema, a writable property missing from a PUT: 400
 *   naming each problem, and nothing is written; each refused write of a known property is recorded;
 * - then every property is written through `thing.handleWriteMultipleProperties`, so each write is
 *   recorded (and checked) by the recorder like a single one; 204.
 *
 * A GET that asks for another type than JSON (CBOR) is answered here too, from
 * `thing.handleReadAllProperties`, in the type negotiated (http-content-negotiation.ts).
 */

type Forms = { href: string; contentType?: string; op?: string | string[] }[];

function writable(thing: ExposedThing): string[] {
    return Object.keys(thing.properties).filter((name) => thing.properties[name].readOnly !== true);
}

/** The methods the Thing's properties resource answers. */
export function thingPropertiesAllow(thing: ExposedThing): string {
    return writable(thing).length > 0 ? "GET, PUT, PATCH, OPTIONS" : "GET, OPTIONS";
}

export async function serveThingProperties(
    server: HttpServerInternals,
    hooks: ServerHooks,
    request: RequestOrigin,
    target: HttpTarget,
    req: IncomingMessage,
    res: ServerResponse,
    negotiatedType: string | undefined
): Promise<void> {
    const { thing } = target;
    const method = req.method;
    if (method === "OPTIONS") return respondUnallowedMethod(req, res, thingPropertiesAllow(thing));
    if (method === "GET" && negotiatedType !== undefined) {
        if (!(await authorized(server, thing, req, res))) return;
        return readAll(thing, res, negotiatedType);
    }
    if ((method !== "PUT" && method !== "PATCH") || writable(thing).length === 0) {
        return respondUnallowedMethod(req, res, thingPropertiesAllow(thing));
    }
    if (!(await authorized(server, thing, req, res))) return;
    const op = method === "PUT" ? "writeallproperties" : "writemultipleproperties";
    const type = mediaTypeOf(req.headers["content-type"] ?? JSON_MEDIA_TYPE);
    const offered = offeredTypes((thing.forms ?? []) as Forms, server.scheme, op);
    if (!offered.includes(type)) {
        return answerText(res, 415, `unsupported media type ${type}: ${op} takes ${offered.join(", ")}`);
    }
    const max = hooks.limits.maxBodyBytes;
    const body = await readBody(req, max);
    if (body === undefined) return answerTooLarge(res, max);

    let values: unknown;
    try {
        values = decode(type, body);
    } catch (err) {
        const kind = undecodableKind(type);
        return answerText(res, 400, `${op}: body is ${kind}: ${(err as Error).message}; nothing written`);
    }
    if (values === null || typeof values !== "object" || Array.isArray(values)) {
        return answerText(res, 400, `${op}: the body must be an object of property name: value; nothing written`);
    }
    const entries = Object.entries(values as Record<string, unknown>);
    const problems = problemsOf(hooks, request, target, op, entries);
    if (problems.length > 0) return answerText(res, 400, `${op}: ${problems.join("; ")}; nothing written`);
    return writeProperties(server, request, thing, op, entries, type, req, res);
}

type WriteOp = "writeallproperties" | "writemultipleproperties";

/** What is wrong with the values sent (unknown, read-only, schema-breaking, missing); each refusal is recorded. */
function problemsOf(
    hooks: ServerHooks,
    request: RequestOrigin,
    target: HttpTarget,
    op: WriteOp,
    entries: [string, unknown][]
): string[] {
    const { thing } = target;
    const problems: string[] = [];
    for (const [name, value] of entries) {
        const property = thing.properties[name];
        let problem: string | undefined;
        if (property === undefined) {
            problems.push(`no property "${name}"`);
            continue;
        } else if (property.readOnly === true) {
            problem = `property "${name}" is read-only`;
        } else {
            const broken = schemaProblem(property, value);
            if (broken !== undefined) problem = `property "${name}": ${broken}`;
        }
        if (problem === undefined) continue;
        problems.push(problem);
        reportRefusal(hooks, request, target, op, refusal(problem), value, { name });
    }
    if (op === "writeallproperties") {
        const sent = new Set(entries.map(([name]) => name));
        const missing = writable(thing).filter((name) => !sent.has(name));
        if (missing.length > 0) {
            problems.push(
                `missing ${missing.map((n) => `"${n}"`).join(", ")}: writeallproperties (PUT) takes every writable property, writemultipleproperties (PATCH) some`
            );
        }
    } else if (entries.length === 0) {
        problems.push("no property to write");
    }
    return problems;
}

/** Writes the values, all checked, through the Thing's handleWriteMultipleProperties: 204, or the handler's refusal. */
async function writeProperties(
    server: HttpServerInternals,
    request: RequestOrigin,
    thing: ExposedThing,
    op: WriteOp,
    entries: [string, unknown][],
    type: string,
    req: IncomingMessage,
    res: ServerResponse
): Promise<void> {
    // Typed as a Map, but node-wot 0.9.2 iterates it with Object.entries: a plain object it is.
    const contents: Record<string, Content> = {};
    for (const [name, value] of entries) {
        contents[name] = ContentSerdes.get().valueToContent(value as never, thing.properties[name], type);
    }
    const first = entries[0][0];
    const formIndex = ProtocolHelpers.findRequestMatchingFormIndex(
        thing.properties[first].forms,
        server.scheme,
        propertyPath(req.url ?? "", first),
        type
    );
    request.operation = op; // each write is recorded under the operation the client asked for
    try {
        await thing.handleWriteMultipleProperties(contents as never, { formIndex });
    } catch (err) {
        // answerFromContext turns this 500 into the refusal's status when a handler refused
        return answerText(res, 500, (err as Error).message);
    }
    res.writeHead(204);
    res.end();
}

function refusal(problem: string): RequestRefusedError {
    return new RequestRefusedError("bad-request", `${problem} (nothing of the request was written)`);
}

function decode(type: string, body: Buffer): unknown {
    if (body.length === 0) throw new Error("the body is empty");
    return decodeBody(type, body);
}

/** `/thing/properties/name` from the request's `/thing/properties[/]`, as the property's form has it. */
function propertyPath(url: string, name: string): string {
    const path = requestPath(url).replace(/\/$/, "");
    return `${path}/${encodeURIComponent(name)}`;
}

/** readallproperties answered in `type` (binding-http only answers JSON). */
async function readAll(thing: ExposedThing, res: ServerResponse, type: string): Promise<void> {
    let body: Buffer;
    try {
        const contents = await thing.handleReadAllProperties({ formIndex: 0 });
        const values: Record<string, unknown> = {};
        for (const [name, content] of contents) {
            values[name] = ContentSerdes.get().contentToValue(
                { type: content.type, body: await content.toBuffer() },
                thing.properties[name]
            );
        }
        body = await ContentSerdes.get()
            .valueToContent(values as never, undefined, type)
            .toBuffer();
    } catch (err) {
        return answerText(res, 500, (err as Error).message);
    }
    res.setHeader("Content-Type", type);
    res.writeHead(200);
    res.end(body);
}
