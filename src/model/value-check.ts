import Ajv, { ValidateFunction } from "ajv";

// Formats are not checked: a date-time that is slightly off is still a value worth keeping unflagged.
const ajv = new Ajv({ strict: false, validateFormats: false, addUsedSchema: false, allErrors: false });
const validators = new WeakMap<object, ValidateFunction | null>();

function validatorFor(schema: object): ValidateFunction | null {
    let validate = validators.get(schema);
    if (validate === undefined) {
        try {
            validate = ajv.compile(stripAffordanceKeys(schema));
        } catch {
            validate = null; // a schema ajv cannot compile cannot flag anything
        }
        validators.set(schema, validate);
    }
    return validate;
}

/** Checks a value against a TD data schema; compiled once per schema object. No schema: valid. */
export function conformsToSchema(schema: object | undefined, value: unknown): boolean {
    if (schema === undefined || schema === null) return true;
    const validate = validatorFor(schema);
    return validate === null ? true : validate(value) === true;
}

/** What is wrong with a value by a TD data schema ("/unit must be equal to one of the allowed values"), or undefined. */
export function schemaProblem(schema: object | undefined, value: unknown): string | undefined {
    if (schema === undefined || schema === null) return undefined;
    const validate = validatorFor(schema);
    if (validate === null || validate(value) === true) return undefined;
    const e = validate.errors?.[0];
    if (e === undefined) return "the value does not match the schema";
    const params =
        e.keyword === "enum"
            ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")})`
            : "";
    return `${e.instancePath === "" ? "the value" : e.instancePath} ${e.message ?? "is invalid"}${params}`;
}

// A property affordance doubles as its data schema, but its forms/observable keys are not schema keywords.
function stripAffordanceKeys(schema: object): object {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { forms, observable, uriVariables, ...rest } = schema as Record<string, unknown>;
    return rest;
}

/** What is left of a value after the size limit. */
export interface LimitedValue {
    value: unknown;
    truncated: boolean;
}

/**
 * Values larger than `maxBytes` (as JSON) are recorded cut: a string keeps its first `maxBytes`
 * bytes, anything else becomes the first `maxBytes` bytes of its JSON text. `truncated` flags both.
 */
export function limitValue(value: unknown, maxBytes: number): LimitedValue {
    if (value === undefined || value === null || typeof value === "number" || typeof value === "boolean") {
        return { value, truncated: false };
    }
    if (typeof value === "string") {
        if (value.length * 3 <= maxBytes || Buffer.byteLength(value) <= maxBytes) return { value, truncated: false };
        return { value: cutUtf8(value, maxBytes), truncated: true };
    }
    let json: string | undefined;
    try {
        json = JSON.stringify(value);
    } catch {
        // nested past the stack (a JSON body 5000 levels deep), cyclic or with a BigInt: its text, cut,
        // stands for it; String() would overflow the same way, and the record (a refusal) be lost
        return { value: cutUtf8(jsonText(value, maxBytes), maxBytes), truncated: true };
    }
    if (json === undefined) return { value: undefined, truncated: false };
    if (json.length * 3 <= maxBytes || Buffer.byteLength(json) <= maxBytes) return { value, truncated: false };
    return { value: cutUtf8(json, maxBytes), truncated: true };
}

interface Frame {
    close: string;
    /** each member: its key's text (`"k":`, "" in an array) and its value */
    members: [string, unknown][];
    next: number;
}

/**
 * The JSON text of a value up to about `maxChars` characters, written with a stack of its own
 * instead of recursion, so that no depth overflows; a cycle is written until the bound.
 */
function jsonText(value: unknown, maxChars: number): string {
    let out = "";
    const stack: Frame[] = [];
    let pending: { value: unknown } | undefined = { value };
    while (out.length <= maxChars) {
        if (pending !== undefined) {
            const v = toJsonValue(pending.value);
            pending = undefined;
            if (v === null || typeof v !== "object") {
                out += scalarText(v);
                continue;
            }
            const array = Array.isArray(v);
            out += array ? "[" : "{";
            const members: [string, unknown][] = array
                ? v.map((item) => ["", item])
                : Object.entries(v)
                      .filter(([, item]) => item !== undefined && typeof item !== "function")
                      .map(([key, item]) => [`${JSON.stringify(key)}:`, item]);
            stack.push({ close: array ? "]" : "}", members, next: 0 });
            continue;
        }
        const top = stack.at(-1);
        if (top === undefined) break;
        if (top.next === top.members.length) {
            out += top.close;
            stack.pop();
            continue;
        }
        const [key, item] = top.members[top.next];
        out += (top.next > 0 ? "," : "") + key;
        top.next++;
        pending = { value: item };
    }
    return out;
}

function toJsonValue(v: unknown): unknown {
    const toJSON = (v as { toJSON?: unknown } | null)?.toJSON;
    return typeof toJSON === "function" ? (toJSON as () => unknown).call(v) : v;
}

function scalarText(v: unknown): string {
    if (typeof v === "bigint") return v.toString();
    return JSON.stringify(v) ?? "null";
}

function cutUtf8(s: string, maxBytes: number): string {
    const buf = Buffer.from(s, "utf8").subarray(0, maxBytes);
    // Drop a partial trailing character rather than store a replacement char.
    return buf.toString("utf8").replace(/\uFFFD$/, "");
}
