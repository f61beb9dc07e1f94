import { Content, ContentSerdes } from "@node-wot/core";
import { BufferedContent } from "./buffered-content";
import { schemaProblem } from "../model/value-check";
import type { Outcome } from "./record-builder";

export interface DecodedInput {
    /** a fresh Content carrying the same bytes, for the original handler */
    content: Content;
    value: unknown;
    /** why the body is refused: not decodable, or breaking the schema */
    problem?: string;
}

/**
 * Reads the request body once, decodes it by its content type and checks it against the
 * schema; the handler gets the same bytes (BufferedContent). A body that cannot be decoded is
 * kept as text, so the record of its refusal shows what was sent. JSON is parsed strictly here:
 * node-wot's JSON codec takes a malformed document for a string.
 */
export async function decodeInput(
    content: Content | undefined,
    schema: object | undefined,
    what: string
): Promise<DecodedInput> {
    if (content === undefined || content === null || typeof content.toBuffer !== "function") {
        return { content: content as Content, value: undefined };
    }
    const body = await content.toBuffer();
    const replay = new BufferedContent(content.type, body);
    if (body.length === 0) return { content: replay, value: undefined };
    let value: unknown;
    try {
        value = isJson(content.type)
            ? JSON.parse(body.toString("utf8"))
            : ContentSerdes.get().contentToValue({ type: content.type, body }, (schema ?? {}) as never);
    } catch (err) {
        const text = body.toString("utf8");
        const kind = isJson(content.type) ? "malformed JSON" : `not decodable as ${content.type}`;
        return { content: replay, value: text, problem: `${what}: body is ${kind}: ${(err as Error).message}` };
    }
    const problem = schemaProblem(schema, value);
    return { content: replay, value, problem: problem === undefined ? undefined : `${what}: ${problem}` };
}

function isJson(type: string | undefined): boolean {
    if (type === undefined) return true;
    const base = type.split(";")[0].trim().toLowerCase();
    return base === "application/json" || base.endsWith("+json");
}

/** The outcome of an interaction that failed once its body was read: what was sent, and whether that was valid. */
export function failedWith(input: DecodedInput, error: unknown): Outcome {
    return { ok: false, value: input.value, valid: input.problem === undefined, error };
}
