/**
 * How a recorded value is typed in a store. number and boolean are kept as such (aggregatable),
 * string as text; objects, arrays and null as exact JSON text. NaN and the infinities are not JSON
 * and neither SQLite nor InfluxDB can store them as numbers, so they become the JSON string "NaN" etc.
 */
export type ValueType = "number" | "boolean" | "string" | "json";

export type EncodedValue =
    | { type: "number"; value: number }
    | { type: "boolean"; value: boolean }
    | { type: "string"; value: string }
    | { type: "json"; value: string };

/** undefined (no value) encodes to undefined. */
export function encodeValue(value: unknown): EncodedValue | undefined {
    switch (typeof value) {
        case "undefined":
            return undefined;
        case "number":
            return Number.isFinite(value)
                ? { type: "number", value }
                : { type: "json", value: JSON.stringify(String(value)) };
        case "boolean":
            return { type: "boolean", value };
        case "string":
            return { type: "string", value };
        case "bigint":
            return { type: "string", value: value.toString() };
        default: {
            const json = JSON.stringify(value);
            return json === undefined ? undefined : { type: "json", value: json };
        }
    }
}

/** The inverse of encodeValue, given what the store kept and the type tag. */
export function decodeValue(raw: unknown, type: string | null | undefined): unknown {
    switch (type) {
        case null:
        case undefined:
        case "":
            return undefined;
        case "number":
            return typeof raw === "number" ? raw : Number(raw);
        case "boolean":
            return raw === true || raw === 1 || raw === "true";
        case "json":
            return JSON.parse(String(raw));
        default:
            return raw;
    }
}
