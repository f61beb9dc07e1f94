import type { Database } from "../sqlite/database";

export type GapReason = "vo-down" | "device-lost";

/** A span in which a Thing's history is empty for a known reason. */
export interface HistoryGap {
    from: Date;
    /** for an open gap: the asked range's end */
    to: Date;
    reason: GapReason;
    /** still going on: the VO is down (read without it), or the device is lost now */
    open?: true;
    /** vo-down: false when the VO ended without a clean stop, so `from` is its last heartbeat */
    clean?: boolean;
}

interface RunRow {
    started_at: number;
    last_seen: number;
    heartbeat_ms: number;
    stopped_at: number | null;
}

interface DeviceRow {
    device: string;
    timestamp: string;
    state: string | null;
}

const lost = (from: number, to: number): HistoryGap => ({
    from: new Date(from),
    to: new Date(to),
    reason: "device-lost",
});

/** A run whose last heartbeat is older than this many heartbeats is taken to be down. */
const MISSED_HEARTBEATS = 3;

/** SQLite's timestamp text (UTC, as device_status holds it) and back. */
const sqliteTime = (ms: number): string => new Date(ms).toISOString().replace("T", " ").replace("Z", "");
const fromSqliteTime = (text: string): number => Date.parse(`${text.replace(" ", "T")}Z`);

/**
 * Finds the gaps of a Thing's history in the SQLite state tables: vo-down between the VO's runs
 * (`vo_run`), device-lost while the device the Thing fronts (`device_thing`) was lost
 * (`device_status`). They do not depend on where the series are kept (embedded or InfluxDB).
 */
export class GapLookup {
    constructor(
        private readonly db: Database,
        private readonly now: () => number = Date.now
    ) {}

    /** The gaps overlapping [startMs, stopMs), oldest first; an open one ends at stopMs. */
    async gaps(thing: string, startMs: number, stopMs: number): Promise<HistoryGap[]> {
        const found = [...(await this.voDown(startMs, stopMs)), ...(await this.deviceLost(thing, startMs, stopMs))];
        return found
            .filter((g) => g.from.getTime() < stopMs && g.to.getTime() > startMs && g.to > g.from)
            .sort((a, b) => a.from.getTime() - b.from.getTime() || a.reason.localeCompare(b.reason));
    }

    private async voDown(startMs: number, stopMs: number): Promise<HistoryGap[]> {
        // the last run started at or before the range, and every run up to the first after it
        const runs = await this.db.all<RunRow>(
            `SELECT started_at, last_seen, heartbeat_ms, stopped_at FROM vo_run
             WHERE id >= COALESCE((SELECT MAX(id) FROM vo_run WHERE started_at <= ?), 0)
               AND id <= COALESCE((SELECT MIN(id) FROM vo_run WHERE started_at >= ?), (SELECT MAX(id) FROM vo_run))
             ORDER BY id`,
            [startMs, stopMs]
        );
        const gaps: HistoryGap[] = [];
        runs.forEach((run, i) => {
            const clean = run.stopped_at !== null;
            const from = new Date(run.stopped_at ?? run.last_seen);
            const next = runs[i + 1];
            if (next !== undefined) {
                gaps.push({ from, to: new Date(next.started_at), reason: "vo-down", clean });
                return;
            }
            // the newest run: down if it stopped, or if its heartbeat has gone quiet
            const quiet = this.now() - run.last_seen > MISSED_HEARTBEATS * run.heartbeat_ms;
            if (clean || quiet) gaps.push({ from, to: new Date(stopMs), reason: "vo-down", open: true, clean });
        });
        return gaps;
    }

    private async deviceLost(thing: string, startMs: number, stopMs: number): Promise<HistoryGap[]> {
        // per device: from its last alive row at or before the range to the range's end
        const rows = await this.db.all<DeviceRow>(
            `SELECT d.device, d.timestamp, d.state FROM device_status d
             JOIN device_thing t ON t.device = d.device AND t.thing = ?
             WHERE d.id >= COALESCE((SELECT MAX(a.id) FROM device_status a
                                     WHERE a.device = d.device AND a.state = 'alive' AND a.timestamp <= ?), 0)
               AND d.timestamp < ?
             ORDER BY d.device, d.id`,
            [thing, sqliteTime(startMs), sqliteTime(stopMs)]
        );
        const gaps: HistoryGap[] = [];
        const byDevice = new Map<string, DeviceRow[]>();
        for (const row of rows) {
            const list = byDevice.get(row.device);
            if (list === undefined) byDevice.set(row.device, [row]);
            else list.push(row);
        }
        for (const [device, list] of byDevice) {
            let suspectSince: number | undefined;
            let lostSince: number | undefined;
            for (const row of list) {
                const at = fromSqliteTime(row.timestamp);
                if (row.state === "alive") {
                    if (lostSince !== undefined) gaps.push(lost(lostSince, at));
                    lostSince = suspectSince = undefined;
                } else if (row.state === "suspect") {
                    if (lostSince === undefined) suspectSince ??= at;
                } else if (row.state === "lost" && lostSince === undefined) {
                    // the device stopped answering at the first failed probe that led to lost
                    lostSince = suspectSince ?? at;
                }
            }
            if (lostSince === undefined) continue;
            // lost at the range's end: it ends when the device came back, if it has
            const back = await this.db.get<{ timestamp: string }>(
                "SELECT timestamp FROM device_status WHERE device = ? AND state = 'alive' AND timestamp >= ? ORDER BY id LIMIT 1",
                [device, sqliteTime(stopMs)]
            );
            gaps.push(
                back === undefined
                    ? { ...lost(lostSince, stopMs), open: true }
                    : lost(lostSince, fromSqliteTime(back.timestamp))
            );
        }
        return gaps;
    }
}
