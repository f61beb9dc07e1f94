import { Point } from "@influxdata/influxdb-client";
import type { AffordanceKind, InteractionRecord } from "../../recording/interaction-record";
import { encodeValue } from "../value-encoding";

/**
 * InfluxDB layout of a record (one point):
 *   bucket       properties | actions | events (by kind)
 *   measurement  the Thing id
 *   tags         name (affordance), op, protocol, ok ("true" | "false"), value_type, output_type
 *   fields       value_num | value_bool | value_str | value_json (one, by type), the same for output_*,
 *                value.<path>_num | _bool | _str for the leaves of object values (queryable without JSON),
 *                origin, error, duration_ms, valid, truncated
 *   time         the record's nanosecond timestamp
 * The field name carries the type, so a value whose type changes never conflicts with earlier points.
 * Replaying a point writes the same series and timestamp again: it overwrites itself, never duplicates.
 */

/**
 * Line protocol can carry neither newlines nor a trailing backslash in names, and tabs and other control
 * characters do not survive its parser: those, and % itself, are %-encoded (%0A, %5C, %25 …).
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be encoded
const NAME_UNSAFE = /[%\\\x00-\x1f\x7f]/g;

export function encodeName(name: string): string {
    return name.replace(NAME_UNSAFE, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

export function decodeName(encoded: string): string {
    return encoded.includes("%")
        ? encoded.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
        : encoded;
}

/**
 * InfluxDB answers queries in CSV written by Go's encoding/csv with CRLF line ends, which turns "\n" inside
 * a string field into "\r\n" and drops a lone "\r". Strings holding either are therefore stored as JSON
 * text (value_json, error_json), whose escapes keep them exact.
 */
export function survivesCsv(text: string): boolean {
    return !/[\r\n]/.test(text);
}

const MAX_FLATTENED_LEAVES = 64;
const MAX_FLATTEN_DEPTH = 8;

function addTyped(point: Point, prefix: string, value: unknown): void {
    let e = encodeValue(value);
    if (e === undefined) return;
    if (e.type === "string" && !survivesCsv(e.value)) e = { type: "json", value: JSON.stringify(e.value) };
    point.tag(`${prefix}_type`, e.type);
    switch (e.type) {
        case "number":
            point.floatField(`${prefix}_num`, e.value);
            break;
        case "boolean":
            point.booleanField(`${prefix}_bool`, e.value);
            break;
        case "string":
            point.stringField(`${prefix}_str`, e.value);
            break;
        case "json":
            point.stringField(`${prefix}_json`, e.value);
            if (typeof value === "object") flatten(point, prefix, value, 0, { left: MAX_FLATTENED_LEAVES });
            break;
    }
}

/** Leaves of objects and arrays as typed fields, `value.location.floor_num`, bounded in count and depth. */
function flatten(point: Point, path: string, value: unknown, depth: number, budget: { left: number }): void {
    if (value === null || typeof value !== "object" || depth >= MAX_FLATTEN_DEPTH) return;
    for (const [key, v] of Object.entries(value)) {
        if (budget.left <= 0) return;
        const name = `${path}.${encodeName(key)}`;
        if (typeof v === "number" && Number.isFinite(v)) {
            point.floatField(`${name}_num`, v);
            budget.left--;
        } else if (typeof v === "boolean") {
            point.booleanField(`${name}_bool`, v);
            budget.left--;
        } else if (typeof v === "string") {
            point.stringField(`${name}_str`, v);
            budget.left--;
        } else {
            flatten(point, name, v, depth + 1, budget);
        }
    }
}

export function toPoint(r: InteractionRecord): Point {
    const point = new Point(encodeName(r.thing))
        .tag("name", encodeName(r.name))
        .tag("op", r.op)
        .tag("protocol", r.protocol)
        .tag("ok", r.ok ? "true" : "false")
        .booleanField("valid", r.valid)
        .booleanField("truncated", r.truncated)
        .timestamp(r.ts.toString());
    addTyped(point, "value", r.value);
    addTyped(point, "output", r.output);
    if (r.origin !== undefined) point.stringField("origin", r.origin);
    if (r.error !== undefined) {
        if (survivesCsv(r.error)) point.stringField("error", r.error);
        else point.stringField("error_json", JSON.stringify(r.error));
    }
    if (r.durationMs !== undefined) point.floatField("duration_ms", r.durationMs);
    return point;
}

/** Lines per kind, in record order. */
export function toLines(records: readonly InteractionRecord[]): Map<AffordanceKind, string[]> {
    const out = new Map<AffordanceKind, string[]>();
    for (const r of records) {
        const line = toPoint(r).toLineProtocol();
        if (line === undefined) continue;
        let lines = out.get(r.kind);
        if (lines === undefined) out.set(r.kind, (lines = []));
        lines.push(line);
    }
    return out;
}
