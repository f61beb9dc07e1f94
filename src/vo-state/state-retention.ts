import type { Database } from "../sqlite/database";

/** Rows one delete removes at most, so other statements wait for no more than a few milliseconds. */
const STEP_ROWS = 2000;

/** SQLite's CURRENT_TIMESTAMP text of a time (UTC), which the VO's tables' text times compare with. */
const sqliteTime = (ms: number): string => new Date(ms).toISOString().replace("T", " ").replace("Z", "");

/**
 * Deletes the VO's own rows past their retention, a step at a time: `vo_status` rows and closed `observer`
 * rows older than the raw points' retention; `device_status` and `vo_run` rows (the VO-down and device-lost
 * gaps a history answer shows) only with the statistics they annotate, so never while those are kept for
 * ever. Rows a script wrote with a time that is not SQLite's text (a number) are left alone. The seed's
 * columns keep their meaning; only old rows go. Returns the rows deleted.
 */
export async function purgeStateTables(db: Database, rawBeforeMs: number, statsBeforeMs: number | null) {
    const raw = sqliteTime(rawBeforeMs);
    let deleted = await steps(db, "vo_status", "typeof(timestamp) = 'text' AND timestamp < ?", raw);
    deleted += await steps(db, "observer", "typeof(ended_at) = 'text' AND ended_at < ?", raw);
    if (statsBeforeMs !== null) {
        const stats = sqliteTime(statsBeforeMs);
        deleted += await steps(db, "device_status", "typeof(timestamp) = 'text' AND timestamp < ?", stats);
        deleted += await steps(db, "vo_run", "stopped_at IS NOT NULL AND last_seen < ?", statsBeforeMs);
    }
    return deleted;
}

async function steps(db: Database, table: string, where: string, before: string | number): Promise<number> {
    let total = 0;
    for (;;) {
        const { changes } = await db.run(
            `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${where} LIMIT ${STEP_ROWS})`,
            [before]
        );
        total += changes;
        if (changes < STEP_ROWS) return total;
        await new Promise((resolve) => setImmediate(resolve));
    }
}
