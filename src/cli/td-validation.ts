import fs from "node:fs";
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { VoError } from "../model/errors";

/** The W3C TD 1.1 JSON Schema (draft-07) as published in wot-thing-description-types. */
export const TD_SCHEMA_PATH = require.resolve("wot-thing-description-types/schema/td-json-schema-validation.json");

export interface TdProblem {
    /** JSON pointer into the TD, e.g. `/properties/temperature/type`; `(root)` for the TD itself */
    path: string;
    message: string;
}

export class InvalidThingDescriptionError extends VoError {
    readonly kind = "invalid-input";

    constructor(
        readonly source: string,
        readonly problems: TdProblem[]
    ) {
        super(
            `invalid Thing Description ${source} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  ${source}: ${p.path}: ${p.message}`).join("\n")
        );
    }
}

export interface TdValidationOptions {
    /**
     * The TD is an ExposedThingInit for `WoT.produce`: node-wot adds the forms, the security and
     * the context itself, so those may be missing (they are filled before validation).
     */
    forProduce?: boolean;
}

let validator: ValidateFunction | undefined;
function tdValidator(): ValidateFunction {
    if (validator !== undefined) return validator;
    // strict: false, because the published schema is not strict-clean (a root "version" keyword,
    // additionalProperties without type "object"); the schema is theirs, not ours to fix.
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv); // "uri" and "date-time", used by the TD 1.1 schema
    // The 1.1 schema declares hrefs as plain strings; later drafts use the IRI formats, which
    // ajv-formats lacks. Registered leniently (any string that could be an IRI) so such a schema compiles.
    ajv.addFormat("iri", (s: string) => /^[A-Za-z][A-Za-z0-9+.-]*:\S*$/u.test(s));
    ajv.addFormat("iri-reference", (s: string) => !/\s/u.test(s));
    validator = ajv.compile(JSON.parse(fs.readFileSync(TD_SCHEMA_PATH, "utf8")) as object);
    return validator;
}

const KINDS = ["properties", "actions", "events"] as const;
const TD_CONTEXT = "https://www.w3.org/2022/wot/td/v1.1";

/**
 * What WoT.produce adds to an ExposedThingInit before it is a TD: node-wot's Thing starts with
 * the TD context, and the servers add forms and the servient its security when exposing.
 * Only missing terms are filled; whatever is given is validated as written.
 */
function filledForProduce(td: Record<string, unknown>): Record<string, unknown> {
    const out = structuredClone(td);
    out["@context"] ??= TD_CONTEXT;
    out.securityDefinitions ??= { nosec_sc: { scheme: "nosec" } };
    const schemes = out.securityDefinitions;
    out.security ??= (schemes !== null && typeof schemes === "object" && Object.keys(schemes)[0]) || "nosec_sc";
    for (const kind of KINDS) {
        const affordances = out[kind];
        if (affordances === null || typeof affordances !== "object" || Array.isArray(affordances)) continue;
        for (const a of Object.values(affordances as Record<string, unknown>)) {
            if (a !== null && typeof a === "object" && !Array.isArray(a)) {
                (a as Record<string, unknown>).forms ??= [{ href: "/" }];
            }
        }
    }
    return out;
}

function problemOf(e: ErrorObject): TdProblem {
    const params = e.params as Record<string, unknown>;
    let message = e.message ?? e.keyword;
    if (e.keyword === "enum")
        message += `: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    if (e.keyword === "additionalProperties") message += `: ${String(params.additionalProperty)}`;
    return { path: e.instancePath === "" ? "(root)" : e.instancePath, message };
}

/** Throws InvalidThingDescriptionError listing every schema violation with its instance path. */
export function validateThingDescription(td: unknown, source: string, options: TdValidationOptions = {}): void {
    if (td === null || typeof td !== "object" || Array.isArray(td)) {
        throw new InvalidThingDescriptionError(source, [{ path: "(root)", message: "must be a JSON object" }]);
    }
    const validate = tdValidator();
    const subject = options.forProduce === true ? filledForProduce(td as Record<string, unknown>) : td;
    if (validate(subject)) return;
    const problems: TdProblem[] = [];
    const seen = new Set<string>();
    for (const e of validate.errors ?? []) {
        const p = problemOf(e);
        const key = `${p.path}\n${p.message}`;
        if (!seen.has(key)) problems.push(p);
        seen.add(key);
    }
    throw new InvalidThingDescriptionError(source, problems);
}

/** Reads a TD (JSON) file and validates it; returns it as written, without what forProduce fills. */
export function loadThingDescription(file: string, options: TdValidationOptions = {}): Record<string, unknown> {
    let td: unknown;
    try {
        td = JSON.parse(fs.readFileSync(file, "utf8").replace(/^\uFEFF/, ""));
    } catch (err) {
        const why = err instanceof SyntaxError ? err.message : ((err as NodeJS.ErrnoException).code ?? String(err));
        throw new InvalidThingDescriptionError(file, [{ path: "(file)", message: `cannot read JSON: ${why}` }]);
    }
    validateThingDescription(td, file, options);
    return td as Record<string, unknown>;
}
