import { Database, Executor, SqliteError } from "./database";
import { LEAN_LAYOUT_CHECK, LEAN_LAYOUT_SQL } from "./lean-layout";
import { createLogger } from "../log";

const { debug } = createLogger("sqlite:migrations");

export interface Migration {
    version: number;
    description: string;
    sql: string;
    /** run after `sql` in the same transaction: throws (and so rolls the step back) if the step lost anything */
    verify?: (tx: Executor) => Promise<void>;
}

/**
 * Width of a `ts_rollup` bucket in nanoseconds (migration 7): buckets start at multiples of it since the epoch.
 * Part of the schema: the stored partials are only right for this width, so it never changes.
 */
export const ROLLUP_BUCKET_NS = 10_000_000_000n;

const BUCKET_WIDTH = ROLLUP_BUCKET_NS.toString();
/** The bucket of a time, also before 1970 (`%` truncates towards zero). */
export const bucketOf = (ts: string): string =>
    `${ts} - ((${ts} % ${BUCKET_WIDTH}) + ${BUCKET_WIDTH}) % ${BUCKET_WIDTH}`;
/** The rows a partial counts: numeric values (numbers, booleans as 0/1) of successful interactions. */
export const countedRow = (r: string): string =>
    `${r}.ok = 1 AND ${r}.value_type IN ('number', 'boolean') AND ${r}.value IS NOT NULL`;

/**
 * Migration 7: one row per series, op and 10-second bucket with the count, sum, min and max of the
 * counted values of the rows up to `ts_rollup_state.rolled_id`: what `mean`, `count`, `sum`, `min`
 * and `max` windows need, so a 1000-window mean over a million points reads partials instead of
 * every row. Rows are rolled up in batches by rowid (the embedded store's `rollUp`), not by a trigger
 * per insert, which cost about 7 us of the SQLite thread per record. A delete or an update of a row
 * already rolled up (a script's own SQL) recomputes its bucket from the rolled-up rows by trigger;
 * after any delete, rolled_id is kept at most the largest rowid, which the next insert reuses plus one.
 * bucket comes before op in the key: a window is one range of the key whatever the ops.
 */
function rollupMigration(): string {
    const rolled = "(SELECT rolled_id FROM ts_rollup_state)";
    // only for a row already rolled up; each statement checks it, so one trigger can run them in order
    const recompute = (r: string, guard: string) => `
    DELETE FROM ts_rollup WHERE thing = ${r}.thing AND kind = ${r}.kind AND name = ${r}.name
        AND bucket = ${bucketOf(`${r}.ts`)} AND op = ${r}.op AND ${guard};
    INSERT INTO ts_rollup (thing, kind, name, bucket, op, n, total, lo, hi)
        SELECT thing, kind, name, ${bucketOf(`${r}.ts`)}, op, COUNT(value), TOTAL(value), MIN(value), MAX(value)
        FROM ts_interaction AS x
        WHERE thing = ${r}.thing AND kind = ${r}.kind AND name = ${r}.name AND op = ${r}.op
          AND ts >= ${bucketOf(`${r}.ts`)} AND ts < ${bucketOf(`${r}.ts`)} + ${BUCKET_WIDTH}
          AND id <= ${rolled} AND ${countedRow("x")} AND ${guard}
        GROUP BY thing HAVING COUNT(value) > 0;`;
    const wasRolled = `OLD.id <= ${rolled}`;
    return `
CREATE TABLE ts_rollup (
    thing TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    op TEXT NOT NULL,
    n INTEGER NOT NULL,
    total REAL NOT NULL,
    lo NOT NULL,
    hi NOT NULL,
    PRIMARY KEY (thing, kind, name, bucket, op)
) WITHOUT ROWID;
CREATE TABLE ts_rollup_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    rolled_id INTEGER NOT NULL
);
INSERT INTO ts_rollup_state (id, rolled_id) SELECT 1, COALESCE(MAX(id), 0) FROM ts_interaction;
INSERT INTO ts_rollup (thing, kind, name, bucket, op, n, total, lo, hi)
    SELECT thing, kind, name, ${bucketOf("ts")} AS b, op, COUNT(value), TOTAL(value), MIN(value), MAX(value)
    FROM ts_interaction AS r WHERE ${countedRow("r")}
    GROUP BY thing, kind, name, b, op;
CREATE TRIGGER ts_rollup_delete AFTER DELETE ON ts_interaction
BEGIN${recompute("OLD", `${wasRolled} AND ${countedRow("OLD")}`)}
    UPDATE ts_rollup_state SET rolled_id = MIN(rolled_id, COALESCE((SELECT MAX(id) FROM ts_interaction), 0));
END;
CREATE TRIGGER ts_rollup_update AFTER UPDATE OF ts, thing, kind, name, op, ok, value, value_type ON ts_interaction
WHEN ${wasRolled}
BEGIN${recompute("OLD", "1")}${recompute("NEW", "1")}
END;
`;
}

/**
 * The schema, as an append-only list. Version 1 is the original VO schema exactly as published;
 * later versions only add (columns, indices, tables) so the original columns keep their meaning.
 * Never edit a released entry: add a new one.
 */
export const MIGRATIONS: readonly Migration[] = [
    {
        version: 1,
        description: "original VO tables",
        sql: `
CREATE TABLE IF NOT EXISTS vo_status (id INTEGER PRIMARY KEY, timestamp DATETIME DEFAULT CURRENT_TIMESTAMP, status INTEGER);
CREATE TABLE IF NOT EXISTS device_status (id INTEGER PRIMARY KEY, timestamp DATETIME DEFAULT CURRENT_TIMESTAMP, status INTEGER);
CREATE TABLE IF NOT EXISTS observer (id INTEGER PRIMARY KEY, ip TEXT);
CREATE TABLE IF NOT EXISTS redirect_ip (id INTEGER PRIMARY KEY, ip TEXT);
CREATE TABLE IF NOT EXISTS info (id INTEGER PRIMARY KEY, device_ip TEXT);
`,
    },
    {
        version: 2,
        description: "embedded time series of interactions",
        // One row per interaction. ts is nanoseconds since the epoch (fits a 64-bit integer until 2262).
        // value/output keep SQLite's own type (REAL, INTEGER, TEXT); *_type says how to give it back:
        // number, boolean (0/1), string, json (objects, arrays and null as JSON text).
        sql: `
CREATE TABLE ts_interaction (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    thing TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('property', 'action', 'event')),
    name TEXT NOT NULL,
    op TEXT NOT NULL,
    protocol TEXT NOT NULL,
    origin TEXT,
    ok INTEGER NOT NULL,
    value,
    value_type TEXT,
    output,
    output_type TEXT,
    error TEXT,
    duration_ms REAL,
    valid INTEGER NOT NULL DEFAULT 1,
    truncated INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ts_interaction_series ON ts_interaction (thing, kind, name, ts);
CREATE INDEX ts_interaction_time ON ts_interaction (ts);
`,
    },
    {
        version: 3,
        description: "durable spool of batches a remote store has not accepted yet",
        // One row per batch of one kind; payload is what the store sends (InfluxDB line protocol).
        // priority orders what the disk bound drops first: lower goes first (actions are kept longest).
        sql: `
CREATE TABLE spool (
    id INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    priority INTEGER NOT NULL,
    points INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX spool_drop_order ON spool (priority, id);
`,
    },
    {
        version: 4,
        description: "VO health, device liveness, observers, redirects and device address as living history",
        // The original columns keep their meaning: vo_status.status and device_status.status are the
        // documented codes (docs/reference.md), observer.ip and redirect_ip.ip and info.device_ip the addresses.
        sql: `
ALTER TABLE vo_status ADD COLUMN detail TEXT;
CREATE INDEX vo_status_time ON vo_status (timestamp);
ALTER TABLE device_status ADD COLUMN state TEXT;
ALTER TABLE device_status ADD COLUMN previous TEXT;
ALTER TABLE device_status ADD COLUMN reason TEXT;
ALTER TABLE device_status ADD COLUMN device TEXT;
ALTER TABLE observer ADD COLUMN port INTEGER;
ALTER TABLE observer ADD COLUMN protocol TEXT;
ALTER TABLE observer ADD COLUMN thing TEXT;
ALTER TABLE observer ADD COLUMN affordance TEXT;
ALTER TABLE observer ADD COLUMN op TEXT;
ALTER TABLE observer ADD COLUMN started_at DATETIME;
ALTER TABLE observer ADD COLUMN ended_at DATETIME;
ALTER TABLE observer ADD COLUMN end_reason TEXT;
CREATE INDEX observer_open ON observer (ended_at);
ALTER TABLE redirect_ip ADD COLUMN created_at DATETIME;
ALTER TABLE redirect_ip ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE info ADD COLUMN source TEXT;
ALTER TABLE info ADD COLUMN updated_at DATETIME;
`,
    },
    {
        version: 5,
        description: "reads a proxy answered from the last recorded value while its device was lost",
        sql: `ALTER TABLE ts_interaction ADD COLUMN stale INTEGER NOT NULL DEFAULT 0;`,
    },
    {
        version: 6,
        description: "runs of the VO (start, heartbeat, clean stop) and the Things that front its device",
        // Times are epoch milliseconds. last_seen is the heartbeat: after a SIGKILL or a power loss
        // it is the last moment the run is known to have been up; stopped_at is set by a clean stop.
        // device_thing says whose history a device_status row explains (a mirror, a push target).
        sql: `
CREATE TABLE vo_run (
    id INTEGER PRIMARY KEY,
    started_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    heartbeat_ms INTEGER NOT NULL,
    stopped_at INTEGER,
    unclean INTEGER NOT NULL DEFAULT 0,
    pid INTEGER
);
CREATE INDEX vo_run_start ON vo_run (started_at);
CREATE TABLE device_thing (
    thing TEXT NOT NULL,
    device TEXT NOT NULL,
    since INTEGER NOT NULL,
    PRIMARY KEY (thing, device)
);
`,
    },
    {
        version: 7,
        description: "per-10-second partial aggregates of each series, rolled up by rowid",
        sql: rollupMigration(),
    },
    {
        version: 8,
        description: "vo_status and device_status codes as vo-wot writes them (1 ok / answered, 0 failed / not)",
        // Rows this VO wrote carry their state (vo_status: in detail until now); their status codes were
        // 0 ok, 1 degraded, 2 failed and 1 alive, 2 suspect, 0 lost. Rows without (vo-wot's, a script's) keep theirs.
        sql: `
ALTER TABLE vo_status ADD COLUMN state TEXT;
UPDATE vo_status SET state = CASE status WHEN 0 THEN 'ok' WHEN 1 THEN 'degraded' WHEN 2 THEN 'failed' END
    WHERE json_valid(detail) AND json_extract(detail, '$.checks') IS NOT NULL;
UPDATE vo_status SET status = CASE state WHEN 'failed' THEN 0 ELSE 1 END WHERE state IS NOT NULL;
UPDATE device_status SET status = 0 WHERE state = 'suspect';
`,
    },
    {
        version: 9,
        description: "lean time series: interned series and origins, points clustered on (series, ts), statistics",
        sql: LEAN_LAYOUT_SQL,
        verify: verifyLeanLayout,
    },
];

async function verifyLeanLayout(tx: Executor): Promise<void> {
    const counts = await tx.get<{ old: number; moved: number }>(LEAN_LAYOUT_CHECK);
    if (counts === undefined || counts.old !== counts.moved) {
        throw new SqliteError(
            `moving the time series to the lean layout kept ${counts?.moved} of ${counts?.old} rows: nothing was changed`
        );
    }
    await tx.exec("DROP TABLE ts_interaction_moved");
}

/** Brings the file to the newest version, each step in its own transaction; returns the version reached. */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<number> {
    const row = await db.get<{ user_version: number }>("PRAGMA user_version");
    const current = row?.user_version ?? 0;
    const newest = migrations[migrations.length - 1]?.version ?? 0;
    if (current > newest) {
        throw new SqliteError(
            `SQLite database ${db.file} has schema version ${current}, newer than this node-wot-vo knows (${newest})`
        );
    }
    for (const m of migrations) {
        if (m.version <= current) continue;
        debug("migrating %s to version %d: %s", db.file, m.version, m.description);
        await db.transaction(async (tx) => {
            await tx.exec(m.sql);
            await m.verify?.(tx);
            // PRAGMA takes no bound parameters; version is a number from the list above.
            await tx.exec(`PRAGMA user_version = ${Number(m.version)}`);
        });
    }
    await useIncrementalVacuum(db);
    return Math.max(current, newest);
}

/**
 * Purging old points frees pages inside the file; with incremental auto-vacuum the file can give them
 * back to the filesystem in small steps (`PRAGMA incremental_vacuum(N)`), which the disk watermark
 * needs. The mode of an existing file changes only by a VACUUM, once (it rewrites the file).
 */
async function useIncrementalVacuum(db: Database): Promise<void> {
    const mode = await db.get<{ auto_vacuum: number }>("PRAGMA auto_vacuum");
    if (mode?.auto_vacuum === 2) return;
    debug("switching %s to incremental auto-vacuum (one VACUUM)", db.file);
    await db.exec("PRAGMA auto_vacuum = INCREMENTAL");
    await db.exec("VACUUM");
}
