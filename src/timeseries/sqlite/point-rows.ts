import type { InteractionRecord } from "../../model/interaction-record";
import { CODE, OP_CODES, PROTOCOL_CODES, TYPE_CODES } from "../../sqlite/lean-layout";
import { decodeValue, encodeValue } from "../value-encoding";
import type { HistoryRecord } from "../time-series-store";

/** Positions in a point's JSON array, as the INSERT reads them. */
const AT = { series: 0, ts: 1, code: 2, value: 3, origin: 4, port: 5, durationUs: 6, output: 7, error: 8 } as const;
/**
 * Where a REAL's exact parts go, past the columns: [mantissa, exponent]. SQLite's text-to-double
 * conversion, its JSON parser's too, is not correctly rounded: about 1 in 10 000 random doubles came
 * back one unit in the last place off (SQLite 3.44 and 3.52 alike). An integer below 2^53 and a power
 * of two are exact in any conversion, and so is their product.
 */
const EXACT = { value: 9, output: 11 } as const;

const exactColumn = (i: number, exact: number): string =>
    `COALESCE(r ->> ${i}, (r ->> ${exact}) * pow(2.0, r ->> ${exact + 1}))`;

// Each point is one JSON array. The CTE is materialized so that json_each renders each record's text
// once (read straight from json_each, `value` is rendered again for every `->>`, SQLite 3.44).
export const INSERT_POINTS =
    `WITH batch(k, r) AS MATERIALIZED (SELECT key, value FROM json_each(?)) ` +
    `INSERT INTO ts_point (series, ts, code, value, origin, port, duration_us, output, error) ` +
    `SELECT r ->> 0, r ->> 1, r ->> 2, ${exactColumn(AT.value, EXACT.value)}, r ->> 4, r ->> 5, r ->> 6, ` +
    `${exactColumn(AT.output, EXACT.output)}, r ->> 8 FROM batch ORDER BY k`;

const OP = new Map<string, number>(OP_CODES.map((op, i) => [op, i]));
const PROTOCOL = new Map<string, number>(PROTOCOL_CODES.map((p, i) => [p, i]));
const TYPE = new Map<string | null, number>(TYPE_CODES.map((t, i) => [t, i]));

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const [LO, HI] = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? [0, 1] : [1, 0];

/** Puts a number in row[at] as JSON has it, or, where SQLite could not read that back exactly, its exact parts in row[exact], row[exact + 1]. */
function putNumber(row: unknown[], at: number, exact: number, x: number): void {
    if (Number.isSafeInteger(x) || !Number.isFinite(x)) {
        row[at] = x;
        return;
    }
    F64[0] = x;
    const lo = U32[LO];
    const hi = U32[HI];
    const biased = (hi >>> 20) & 0x7ff;
    let m = (hi & 0xfffff) * 2 ** 32 + lo + (biased === 0 ? 0 : 2 ** 52);
    let e = biased === 0 ? -1074 : biased - 1075;
    // drop the mantissa's trailing zero bits: 21.5 travels as 43 * 2^-1, not 16 digits
    const zeros =
        lo !== 0 ? 31 - Math.clz32(lo & -lo) : 32 + 31 - Math.clz32(hi & 0xfffff & -(hi & 0xfffff) || 2 ** 20);
    m /= 2 ** zeros;
    e += zeros;
    row[at] = null;
    row[exact] = hi >>> 31 === 1 ? -m : m;
    row[exact + 1] = e;
}

/** Puts a value in row[at] (booleans as 0/1, so they aggregate) and returns its type code. */
function putValue(row: unknown[], at: number, exact: number, value: unknown): number {
    const e = encodeValue(value);
    if (e === undefined) return 0;
    if (e.type === "number") putNumber(row, at, exact, e.value);
    else row[at] = e.type === "boolean" ? (e.value ? 1 : 0) : e.value;
    return TYPE.get(e.type)!;
}

/** An origin `host:port` as the interned host and the port (an integer without leading zeros), else the whole. */
export function splitOrigin(origin: string): { host: string; port: number | null } {
    const m = /^(.*):(0|[1-9]\d{0,4})$/s.exec(origin);
    return m === null ? { host: origin, port: null } : { host: m[1], port: Number(m[2]) };
}

/** The packed `code` of a record (CODE in sqlite/lean-layout.ts); value type codes are filled in by pointRow. */
function codeOf(r: InteractionRecord): number {
    const op = OP.get(r.op);
    const protocol = PROTOCOL.get(r.protocol);
    if (op === undefined || protocol === undefined) {
        throw new Error(`no code for op ${r.op} or protocol ${r.protocol} in the embedded store's layout`);
    }
    let code = op | (protocol << CODE.protocolShift);
    if (!r.ok) code |= CODE.failed;
    if (!r.valid) code |= CODE.invalid;
    if (r.truncated) code |= CODE.truncated;
    if (r.stale === true) code |= CODE.stale;
    return code;
}

/** One record as the JSON array INSERT_POINTS reads, trailing nulls left off. */
export function pointRow(r: InteractionRecord, series: number, ts: bigint, origin: number | null, port: number | null) {
    const row: unknown[] = [series, ts.toString(), 0, null, origin, port, null, null, r.error ?? null];
    let code = codeOf(r);
    if (r.value !== undefined) code |= putValue(row, AT.value, EXACT.value, r.value) << CODE.valueTypeShift;
    if (r.output !== undefined) code |= putValue(row, AT.output, EXACT.output, r.output) << CODE.outputTypeShift;
    if (r.durationMs !== undefined) row[AT.durationUs] = Math.round(r.durationMs * 1000);
    row[AT.code] = code;
    let end = row.length;
    while (end > AT.code + 1 && row[end - 1] === null) end--;
    row.length = end;
    return row;
}

/**
 * A stored point as read back: the columns that are never REAL as one JSON array (`j`), the two that
 * may be REAL as they are. node-sqlite3 builds a JavaScript object per row at about 0.3 us per column;
 * REALs stay out of the JSON because SQLite renders them with 15 digits there.
 */
export interface StoredPoint {
    j: string;
    value: unknown;
    output: unknown;
}

/** The columns of a StoredPoint, from `ts_point AS p` joined with `ts_origin AS h` (the series is the query's). */
export const POINT_COLUMNS = `json_array(CAST(p.ts AS TEXT), p.code,
    CASE WHEN p.port IS NULL THEN h.host ELSE h.host || ':' || p.port END, p.error, p.duration_us) AS j, p.value, p.output`;
export const POINT_FROM = "ts_point AS p LEFT JOIN ts_origin AS h ON h.id = p.origin";

type Fields = [ts: string, code: number, origin: string | null, error: string | null, durationUs: number | null];

export function toHistoryRecord(
    p: StoredPoint,
    series: { thing: string; kind: HistoryRecord["kind"]; name: string }
): HistoryRecord {
    const [ts, code, origin, error, durationUs] = JSON.parse(p.j) as Fields;
    return {
        time: new Date(Number(BigInt(ts) / 1_000_000n)),
        timestampNs: ts,
        thing: series.thing,
        kind: series.kind,
        name: series.name,
        op: OP_CODES[code & CODE.opMask],
        protocol: PROTOCOL_CODES[(code >> CODE.protocolShift) & CODE.protocolMask],
        origin: origin ?? undefined,
        ok: (code & CODE.failed) === 0,
        value: decodeValue(p.value, TYPE_CODES[(code >> CODE.valueTypeShift) & CODE.typeMask]),
        output: decodeValue(p.output, TYPE_CODES[(code >> CODE.outputTypeShift) & CODE.typeMask]),
        error: error ?? undefined,
        durationMs: durationUs === null ? undefined : durationUs / 1000,
        valid: (code & CODE.invalid) === 0,
        truncated: (code & CODE.truncated) !== 0,
        stale: (code & CODE.stale) !== 0,
    };
}

/** The op codes of a filter, for `IN (...)`. */
export const opCodes = (ops: readonly string[]): number[] => ops.map((op) => OP.get(op) ?? -1);
