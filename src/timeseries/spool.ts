import type { AffordanceKind } from "../model/interaction-record";
import type { Database } from "../sqlite/database";
import { createLogger } from "../log";

const { warn } = createLogger("timeseries:spool");

/** Drop order under the disk bound: events and properties first, actions last. */
const PRIORITY: Record<AffordanceKind, number> = { event: 0, property: 1, action: 2 };

export interface SpooledBatch {
    id: number;
    kind: AffordanceKind;
    points: number;
    payload: string;
}

export interface SpoolStats {
    /** points waiting in the spool now */
    pendingPoints: number;
    /** bytes of payload waiting now */
    pendingBytes: number;
    /** points dropped by the disk bound since attach */
    droppedPoints: number;
}

/**
 * Batches a remote store could not take, kept in the VO's SQLite file (table `spool`) so they
 * survive a crash, handed back oldest first. Bounded in bytes: past the bound, the oldest batches
 * of the lowest priority are dropped and counted.
 */
export class Spool {
    private pendingPoints = 0;
    private pendingBytes = 0;
    private droppedPoints = 0;
    private newest = 0;

    private constructor(
        private readonly db: Database,
        private readonly maxBytes: number
    ) {}

    static async open(db: Database, maxBytes: number): Promise<Spool> {
        const spool = new Spool(db, maxBytes);
        const row = await db.get<{ points: number | null; bytes: number | null; newest: number | null }>(
            "SELECT SUM(points) AS points, SUM(bytes) AS bytes, MAX(id) AS newest FROM spool"
        );
        spool.pendingPoints = row?.points ?? 0;
        spool.pendingBytes = row?.bytes ?? 0;
        spool.newest = row?.newest ?? 0;
        return spool;
    }

    /** The id of the last batch added (0 if none yet): what a flush must see delivered. */
    get newestId(): number {
        return this.newest;
    }

    get isEmpty(): boolean {
        return this.pendingPoints === 0;
    }

    stats(): SpoolStats {
        return {
            pendingPoints: this.pendingPoints,
            pendingBytes: this.pendingBytes,
            droppedPoints: this.droppedPoints,
        };
    }

    async add(kind: AffordanceKind, points: number, payload: string): Promise<void> {
        const bytes = Buffer.byteLength(payload);
        // prepared once: with answers after commit, every group commit is one of these
        const { lastID } = await this.db.runPrepared(
            "INSERT INTO spool (created_at, kind, priority, points, bytes, payload) VALUES (?, ?, ?, ?, ?, ?)",
            [Date.now(), kind, PRIORITY[kind], points, bytes, payload]
        );
        // the table has no AUTOINCREMENT: once emptied it hands out ids from 1 again, so the newest is the last one
        this.newest = lastID;
        this.pendingPoints += points;
        this.pendingBytes += bytes;
        if (this.pendingBytes > this.maxBytes) await this.enforceBound();
    }

    /**
     * The oldest batches, in the order they were spooled: at most `limit`, and past the first no more than
     * `maxPoints` points in all, so that a round holds a bounded share of a spool that grew during an outage.
     */
    oldest(limit: number, maxPoints = Number.MAX_SAFE_INTEGER): Promise<SpooledBatch[]> {
        // the running total over the ids and points alone: payloads are read only for the batches handed out
        return this.db.all<SpooledBatch>(
            `SELECT s.id, s.kind, s.points, s.payload FROM spool AS s JOIN (
                SELECT id, points, SUM(points) OVER (ORDER BY id) AS upto
                FROM (SELECT id, points FROM spool ORDER BY id LIMIT ?1)
            ) AS h ON s.id = h.id
            WHERE h.upto <= ?2 OR h.upto = h.points
            ORDER BY s.id`,
            [limit, maxPoints]
        );
    }

    /** The id of the oldest batch waiting, without reading it; undefined when the spool is empty. */
    async oldestId(): Promise<number | undefined> {
        const row = await this.db.get<{ id: number | null }>("SELECT MIN(id) AS id FROM spool");
        return row?.id ?? undefined;
    }

    /** Removes batches handed out by oldest(); one statement, whatever their number. */
    async remove(batches: readonly SpooledBatch[]): Promise<void> {
        if (batches.length === 0) return;
        // RETURNING: a batch the disk bound dropped meanwhile was counted off by enforceBound already
        const gone = await this.db.all<{ points: number; bytes: number }>(
            `DELETE FROM spool WHERE id IN (${batches.map(() => "?").join(", ")}) RETURNING points, bytes`,
            batches.map((b) => b.id)
        );
        for (const { points, bytes } of gone) {
            this.pendingPoints -= points;
            this.pendingBytes -= bytes;
        }
    }

    private async enforceBound(): Promise<void> {
        let dropped = 0;
        await this.db.transaction(async (tx) => {
            while (this.pendingBytes > this.maxBytes) {
                const victim = await tx.get<{ id: number; points: number; bytes: number }>(
                    "SELECT id, points, bytes FROM spool ORDER BY priority, id LIMIT 1"
                );
                if (victim === undefined) break;
                await tx.run("DELETE FROM spool WHERE id = ?", [victim.id]);
                this.pendingPoints -= victim.points;
                this.pendingBytes -= victim.bytes;
                dropped += victim.points;
            }
        });
        this.droppedPoints += dropped;
        warn(
            "spool over its bound of %d bytes: dropped %d points (%d so far)",
            this.maxBytes,
            dropped,
            this.droppedPoints
        );
    }
}
