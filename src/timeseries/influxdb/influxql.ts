/**
 * InfluxQL statements: the one query language every InfluxDB answers, on its v1-compatible `/query` endpoint
 * (1.8; 2.x OSS, where each bucket is a database of its own name through a virtual DBRP mapping; Cloud; 3.x).
 * Every statement this project sends keeps to the subset all of them share:
 *
 *   - one statement per request, always a SELECT on one measurement (`FROM "m"`, no regex, no subquery)
 *   - projections: fields and tags by name, or the aggregates count, sum, mean, min, max, first and last of
 *     one field each (no casts: not every version has them)
 *   - WHERE: `time >= <ns> AND time < <ns>` as integer nanoseconds, `tag = 'text'`, `tag != 'text'`,
 *     `tag != ''` (the tag is set), `field = true`, joined with AND and parenthesized OR
 *   - `GROUP BY time(<duration>) fill(none)`: windows aligned to the epoch, empty ones left out
 *   - `ORDER BY time DESC` (ascending is the default and never written)
 *   - `LIMIT n`, and OFFSET only together with LIMIT
 *   - not used: SLIMIT / SOFFSET, SELECT INTO, SHOW SERIES / DATABASES / MEASUREMENTS, `tz()` (not on Cloud
 *     Serverless), `;`-joined statements, regular expressions, functions but those above
 *
 * Text enters a statement only here: identifiers are always double-quoted (`quoteIdent`), strings always
 * single-quoted (`quoteString`), each with the escapes InfluxQL's scanner knows (`\\`, `\"`, `\'`, `\n`;
 * any other character, tabs and carriage returns included, stands for itself), so a name that is a keyword,
 * holds quotes, backslashes, newlines or any Unicode stays data. Everything else is a number, a duration or a
 * fixed word written here; the statement types below (`Projection`, `Condition`) are built only by this file.
 */

/** A piece of a statement made by this file; anything else is not accepted where a statement is built. */
class Fragment {
    private constructor(private readonly text: string) {}

    /** Only this file makes fragments: text here is escaped or fixed. */
    static of(text: string): Fragment {
        return new Fragment(text);
    }

    toString(): string {
        return this.text;
    }
}

export type Projection = Fragment;
export type Condition = Fragment;

/** The aggregate functions statements use. */
export type InfluxQLFunction = "count" | "sum" | "mean" | "min" | "max" | "first" | "last";

const ESCAPES: Record<string, string> = { "\\": "\\\\", '"': '\\"', "'": "\\'", "\n": "\\n" };

/** An identifier (measurement, tag or field name), double-quoted. */
export function quoteIdent(name: string): string {
    return `"${name.replace(/[\\"\n]/g, (c) => ESCAPES[c])}"`;
}

/** A string literal, single-quoted. */
export function quoteString(text: string): string {
    return `'${text.replace(/[\\'\n]/g, (c) => ESCAPES[c])}'`;
}

/** The times InfluxDB can hold (InfluxQL's MinTime and MaxTime, nanoseconds since the epoch). */
export const MIN_TIME_NS = -9_223_372_036_854_775_806n;
export const MAX_TIME_NS = 9_223_372_036_854_775_806n;

/** A time as an integer of nanoseconds, held to what InfluxDB can represent. */
export function timeLiteral(ns: bigint): string {
    return (ns < MIN_TIME_NS ? MIN_TIME_NS : ns > MAX_TIME_NS ? MAX_TIME_NS : ns).toString();
}

const UNITS: [unit: string, ns: bigint][] = [
    ["w", 604_800_000_000_000n],
    ["d", 86_400_000_000_000n],
    ["h", 3_600_000_000_000n],
    ["m", 60_000_000_000n],
    ["s", 1_000_000_000n],
    ["ms", 1_000_000n],
    ["u", 1_000n],
    ["ns", 1n],
];

/** A positive duration in the largest unit that holds it exactly: `10s`, `90m`, `1500ms`. */
export function durationLiteral(ns: bigint): string {
    if (ns <= 0n) throw new RangeError(`an InfluxQL duration must be positive, not ${ns}ns`);
    const [unit, size] = UNITS.find(([, size]) => ns % size === 0n)!;
    return `${ns / size}${unit}`;
}

/** A field or tag as a column of the answer. */
export function column(name: string): Projection {
    return Fragment.of(quoteIdent(name));
}

/** `fn("field")`; the answer's column is named after the function (a second one of the same name gets `_1`). */
export function aggregate(fn: InfluxQLFunction, field: string): Projection {
    return Fragment.of(`${fn}(${quoteIdent(field)})`);
}

/** `time >= start AND time < stop`. */
export function timeRange(startNs: bigint, stopNs: bigint): Condition {
    return Fragment.of(`time >= ${timeLiteral(startNs)} AND time < ${timeLiteral(stopNs)}`);
}

export function tagEquals(tag: string, value: string): Condition {
    return Fragment.of(`${quoteIdent(tag)} = ${quoteString(value)}`);
}

export function tagNotEquals(tag: string, value: string): Condition {
    return Fragment.of(`${quoteIdent(tag)} != ${quoteString(value)}`);
}

/** The tag is set on the series (a tag a series lacks reads as the empty string). */
export function tagIsSet(tag: string): Condition {
    return tagNotEquals(tag, "");
}

/** Points whose boolean field is true. */
export function fieldIsTrue(field: string): Condition {
    return Fragment.of(`${quoteIdent(field)} = true`);
}

/** Any of the conditions, in parentheses; at least one is needed (InfluxQL has no portable `false`). */
export function anyOf(conditions: readonly Condition[]): Condition {
    if (conditions.length === 0) throw new RangeError("anyOf: no condition");
    return conditions.length === 1 ? conditions[0] : Fragment.of(`(${conditions.join(" OR ")})`);
}

export interface SelectStatement {
    select: readonly Projection[];
    /** the measurement */
    from: string;
    /** joined with AND */
    where: readonly Condition[];
    /** nanoseconds: `GROUP BY time(every) fill(none)` */
    groupByTimeNs?: bigint;
    /** newest first: `ORDER BY time DESC` */
    newestFirst?: boolean;
    limit?: number;
    /** only with a limit */
    offset?: number;
}

function count(what: string, n: number | undefined, min: number): string {
    if (n === undefined) return "";
    if (!Number.isSafeInteger(n) || n < min) throw new RangeError(`${what}: ${n} is not an integer >= ${min}`);
    return ` ${what.toUpperCase()} ${n}`;
}

/** One SELECT statement of the subset above. */
export function selectStatement(s: SelectStatement): string {
    if (s.select.length === 0) throw new RangeError("SELECT: no column");
    if (s.offset !== undefined && s.limit === undefined) throw new RangeError("OFFSET is only sent with a LIMIT");
    let text = `SELECT ${s.select.join(", ")} FROM ${quoteIdent(s.from)}`;
    if (s.where.length > 0) text += ` WHERE ${s.where.join(" AND ")}`;
    if (s.groupByTimeNs !== undefined) text += ` GROUP BY time(${durationLiteral(s.groupByTimeNs)}) fill(none)`;
    if (s.newestFirst === true) text += " ORDER BY time DESC";
    return text + count("limit", s.limit, 1) + count("offset", s.offset, 0);
}

/** What a `$name` of a script's statement may stand for. */
export type InfluxQLParam = string | number | bigint | boolean | Date;

/** One value as an InfluxQL literal: strings quoted, numbers in plain decimals, a Date as an RFC 3339 string. */
export function literal(value: InfluxQLParam): string {
    switch (typeof value) {
        case "string":
            return quoteString(value);
        case "boolean":
            return value ? "true" : "false";
        case "bigint":
            return value.toString();
        case "number":
            if (!Number.isFinite(value)) throw new RangeError(`${value} has no InfluxQL literal`);
            return plainDecimal(value);
        default:
            if (value instanceof Date && !Number.isNaN(value.getTime())) return quoteString(value.toISOString());
            throw new TypeError(`no InfluxQL literal for ${Object.prototype.toString.call(value)}`);
    }
}

/** InfluxQL numbers have no exponent: 1e21 is written out, 1e-7 as 0.0000001 (the same double). */
function plainDecimal(n: number): string {
    const text = String(n);
    const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
    if (m === null) return text;
    const [, sign, lead, rest = "", exp] = m;
    const digits = lead + rest;
    const point = 1 + Number(exp); // where the decimal point falls in `digits`
    if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
    return `${sign}${digits.padEnd(point, "0")}${digits.length > point ? `.${digits.slice(point)}` : ""}`;
}

/**
 * A script's statement with each `$name` outside quotes and comments replaced by its value as a literal (the server is
 * never asked to bind: not every version can). A `$name` without a value is an error, so is a value unused.
 */
export function bindParams(statement: string, params: Readonly<Record<string, InfluxQLParam>> = {}): string {
    const used = new Set<string>();
    let out = "";
    let i = 0;
    while (i < statement.length) {
        const c = statement[i];
        const skip = c === "'" || c === '"' ? quotedEnd(statement, i) : commentEnd(statement, i);
        if (skip > i) {
            out += statement.slice(i, skip);
            i = skip;
        } else if (c === "$") {
            const name = /^[A-Za-z0-9_]+/.exec(statement.slice(i + 1))?.[0];
            if (name === undefined) throw new SyntaxError(`a lone $ at ${i}: parameters are $name`);
            if (!Object.prototype.hasOwnProperty.call(params, name)) throw new RangeError(`no value for $${name}`);
            out += literal(params[name]);
            used.add(name);
            i += 1 + name.length;
        } else {
            out += c;
            i++;
        }
    }
    const unused = Object.keys(params).filter((name) => !used.has(name));
    if (unused.length > 0) throw new RangeError(`parameters not in the statement: ${unused.join(", ")}`);
    return out;
}

/** Index after the comment (`-- ...` to the line's end, `/* ... *\/`) starting at `start`, or `start` if none does. */
function commentEnd(text: string, start: number): number {
    if (text.startsWith("--", start)) {
        const end = text.indexOf("\n", start);
        return end < 0 ? text.length : end;
    }
    if (text.startsWith("/*", start)) {
        const end = text.indexOf("*/", start + 2);
        return end < 0 ? text.length : end + 2;
    }
    return start;
}

/** Index after the quoted text starting at `start` (its closing quote; a backslash escapes the next character). */
function quotedEnd(text: string, start: number): number {
    const quote = text[start];
    for (let i = start + 1; i < text.length; i++) {
        if (text[i] === "\\") i++;
        else if (text[i] === quote) return i + 1;
    }
    return text.length;
}
