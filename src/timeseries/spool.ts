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

    /** The id of the newest batch added (0 if none yet): what a flush must see delivered. */
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
        const { lastID } = await this.db.run(
            "INSERT INTO spool (created_at, kind, priority, points, bytes, payload) VALUES (?, ?, ?, ?, ?, ?)",
            [Date.now(), kind, PRIORITY[kind], points, bytes, payload]
        );
        this.newest = Math.max(this.newest, lastID);
        this.pendingPoints += points;
        this.pendingBytes += bytes;
        if (this.pendingBytes > this.maxBytes) await this.enforceBound();
    }

    /** The oldest batches, in the order they were spooled. */
    oldest(limit: number): Promise<SpooledBatch[]> {
        return this.db.all<SpooledBatch>("SELECT id, kind, points, payload FROM spool ORDER BY id LIMIT ?", [limit]);
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
