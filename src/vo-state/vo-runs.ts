import type { Database } from "../sqlite/database";
import { createLogger } from "../log";

const { debug, warn } = createLogger("vo-state:vo-runs");

export interface VoRunRow {
    id: number;
    /** epoch ms */
    started_at: number;
    /** epoch ms of the newest heartbeat (or of the clean stop) */
    last_seen: number;
    heartbeat_ms: number;
    /** epoch ms of the clean stop; null while running, or when the run ended without one */
    stopped_at: number | null;
    /** 1 once a later start found this run ended without a clean stop */
    unclean: number;
    pid: number | null;
}

/** What a start found of the run before it. */
export interface PreviousRun {
    startedAt: Date;
    /** the clean stop, or the last heartbeat when there was none */
    endedAt: Date;
    clean: boolean;
}

/**
 * The VO's runs in `vo_run`: a row at start, a heartbeat every `heartbeatMs` while it runs, the
 * time of a clean stop at the end. A run that a SIGKILL or a power loss ended has no stop time;
 * the next start marks it unclean, and its last heartbeat bounds when it was last known up.
 */
export class VoRuns {
    private runId: number | undefined;
    private timer: NodeJS.Timeout | undefined;
    private beat: Promise<void> | undefined;
    /** what this run's start found of the run before it */
    previous: PreviousRun | undefined;

    constructor(
        private readonly db: Database,
        readonly heartbeatMs: number
    ) {}

    /** Records this run's start; returns the run before it, if any, and how it ended. */
    async begin(): Promise<PreviousRun | undefined> {
        if (this.runId !== undefined) return undefined;
        const now = Date.now();
        const previous = await this.db.get<VoRunRow>("SELECT * FROM vo_run ORDER BY id DESC LIMIT 1");
        // every run still open belonged to a process that is gone: one file is one VO
        const marked = await this.db.run("UPDATE vo_run SET unclean = 1 WHERE stopped_at IS NULL AND unclean = 0");
        const r = await this.db.run(
            "INSERT INTO vo_run (started_at, last_seen, heartbeat_ms, pid) VALUES (?, ?, ?, ?)",
            [now, now, this.heartbeatMs, process.pid]
        );
        this.runId = r.lastID;
        this.timer = setInterval(() => void this.heartbeat(), this.heartbeatMs);
        this.timer.unref();
        if (previous === undefined) return undefined;
        const clean = previous.stopped_at !== null;
        const endedAt = new Date(previous.stopped_at ?? previous.last_seen);
        this.previous = { startedAt: new Date(previous.started_at), endedAt, clean };
        if (marked.changes > 0) {
            warn(
                "the previous run (started %s) ended without a clean stop; last seen %s",
                new Date(previous.started_at).toISOString(),
                endedAt.toISOString()
            );
        } else debug("the previous run stopped cleanly at %s", endedAt.toISOString());
        return this.previous;
    }

    private heartbeat(): Promise<void> {
        if (this.runId === undefined || this.beat !== undefined) return this.beat ?? Promise.resolve();
        this.beat = this.db
            .run("UPDATE vo_run SET last_seen = ? WHERE id = ?", [Date.now(), this.runId])
            .then(
                () => undefined,
                (err: Error) => warn("heartbeat not written: %s", err.message)
            )
            .finally(() => (this.beat = undefined));
        return this.beat;
    }

    /** Records the clean stop. Idempotent. */
    async end(): Promise<void> {
        if (this.timer !== undefined) clearInterval(this.timer);
        this.timer = undefined;
        await this.beat;
        const id = this.runId;
        this.runId = undefined;
        if (id === undefined) return;
        const now = Date.now();
        await this.db.run("UPDATE vo_run SET stopped_at = ?, last_seen = ? WHERE id = ?", [now, now, id]);
    }

    /** Notes that `thing` fronts `device`: the device's lost spells are gaps in the Thing's history. */
    async frontsDevice(thing: string, device: string): Promise<void> {
        await this.db.run("INSERT OR IGNORE INTO device_thing (thing, device, since) VALUES (?, ?, ?)", [
            thing,
            device,
            Date.now(),
        ]);
    }
}
