import type { IncomingMessage, ServerResponse } from "node:http";
import type { Operation } from "../../model/interaction-record";
import { RequestRefusedError } from "../../model/refusal";
import type { RequestOrigin } from "../../model/request-context";
import { conformsToSchema } from "../../model/value-check";
import type { ServerHooks } from "../protocol-face";
import { answerText, authorized } from "./http-answers";
import type { HttpServerInternals } from "./http-server-internals";
import { HttpTarget, reportRefusal, targetOf } from "./http-target";

/**
 * binding-http 0.9.2 hands an empty body to the handler as it is; the handler's `value()` (node-wot's
 * InteractionOutput) then finds no value where the schema wants one and throws "Invalid value according
 * to DataSchema", answered 500 as if the server had failed. A write or an action input that needs a
 * value and came without a body is the client's fault: 400 naming what was expected, recorded as a
 * refused interaction whose value breaks the schema.
 */

/** Where an empty body is refused: the affordance, the schema its value must meet, how it is named. */
export interface EmptyBodyTarget {
    target: HttpTarget & { name: string };
    op: Operation;
    schema: Record<string, unknown>;
    what: string;
}

/**
 * Whether a request came without a body: none framed, `Content-Length: 0`, or a chunked body that
 * ended empty (held whole by holdChunkedBody before the request is routed).
 */
export function hasEmptyBody(req: IncomingMessage): boolean {
    const length = req.headers["content-length"];
    if (length !== undefined) return Number(length) === 0;
    if (req.headers["transfer-encoding"] === undefined) return true;
    return req.complete && req.readableLength === 0;
}

/** The write (PUT) or action (POST) a request without a body names, when its schema needs a value. */
export function needingValue(server: HttpServerInternals, req: IncomingMessage): EmptyBodyTarget | undefined {
    const target = targetOf(server, req.url);
    const name = target?.name;
    if (target === undefined || name === undefined) return undefined;
    let found: Omit<EmptyBodyTarget, "target"> | undefined;
    if (req.method === "PUT" && target.route === "property") {
        const property = target.thing.properties[name];
        if (property === undefined || property.readOnly === true) return undefined;
        found = { op: "writeproperty", schema: property as Record<string, unknown>, what: `property "${name}"` };
    } else if (req.method === "POST" && target.route === "action") {
        const input = target.thing.actions[name]?.input as Record<string, unknown> | undefined;
        if (input === undefined) return undefined;
        found = { op: "invokeaction", schema: input, what: `input of action "${name}"` };
    }
    if (found === undefined || conformsToSchema(found.schema, undefined)) return undefined;
    return { ...found, target: { ...target, name } };
}

/** 400 naming what was expected (after the credential check), recorded with `valid = 0`. */
export async function refuseEmptyBody(
    server: HttpServerInternals,
    hooks: ServerHooks,
    request: RequestOrigin,
    found: EmptyBodyTarget,
    req: IncomingMessage,
    res: ServerResponse
): Promise<void> {
    if (!(await authorized(server, found.target.thing, req, res))) return;
    const error = new RequestRefusedError(
        "bad-request",
        `${found.what}: the body is empty; a value is expected (${expected(found.schema)})`
    );
    reportRefusal(hooks, request, found.target, found.op, error, undefined, { valid: false });
    answerText(res, 400, error.message);
}

/** What a schema takes, in a few words: `object with "offset"`, `integer`, `one of "a", "b"`. */
function expected(schema: Record<string, unknown>): string {
    if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`;
    if ("const" in schema) return JSON.stringify(schema.const);
    const type = schema.type === undefined ? "a value as the schema says" : [schema.type].flat().join(" or ");
    const required = Array.isArray(schema.required) ? (schema.required as unknown[]) : [];
    return required.length === 0 ? type : `${type} with ${required.map((k) => JSON.stringify(k)).join(", ")}`;
}
