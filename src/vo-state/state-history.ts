import type { Database } from "../sqlite/database";

/** One run of the VO (`vo_run`), times in epoch ms. */
export interface VoRunSpan {
    startedAt: number;
    /** the newest heartbeat, or the clean stop */
    lastSeen: number;
    heartbeatMs: number;
    /** the clean stop; undefined while running or when the run ended without one */
    stoppedAt?: number;
}

/** The liveness states a device went through (`device_status`), oldest first, times in epoch ms. */
export interface DeviceStates {
    device: string;
    changes: { at: number; state: string | null }[];
    /** when the last change is not alive: the first alive at or after the span's end, if the device came back */
    aliveAgainAt?: number;
}

/** SQLite's timestamp text (UTC, as device_status holds it) and back. */
const sqliteTime = (ms: number): string => new Date(ms).toISOString().replace("T", " ").replace("Z", "");
const fromSqliteTime = (text: string): number => Date.parse(`${text.replace(" ", "T")}Z`);

/**
 * What the VO state tables say about a span of time, as plain data: the VO's runs and the liveness of
 * the devices a Thing fronts (`device_thing`). History reads its vo-down and device-lost gaps from here.
 */
export class StateHistory {
    constructor(private readonly db: Database) {}

    /** The last run started at or before `startMs`, and every run up to the first started at or after `stopMs`. */
    async runsAround(startMs: number, stopMs: number): Promise<VoRunSpan[]> {
        const rows = await this.db.all<{
            started_at: number;
            last_seen: number;
            heartbeat_ms: number;
            stopped_at: number | null;
        }>(
            `SELECT started_at, last_seen, heartbeat_ms, stopped_at FROM vo_run
             WHERE id >= COALESCE((SELECT MAX(id) FROM vo_run WHERE started_at <= ?), 0)
               AND id <= COALESCE((SELECT MIN(id) FROM vo_run WHERE started_at >= ?), (SELECT MAX(id) FROM vo_run))
             ORDER BY id`,
            [startMs, stopMs]
        );
        return rows.map((r) => ({
            startedAt: r.started_at,
            lastSeen: r.last_seen,
            heartbeatMs: r.heartbeat_ms,
            ...(r.stopped_at === null ? {} : { stoppedAt: r.stopped_at }),
        }));
    }

    /**
     * Per device `thing` fronts: its states from the last alive at or before `startMs` to `stopMs` (exclusive),
     * and when it still was not alive then, the first alive after.
     */
    async deviceStates(thing: string, startMs: number, stopMs: number): Promise<DeviceStates[]> {
        const rows = await this.db.all<{ device: string; timestamp: string; state: string | null }>(
            `SELECT d.device, d.timestamp, d.state FROM device_status d
             JOIN device_thing t ON t.device = d.device AND t.thing = ?
             WHERE d.id >= COALESCE((SELECT MAX(a.id) FROM device_status a
                                     WHERE a.device = d.device AND a.state = 'alive' AND a.timestamp <= ?), 0)
               AND d.timestamp < ?
             ORDER BY d.device, d.id`,
            [thing, sqliteTime(startMs), sqliteTime(stopMs)]
        );
        const byDevice = new Map<string, DeviceStates>();
        for (const row of rows) {
            let entry = byDevice.get(row.device);
            if (entry === undefined) byDevice.set(row.device, (entry = { device: row.device, changes: [] }));
            entry.changes.push({ at: fromSqliteTime(row.timestamp), state: row.state });
        }
        for (const entry of byDevice.values()) {
            if (entry.changes[entry.changes.length - 1].state === "alive") continue;
            const back = await this.db.get<{ timestamp: string }>(
                "SELECT timestamp FROM device_status WHERE device = ? AND state = 'alive' AND timestamp >= ? ORDER BY id LIMIT 1",
                [entry.device, sqliteTime(stopMs)]
            );
            if (back !== undefined) entry.aliveAgainAt = fromSqliteTime(back.timestamp);
        }
        return [...byDevice.values()];
    }
}
