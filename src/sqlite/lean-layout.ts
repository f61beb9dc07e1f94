/**
 * The embedded time series' lean layout (migration 9): what one row of `ts_point` holds and how its
 * `code` packs the operation, protocol, value types and flags. The code lists are part of the file
 * format: a code never changes meaning; a new operation or protocol is appended (and its lookup row
 * added by a migration).
 */

/** Operation codes, by position. */
export const OP_CODES = [
    "readproperty",
    "writeproperty",
    "readallproperties",
    "readmultipleproperties",
    "writeallproperties",
    "writemultipleproperties",
    "observeproperty",
    "unobserveproperty",
    "propertychange",
    "invokeaction",
    "subscribeevent",
    "unsubscribeevent",
    "emitevent",
] as const;

/** Protocol codes, by position. */
export const PROTOCOL_CODES = ["http", "https", "coap", "coaps", "mqtt", "mqtts", "ws", "wss", "local"] as const;

/** Value type codes, by position; 0: no value. */
export const TYPE_CODES = [null, "number", "boolean", "string", "json"] as const;

/**
 * Bits of `ts_point.code`. The usual row (a successful, valid read of a number over HTTP) has only its
 * value type set: 512, two bytes on disk. Flags are set for the unusual case (failed, not valid, ...).
 */
export const CODE = {
    /** bits 0-4 */
    opMask: 0x1f,
    /** bits 5-8 */
    protocolShift: 5,
    protocolMask: 0xf,
    /** bits 9-11 */
    valueTypeShift: 9,
    /** bits 12-14 */
    outputTypeShift: 12,
    typeMask: 0x7,
    failed: 1 << 15,
    invalid: 1 << 16,
    truncated: 1 << 17,
    stale: 1 << 18,
} as const;

/** SQL of the operation code of a `ts_point` row (alias `p`). */
export const opOf = (p: string): string => `(${p}.code & ${CODE.opMask})`;
/** SQL: the row is a success with a numeric value (numbers, booleans as 0/1): what statistics count. */
export const countedPoint = (p: string): string =>
    `(${p}.code & ${CODE.failed}) = 0 AND ((${p}.code >> ${CODE.valueTypeShift}) & ${CODE.typeMask}) IN (1, 2) AND ${p}.value IS NOT NULL`;

/** Widths of the statistics kept in `ts_stat`, in seconds. */
export const STAT_WIDTHS_S = [300, 3600] as const;
export type StatWidth = (typeof STAT_WIDTHS_S)[number];

const rows = (values: readonly (string | null)[]): string =>
    values
        .map((v, i) => (v === null ? undefined : `(${i}, '${v}')`))
        .filter((v) => v !== undefined)
        .join(", ");

const flag = (bit: number): string => `((p.code & ${bit}) != 0)`;

/** `host:port` parts of an origin, as the store splits them (the port an integer written without leading zeros). */
const SPLIT_HOST = `rtrim(origin, '0123456789')`;
const PORT_TEXT = `substr(origin, length(${SPLIT_HOST}) + 1)`;
const HAS_PORT = `(${SPLIT_HOST} LIKE '%:' AND length(${PORT_TEXT}) BETWEEN 1 AND 5 AND (${PORT_TEXT} = '0' OR ${PORT_TEXT} NOT LIKE '0%'))`;

/**
 * Migration 9: the lean layout. Series (Thing, kind, name) and origin hosts are interned; a point is
 * one row of a table clustered on (series, ts), so a series' range is one contiguous read and there is
 * no second index. `ts_interaction` becomes a view with its old columns. `ts_rollup` (10-second
 * partials) gives way to `ts_stat` (5-minute and hourly statistics, kept after the raw points go).
 * Durations are kept to the microsecond. Rows of an existing file are moved over; a (series, ts)
 * that two rows shared (a script's own insert) is kept by moving the later row 1 ns on.
 */
export const LEAN_LAYOUT_SQL = `
DROP TRIGGER IF EXISTS ts_rollup_delete;
DROP TRIGGER IF EXISTS ts_rollup_update;
DROP TABLE IF EXISTS ts_rollup;
DROP TABLE IF EXISTS ts_rollup_state;
CREATE TABLE ts_op (code INTEGER PRIMARY KEY, op TEXT NOT NULL UNIQUE);
INSERT INTO ts_op VALUES ${rows(OP_CODES)};
CREATE TABLE ts_protocol (code INTEGER PRIMARY KEY, protocol TEXT NOT NULL UNIQUE);
INSERT INTO ts_protocol VALUES ${rows(PROTOCOL_CODES)};
CREATE TABLE ts_type (code INTEGER PRIMARY KEY, type TEXT NOT NULL UNIQUE);
INSERT INTO ts_type VALUES ${rows(TYPE_CODES)};
CREATE TABLE ts_series (
    id INTEGER PRIMARY KEY,
    thing TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('property', 'action', 'event')),
    name TEXT NOT NULL,
    UNIQUE (thing, kind, name)
);
CREATE TABLE ts_origin (id INTEGER PRIMARY KEY, host TEXT NOT NULL UNIQUE);
CREATE TABLE ts_point (
    series INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    code INTEGER NOT NULL,
    value,
    origin INTEGER,
    port INTEGER,
    duration_us INTEGER,
    output,
    error TEXT,
    PRIMARY KEY (series, ts)
) WITHOUT ROWID;
CREATE TABLE ts_stat (
    series INTEGER NOT NULL,
    width INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    op INTEGER NOT NULL,
    n INTEGER NOT NULL,
    total REAL NOT NULL,
    lo NOT NULL,
    hi NOT NULL,
    first_ts INTEGER NOT NULL,
    first NOT NULL,
    last_ts INTEGER NOT NULL,
    last NOT NULL,
    PRIMARY KEY (series, width, bucket, op)
) WITHOUT ROWID;
CREATE TABLE ts_rolled (series INTEGER PRIMARY KEY, upto_ts INTEGER NOT NULL);
CREATE TABLE ts_purged (series INTEGER NOT NULL, width INTEGER NOT NULL, before_ts INTEGER NOT NULL, PRIMARY KEY (series, width)) WITHOUT ROWID;

INSERT INTO ts_series (thing, kind, name) SELECT DISTINCT thing, kind, name FROM ts_interaction ORDER BY thing, kind, name;
INSERT INTO ts_origin (host) SELECT DISTINCT CASE WHEN ${HAS_PORT} THEN substr(${SPLIT_HOST}, 1, length(${SPLIT_HOST}) - 1) ELSE origin END
    FROM ts_interaction WHERE origin IS NOT NULL;
INSERT INTO ts_point (series, ts, code, value, origin, port, duration_us, output, error)
SELECT s.id, t.ts + ROW_NUMBER() OVER (PARTITION BY s.id, t.ts ORDER BY t.id) - 1,
    o.code | (pr.code << ${CODE.protocolShift}) | (COALESCE(vt.code, 0) << ${CODE.valueTypeShift})
        | (COALESCE(ot.code, 0) << ${CODE.outputTypeShift})
        | (CASE WHEN t.ok THEN 0 ELSE ${CODE.failed} END) | (CASE WHEN t.valid THEN 0 ELSE ${CODE.invalid} END)
        | (CASE WHEN t.truncated THEN ${CODE.truncated} ELSE 0 END) | (CASE WHEN t.stale THEN ${CODE.stale} ELSE 0 END),
    t.value,
    h.id,
    CASE WHEN t.origin IS NOT NULL AND ${HAS_PORT.replace(/origin/g, "t.origin")} THEN CAST(${PORT_TEXT.replace(/origin/g, "t.origin")} AS INTEGER) END,
    CAST(round(t.duration_ms * 1000) AS INTEGER),
    t.output,
    t.error
FROM ts_interaction AS t
JOIN ts_series AS s ON s.thing = t.thing AND s.kind = t.kind AND s.name = t.name
JOIN ts_op AS o ON o.op = t.op
JOIN ts_protocol AS pr ON pr.protocol = t.protocol
LEFT JOIN ts_type AS vt ON vt.type = t.value_type
LEFT JOIN ts_type AS ot ON ot.type = t.output_type
LEFT JOIN ts_origin AS h ON h.host = CASE WHEN ${HAS_PORT.replace(/origin/g, "t.origin")}
    THEN substr(${SPLIT_HOST.replace(/origin/g, "t.origin")}, 1, length(${SPLIT_HOST.replace(/origin/g, "t.origin")}) - 1) ELSE t.origin END;
INSERT INTO ts_rolled (series, upto_ts) SELECT series, MIN(ts) FROM ts_point GROUP BY series;
CREATE TABLE ts_interaction_moved (old INTEGER NOT NULL, moved INTEGER NOT NULL);
INSERT INTO ts_interaction_moved SELECT (SELECT COUNT(*) FROM ts_interaction), (SELECT COUNT(*) FROM ts_point);
DROP TABLE ts_interaction;

CREATE VIEW ts_interaction AS
SELECT p.ts AS id, p.ts, s.thing, s.kind, s.name, o.op, pr.protocol,
    CASE WHEN p.port IS NULL THEN h.host ELSE h.host || ':' || p.port END AS origin,
    NOT ${flag(CODE.failed)} AS ok,
    p.value, vt.type AS value_type, p.output, ot.type AS output_type, p.error,
    p.duration_us / 1000.0 AS duration_ms,
    NOT ${flag(CODE.invalid)} AS valid, ${flag(CODE.truncated)} AS truncated, ${flag(CODE.stale)} AS stale
FROM ts_point AS p
JOIN ts_series AS s ON s.id = p.series
JOIN ts_op AS o ON o.code = p.code & ${CODE.opMask}
JOIN ts_protocol AS pr ON pr.code = (p.code >> ${CODE.protocolShift}) & ${CODE.protocolMask}
LEFT JOIN ts_type AS vt ON vt.code = (p.code >> ${CODE.valueTypeShift}) & ${CODE.typeMask} AND vt.code != 0
LEFT JOIN ts_type AS ot ON ot.code = (p.code >> ${CODE.outputTypeShift}) & ${CODE.typeMask} AND ot.code != 0
LEFT JOIN ts_origin AS h ON h.id = p.origin;
`;

/** After migration 9: every row of the old table has its point, or the migration is rolled back. */
export const LEAN_LAYOUT_CHECK = `SELECT old, moved FROM ts_interaction_moved`;
