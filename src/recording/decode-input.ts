import { Content } from "@node-wot/core";
import { BufferedContent } from "./buffered-content";
import { decodeBody, undecodableKind } from "../model/media-type";
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
 * kept as text, so the record of its refusal shows what was sent. JSON is parsed strictly
 * (model/media-type.ts).
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
        value = decodeBody(content.type, body, schema);
    } catch (err) {
        const text = body.toString("utf8");
        const kind = undecodableKind(content.type);
        return { content: replay, value: text, problem: `${what}: body is ${kind}: ${(err as Error).message}` };
    }
    const problem = schemaProblem(schema, value);
    return { content: replay, value, problem: problem === undefined ? undefined : `${what}: ${problem}` };
}

/** The outcome of an interaction that failed once its body was read: what was sent, and whether that was valid. */
export function failedWith(input: DecodedInput, error: unknown): Outcome {
    return { ok: false, value: input.value, valid: input.problem === undefined, error };
}
