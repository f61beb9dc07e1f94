import fs from "node:fs";
import path from "node:path";
import type { Database, SqlValue } from "../../sqlite/database";
import { createLogger } from "../../log";
import { invalidOption } from "../../options/option-checks";
import { rawRetentionOf, type ResolvedRetentionOptions, type RetentionNs } from "../../options/retention-options";
import type { Series } from "./series-catalog";
import type { SqliteTimeSeriesStore } from "./sqlite-time-series-store";
import { floorTo, HOUR_NS } from "./statistics";

const { debug, warn } = createLogger("timeseries:sqlite-retention");

/**
 * Rows one delete step removes at most: about 1 ms of SQLite's thread, the longest any other statement (a
 * client's history read) waits behind a purge, since statements on the handle run one at a time
 * (bench/purge: history reads p99 12 ms during a purge of a million rows, 6 ms without).
 */
export const PURGE_STEP_ROWS = 1000;
/**
 * A pause between steps: statements queued meanwhile (a client's history read, the recorder's batch) run
 * first, and the purge takes at most about a third of SQLite's thread.
 */
const PAUSE_MS = 2;
/** Pages given back to the filesystem per step of incremental vacuum (512 KiB of 4 KiB pages, a few ms). */
const VACUUM_STEP_PAGES = 128;
/** Free pages are given back once they are this share of the file: below it they are reused by new rows. */
const VACUUM_SHARE = 0.25;

export interface RetentionStats {
    /** set while the free space is under the bound: what was done about it */
    diskPressure?: string;
    /** raw points, statistics rows and VO-table rows deleted since start */
    purgedRows: number;
    lastPurgeError?: string;
}

/** The free and total bytes of the filesystem holding `file`. */
export type DiskSpace = (file: string) => { free: number; total: number };
const statfsSpace: DiskSpace = (file) => {
    const s = fs.statfsSync(path.dirname(path.resolve(file)));
    return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
};

const yieldToOthers = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, PAUSE_MS));

/**
 * The retention of the VO's SQLite file: the embedded store's time series (when it is the store) and the
 * VO's own tables (`alsoPurge`). Raw points older than their retention, and statistics older than
 * theirs, deleted in steps of PURGE_STEP_ROWS off the request path (each step one short statement; other
 * statements queued meanwhile run between steps), always whole hours (the statistics are recomputed by
 * hour) and only what is rolled up into statistics. Under the free-space bound the oldest raw points
 * go first, whatever their retention, and the file gives pages back (incremental vacuum); statistics stay.
 */
export class SqliteRetention {
    private timer: NodeJS.Timeout | undefined;
    private running: Promise<void> | undefined;
    private stopped = false;
    readonly stats: RetentionStats = { purgedRows: 0 };

    constructor(
        private readonly db: Database,
        private readonly store: SqliteTimeSeriesStore | undefined,
        private readonly options: ResolvedRetentionOptions,
        /** more tables to purge each run (the VO's own), given the raw and statistics cutoffs in ms */
        private readonly alsoPurge: ((rawBeforeMs: number, statsBeforeMs: number | null) => Promise<number>)[] = [],
        private readonly now: () => number = Date.now,
        private readonly space: DiskSpace = statfsSpace
    ) {}

    /** The free space to keep, in bytes, checked against the filesystem: a bound above its size is refused. */
    minFreeBytes(): number {
        const { total } = this.space(this.db.file);
        const bound = "bytes" in this.options.minFree ? this.options.minFree.bytes : total * this.options.minFree.share;
        if (bound >= total) {
            throw invalidOption(
                "retention.minFree",
                `${bound} bytes is not under the size of the filesystem of ${this.db.file} (${total} bytes)`
            );
        }
        return bound;
    }

    start(): void {
        this.minFreeBytes();
        this.timer = setInterval(() => void this.runOnce(), this.options.purgeIntervalMs).unref();
        // the first run soon after start: a file left over its bounds (a long stop, a SIGKILL mid-purge) is set right
        setTimeout(() => void this.runOnce(), Math.min(5000, this.options.purgeIntervalMs)).unref();
    }

    /** One purge; a run already going is waited for instead. Failures are counted and logged, never thrown. */
    runOnce(): Promise<void> {
        this.running ??= this.run()
            .then(() => (this.stats.lastPurgeError = undefined))
            .catch((err: Error) => {
                this.stats.lastPurgeError = err.message;
                if (!this.stopped) warn("purge failed: %s", err.message);
            })
            .finally(() => (this.running = undefined));
        return this.running;
    }

    async stop(): Promise<void> {
        this.stopped = true;
        clearInterval(this.timer);
        await this.running;
    }

    private async run(): Promise<void> {
        if (this.stopped || !this.db.isOpen) return;
        const nowNs = BigInt(this.now()) * 1_000_000n;
        const cutoff = (keep: RetentionNs): bigint | undefined =>
            keep === null ? undefined : floorTo(nowNs - keep, HOUR_NS);
        if (this.store !== undefined) await this.purgeSeries(this.store, cutoff);
        const rawNs = cutoff(this.options.all);
        const statsNs = cutoff(this.options.hourly);
        for (const purge of rawNs === undefined ? [] : this.alsoPurge) {
            this.stats.purgedRows += await purge(
                Number(rawNs! / 1_000_000n),
                statsNs === undefined ? null : Number(statsNs / 1_000_000n)
            );
        }
        if (this.store !== undefined) await this.keepFreeSpace(this.store);
        await this.giveBackPages(false);
    }

    /** Every series rolled up, then its points and statistics past their retention deleted. */
    private async purgeSeries(store: SqliteTimeSeriesStore, cutoff: (keep: RetentionNs) => bigint | undefined) {
        await store.rollUpAll();
        for (const s of (await store.catalog()).all()) {
            if (this.stopped) return;
            const before = cutoff(rawRetentionOf(this.options, s.thing, s.kind, s.name));
            if (before !== undefined) await this.purgePoints(store, s, before);
            for (const [width, keep] of [
                [300, this.options.fiveMinute],
                [3600, this.options.hourly],
            ] as const) {
                const statsBefore = cutoff(keep);
                if (statsBefore !== undefined) await this.purgeStatistics(store, s, width, statsBefore);
            }
        }
    }

    /** Deletes the series' points before `before` (an hour's start), a step at a time; records the horizon. */
    private async purgePoints(store: SqliteTimeSeriesStore, s: Series, before: bigint): Promise<number> {
        const any = await this.db.get("SELECT 1 FROM ts_point WHERE series = ? AND ts < CAST(? AS INTEGER) LIMIT 1", [
            s.id,
            before.toString(),
        ]);
        if (any === undefined) return 0;
        // the horizon first: a query over the range answers from statistics while (and if a SIGKILL stops) the steps run
        await store.setPurgedBefore(s.id, 0, before);
        return this.steps(
            `DELETE FROM ts_point WHERE series = ?1 AND ts < MIN(CAST(?2 AS INTEGER), COALESCE(
                (SELECT ts FROM ts_point WHERE series = ?1 ORDER BY ts LIMIT 1 OFFSET ${PURGE_STEP_ROWS}), CAST(?2 AS INTEGER)))`,
            [s.id, before.toString()]
        );
    }

    private async purgeStatistics(store: SqliteTimeSeriesStore, s: Series, width: number, before: bigint) {
        const known = store.purgedBefore(s.id, width);
        if (known !== undefined && known >= before) return;
        await store.setPurgedBefore(s.id, width, before);
        await this.steps(
            `DELETE FROM ts_stat WHERE series = ?1 AND width = ?3 AND bucket < MIN(CAST(?2 AS INTEGER), COALESCE(
                (SELECT bucket FROM ts_stat WHERE series = ?1 AND width = ?3 ORDER BY bucket LIMIT 1 OFFSET ${PURGE_STEP_ROWS}),
                CAST(?2 AS INTEGER)))`,
            [s.id, before.toString(), width]
        );
    }

    /** Runs a bounded DELETE until it deletes less than a step, letting other statements run between steps. */
    private async steps(sql: string, params: SqlValue[]): Promise<number> {
        let total = 0;
        for (;;) {
            const { changes } = await this.db.run(sql, params);
            total += changes;
            this.stats.purgedRows += changes;
            if (changes < PURGE_STEP_ROWS || this.stopped) return total;
            await yieldToOthers();
        }
    }

    /**
     * Under the free-space bound: the oldest hour of raw points of whichever series has the oldest, deleted
     * and its pages given back, again until the bound is met or no raw point is left. Recording goes on.
     */
    private async keepFreeSpace(store: SqliteTimeSeriesStore): Promise<void> {
        const bound = this.minFreeBytes();
        let { free } = this.space(this.db.file);
        if (free >= bound) {
            this.stats.diskPressure = undefined;
            return;
        }
        let hours = 0;
        const catalog = await store.catalog();
        while (free < bound && !this.stopped) {
            const oldest = await this.oldestSeries(catalog.all());
            if (oldest === undefined) break;
            const before = floorTo(oldest.ts, HOUR_NS) + HOUR_NS;
            if ((await this.purgePoints(store, oldest.series, before)) === 0) break;
            hours++;
            await this.giveBackPages(true);
            free = this.space(this.db.file).free;
        }
        this.stats.diskPressure =
            `free space ${mib(free)} under the bound of ${mib(bound)}: ${hours} oldest hours of raw points deleted` +
            (free < bound ? ", none left to delete (statistics are kept)" : "");
        debug(this.stats.diskPressure);
    }

    private async oldestSeries(all: readonly Series[]): Promise<{ series: Series; ts: bigint } | undefined> {
        let found: { series: Series; ts: bigint } | undefined;
        for (const s of all) {
            const row = await this.db.get<{ ts: string | null }>(
                "SELECT CAST(MIN(ts) AS TEXT) AS ts FROM ts_point WHERE series = ?",
                [s.id]
            );
            if (row?.ts == null) continue;
            const ts = BigInt(row.ts);
            if (found === undefined || ts < found.ts) found = { series: s, ts };
        }
        return found;
    }

    /** Gives free pages back to the filesystem, a step at a time: always under pressure, else past VACUUM_SHARE. */
    private async giveBackPages(pressed: boolean): Promise<void> {
        for (;;) {
            const pages = await this.db.get<{ free: number; total: number }>(
                "SELECT (SELECT freelist_count FROM pragma_freelist_count) AS free, (SELECT page_count FROM pragma_page_count) AS total"
            );
            if (pages === undefined || pages.free === 0) return;
            if (!pressed && pages.free < pages.total * VACUUM_SHARE) return;
            await this.db.exec(`PRAGMA incremental_vacuum(${VACUUM_STEP_PAGES})`);
            // in WAL mode the file shrinks at a checkpoint; TRUNCATE also empties the WAL file
            if (pressed) await this.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
            if (this.stopped) return;
            await yieldToOthers();
        }
    }
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
