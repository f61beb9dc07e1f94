import { escape } from "@influxdata/influxdb-client";
import type { AffordanceKind, InteractionRecord } from "../../model/interaction-record";
import { encodeValue } from "../value-encoding";
import type { InfluxLayout } from "../../options/influxdb-options";

/**
 * InfluxDB layouts of a record (one point), in the bucket of its kind (properties | actions | events):
 *
 *   "per-kind" (the default): measurement vo_property | vo_action | vo_event, the Thing id as the tag `thing`.
 *       A fixed set of columns (RECORD_TAGS, `thing`, FIELD_TYPES, time: 23): object values only as JSON text. A fleet
 *       sharing the buckets has 3 tables, whatever its number of Things: within InfluxDB 3's limits (2 000 tables,
 *       500 columns per table).
 *   "per-thing" (earlier releases): measurement the Thing id, no `thing` tag, and besides value_json the leaves of
 *       object values as fields `value.<path>_num | _bool | _str` (at most 64). A table per Thing and kind, and
 *       columns that grow with the values' keys: what InfluxDB 3 cannot take at scale.
 *
 * Both:
 *   tags         name (affordance), op, protocol, ok ("true" | "false"), value_type, output_type
 *   fields       value_num | value_bool | value_str | value_json (one, by type), the same for output_*,
 *                origin, error | error_json, duration_ms, valid, truncated, stale (only when true)
 *   time         the record's nanosecond timestamp
 * The field name carries the type, so a value whose type changes never conflicts with earlier points.
 * Replaying a point writes the same series and timestamp again: it overwrites itself, never duplicates.
 * Every line is built by `line()` below: the one place names and values are escaped.
 */

export type { InfluxLayout };

/** The measurement of each kind in the per-kind layout (a Thing id equal to one of them is ambiguous per-thing). */
export const KIND_MEASUREMENTS: Readonly<Record<AffordanceKind, string>> = {
    property: "vo_property",
    action: "vo_action",
    event: "vo_event",
};

/** The tag holding the (encoded) Thing id in the per-kind layout. */
export const THING_TAG = "thing";

/** Field types of every field but the flattened leaves: what a point of either layout may hold. */
export const FIELD_TYPES = {
    value_num: "number",
    value_bool: "boolean",
    value_str: "string",
    value_json: "string",
    output_num: "number",
    output_bool: "boolean",
    output_str: "string",
    output_json: "string",
    origin: "string",
    error: "string",
    error_json: "string",
    duration_ms: "number",
    valid: "boolean",
    truncated: "boolean",
    stale: "boolean",
} as const;

export const RECORD_TAGS = ["name", "op", "protocol", "ok", "value_type", "output_type"] as const;

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
export function toLine(r: InteractionRecord, layout: InfluxLayout): string {
    const perKind = layout === "per-kind";
    const tags: [string, string][] = [
        ["name", encodeName(r.name)],
        ["ok", r.ok ? "true" : "false"],
        ["op", r.op],
    ];
    const fields: [string, string][] = [
        ["valid", r.valid ? "T" : "F"],
        ["truncated", r.truncated ? "T" : "F"],
    ];
    addTyped(tags, fields, "output", r.output, !perKind);
    tags.push(["protocol", r.protocol]);
    if (perKind) tags.push([THING_TAG, encodeName(r.thing)]);
    addTyped(tags, fields, "value", r.value, !perKind);
    if (r.origin !== undefined) fields.push(["origin", quoted(r.origin)]);
    if (r.stale === true) fields.push(["stale", "T"]);
    if (r.error !== undefined) {
        if (survivesCsv(r.error)) fields.push(["error", quoted(r.error)]);
        else fields.push(["error_json", quoted(JSON.stringify(r.error))]);
    }
    if (r.durationMs !== undefined && Number.isFinite(r.durationMs)) {
        fields.push(["duration_ms", String(r.durationMs)]);
    }
    fields.sort(byKey);
    return line(perKind ? KIND_MEASUREMENTS[r.kind] : encodeName(r.thing), tags, fields, r.ts);
}

function byKey(x: [string, string], y: [string, string]): number {
    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0;
}

/**
 * One line: the measurement and tag values escaped for line protocol (names already %-encoded by encodeName),
 * tags and fields in the order given (sorted by key), field values already rendered (`fieldText`).
 */
function line(measurement: string, tags: [string, string][], fields: [string, string][], ts: bigint | string): string {
    let text = MEASUREMENT_SPECIAL.test(measurement) ? escape.measurement(measurement) : measurement;
    for (const [k, v] of tags) text += `,${k}=${tagText(v)}`;
    let sep = " ";
    for (const [k, v] of fields) {
        text += `${sep}${tagText(k)}=${v}`;
        sep = ",";
    }
    return `${text} ${ts}`;
}

/** A field value of line protocol: a float, T / F, or a quoted string. */
export function fieldText(value: number | boolean | string): string {
    return typeof value === "number" ? String(value) : typeof value === "boolean" ? (value ? "T" : "F") : quoted(value);
}

/**
 * A point read back from either layout, as the per-kind layout's line: tags and fields exactly as stored (the
 * Thing's encoded id as the `thing` tag), so that copying it twice writes the same series and timestamp.
 * Tags that are empty and fields that are null are left out, as they were never written.
 */
export function perKindLine(
    kind: AffordanceKind,
    encodedThing: string,
    tags: Readonly<Record<string, string | undefined>>,
    fields: Readonly<Record<string, number | boolean | string | undefined>>,
    ts: bigint
): string {
    const tagList: [string, string][] = Object.entries({ ...tags, [THING_TAG]: encodedThing })
        .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== "")
        .sort(byKey);
    const fieldList: [string, string][] = Object.entries(fields)
        .filter((e): e is [string, number | boolean | string] => e[1] !== undefined)
        .map(([k, v]) => [k, fieldText(v)] as [string, string])
        .sort(byKey);
    return line(KIND_MEASUREMENTS[kind], tagList, fieldList, ts);
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
function addTyped(
    tags: [string, string][],
    fields: [string, string][],
    prefix: string,
    value: unknown,
    leaves: boolean
): void {
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
            if (leaves && typeof value === "object") flatten(fields, prefix, value, 0, { left: MAX_FLATTENED_LEAVES });
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
export function toLines(records: readonly InteractionRecord[], layout: InfluxLayout): Map<AffordanceKind, string[]> {
    const out = new Map<AffordanceKind, string[]>();
    for (const r of records) {
        let lines = out.get(r.kind);
        if (lines === undefined) out.set(r.kind, (lines = []));
        lines.push(toLine(r, layout));
    }
    return out;
}
