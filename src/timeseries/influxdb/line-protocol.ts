import { escape } from "@influxdata/influxdb-client";
import type { AffordanceKind, InteractionRecord } from "../../model/interaction-record";
import { encodeValue } from "../value-encoding";

/**
 * InfluxDB layout of a record (one point):
 *   bucket       properties | actions | events (by kind)
 *   measurement  the Thing id
 *   tags         name (affordance), op, protocol, ok ("true" | "false"), value_type, output_type
 *   fields       value_num | value_bool | value_str | value_json (one, by type), the same for output_*,
 *                value.<path>_num | _bool | _str for the leaves of object values (queryable without JSON),
 *                origin, error, duration_ms, valid, truncated, stale (only when true)
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
const NAME_NEEDS_ENCODING = new RegExp(NAME_UNSAFE.source);

export function encodeName(name: string): string {
    if (!NAME_NEEDS_ENCODING.test(name)) return name;
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

/**
 * One record as one line. Escaping is the client's own (`escape`); the line is built directly rather
 * than through `Point`, which costs an object, two maps and two sorts per record on the hot path.
 * Tags and fields come out sorted by key, as `Point.toLineProtocol()` writes them (tested).
 */
export function toLine(r: InteractionRecord): string {
    const tags: [string, string][] = [
        ["name", encodeName(r.name)],
        ["ok", r.ok ? "true" : "false"],
        ["op", r.op],
    ];
    const fields: [string, string][] = [
        ["valid", r.valid ? "T" : "F"],
        ["truncated", r.truncated ? "T" : "F"],
    ];
    addTyped(tags, fields, "output", r.output);
    tags.push(["protocol", r.protocol]);
    addTyped(tags, fields, "value", r.value);
    if (r.origin !== undefined) fields.push(["origin", quoted(r.origin)]);
    if (r.stale === true) fields.push(["stale", "T"]);
    if (r.error !== undefined) {
        if (survivesCsv(r.error)) fields.push(["error", quoted(r.error)]);
        else fields.push(["error_json", quoted(JSON.stringify(r.error))]);
    }
    if (r.durationMs !== undefined && Number.isFinite(r.durationMs)) {
        fields.push(["duration_ms", String(r.durationMs)]);
    }
    fields.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    const measurement = encodeName(r.thing);
    let line = MEASUREMENT_SPECIAL.test(measurement) ? escape.measurement(measurement) : measurement;
    for (const [k, v] of tags) line += `,${k}=${tagText(v)}`;
    let sep = " ";
    for (const [k, v] of fields) {
        line += `${sep}${tagText(k)}=${v}`;
        sep = ",";
    }
    return `${line} ${r.ts}`;
}

// The client's escapers walk every character; most names and values need no escaping at all.
const TAG_SPECIAL = /[,= \n\r\t]/;
const MEASUREMENT_SPECIAL = /[, \n\r\t]/;
const QUOTED_SPECIAL = /["\\]/;

/** A string field value: " and \\ escaped, in quotes. */
function quoted(text: string): string {
    return QUOTED_SPECIAL.test(text) ? escape.quoted(text) : `"${text}"`;
}

function tagText(text: string): string {
    return TAG_SPECIAL.test(text) ? escape.tag(text) : text;
}

/** Adds `<prefix>_type` (tags are kept sorted: output_type sorts before protocol, value_type after). */
function addTyped(tags: [string, string][], fields: [string, string][], prefix: string, value: unknown): void {
    let e = encodeValue(value);
    if (e === undefined) return;
    if (e.type === "string" && !survivesCsv(e.value)) e = { type: "json", value: JSON.stringify(e.value) };
    tags.push([`${prefix}_type`, e.type]);
    switch (e.type) {
        case "number":
            fields.push([`${prefix}_num`, String(e.value)]);
            break;
        case "boolean":
            fields.push([`${prefix}_bool`, e.value ? "T" : "F"]);
            break;
        case "string":
            fields.push([`${prefix}_str`, quoted(e.value)]);
            break;
        case "json":
            fields.push([`${prefix}_json`, quoted(e.value)]);
            if (typeof value === "object") flatten(fields, prefix, value, 0, { left: MAX_FLATTENED_LEAVES });
            break;
    }
}

/** Leaves of objects and arrays as typed fields, `value.location.floor_num`, bounded in count and depth. */
function flatten(
    fields: [string, string][],
    path: string,
    value: unknown,
    depth: number,
    budget: { left: number }
): void {
    if (value === null || typeof value !== "object" || depth >= MAX_FLATTEN_DEPTH) return;
    for (const [key, v] of Object.entries(value)) {
        if (budget.left <= 0) return;
        const name = `${path}.${encodeName(key)}`;
        if (typeof v === "number" && Number.isFinite(v)) {
            fields.push([`${name}_num`, String(v)]);
            budget.left--;
        } else if (typeof v === "boolean") {
            fields.push([`${name}_bool`, v ? "T" : "F"]);
            budget.left--;
        } else if (typeof v === "string") {
            fields.push([`${name}_str`, quoted(v)]);
            budget.left--;
        } else {
            flatten(fields, name, v, depth + 1, budget);
        }
    }
}

/** Lines per kind, in record order. */
export function toLines(records: readonly InteractionRecord[]): Map<AffordanceKind, string[]> {
    const out = new Map<AffordanceKind, string[]>();
    for (const r of records) {
        const line = toLine(r);
        let lines = out.get(r.kind);
        if (lines === undefined) out.set(r.kind, (lines = []));
        lines.push(line);
    }
    return out;
}
