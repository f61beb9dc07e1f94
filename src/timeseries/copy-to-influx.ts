import fs from "node:fs";
import path from "node:path";
import { HttpError, InfluxDB, type Transport } from "@influxdata/influxdb-client";
import type { AffordanceKind, InteractionRecord } from "../model/interaction-record";
import { VoError } from "../model/errors";
import type { ResolvedInfluxDbOptions } from "../options/influxdb-options";
import { Database } from "../sqlite/database";
import { MIGRATIONS } from "../sqlite/migrations";
import { ensureDatabases, serverMajorVersion } from "./influxdb/influxdb1";
import { ensureOrgBucket, orgIdOf } from "./influxdb/influxdb-write-point";
import { toLines } from "./influxdb/line-protocol";
import { POINT_COLUMNS, POINT_FROM, type StoredPoint, toHistoryRecord } from "./sqlite/point-rows";
import type { HistoryRecord } from "./time-series-store";

/**
 * Copies every record of the embedded store (an SQLite file of the lean layout, sqlite/lean-layout.ts) into
 * InfluxDB in the per-kind layout, each point built by the InfluxDB store's own `toLines`: what a VO recording
 * to InfluxDB would have written. The VO's own tables (vo_status, device_status, vo_run) are not copied: a VO
 * on InfluxDB keeps them in its SQLite file.
 *
 * - Exact and idempotent: each point keeps its nanosecond timestamp and tags, so a point copied again is the
 *   same series and timestamp, which InfluxDB stores once.
 * - Resumable: each series is read in order of time in pages (`ts > cursor ORDER BY ts LIMIT n`, one range of
 *   the (series, ts) key, never OFFSET); after each request is written, every series' newest time copied is
 *   kept in a progress file, and a run stopped anywhere starts there. A rerun also copies what a VO still
 *   writing the file recorded since.
 */

export interface CopyToInfluxOptions {
    /** the VO's SQLite file */
    sqliteFile: string;
    influxdb: ResolvedInfluxDbOptions;
    /** the progress file (JSON): each series' newest time copied */
    progressFile: string;
    /** points per page read and per write request (default 5000) */
    pagePoints?: number;
    /** progress lines: points copied of the total, and the rate */
    log: (line: string) => void;
    /** at most one progress line per this many milliseconds (default 2000) */
    logEveryMs?: number;
}

export interface CopyToInfluxResult {
    series: number;
    /** points in the file when the copy started */
    total: number;
    /** points copied by this run (the others were copied before) */
    copied: number;
    /** points InfluxDB dropped as older than its bucket's retention */
    beyondRetention: number;
    seconds: number;
}

/** The input is not what the copy reads (no file, not SQLite, an older schema, another copy's progress file). */
export class CopyInputError extends VoError {
    readonly kind = "invalid-input";
}

const DEFAULT_PAGE_POINTS = 5000;
const SQLITE_HEADER = "SQLite format 3\u0000";

interface SeriesRow {
    id: number;
    thing: string;
    kind: AffordanceKind;
    name: string;
}

export async function copyToInflux(o: CopyToInfluxOptions): Promise<CopyToInfluxResult> {
    const started = Date.now();
    const db = await openStoreFile(o.sqliteFile);
    try {
        const { influxdb } = o;
        const progress = new CopyProgress(o.progressFile, path.resolve(o.sqliteFile), serverOf(influxdb));
        const series = await db.all<SeriesRow>("SELECT id, thing, kind, name FROM ts_series ORDER BY id");
        const total = await countPoints(db);
        const done = await countCopied(db, series, progress);
        o.log(
            `${total} point(s) in ${series.length} series` +
                (done > 0 ? `, ${done} copied before (resuming from ${o.progressFile})` : "")
        );
        const writer = new InfluxWriter(influxdb);
        await writer.ensureBuckets();
        const meter = new Meter(total, done, o.log, o.logEveryMs ?? 2000);
        const batch = new Batch(writer, progress, meter);
        const page = o.pagePoints ?? DEFAULT_PAGE_POINTS;
        for (const s of series) {
            let cursor = progress.cursor(s.id);
            for (;;) {
                const rows = await readPage(db, s.id, cursor, page);
                if (rows.length === 0) break;
                const records = rows.map((r) => toHistoryRecord(r, s));
                cursor = BigInt(records[records.length - 1].timestampNs);
                await batch.add(s.id, records, cursor, page);
                if (rows.length < page) break;
            }
        }
        await batch.flush();
        meter.line(true);
        return {
            series: series.length,
            total,
            copied: meter.copied,
            beyondRetention: writer.beyondRetention,
            seconds: (Date.now() - started) / 1000,
        };
    } finally {
        await db.close();
    }
}

/** The file, checked: an SQLite file (never created here) of the schema this release writes. */
async function openStoreFile(file: string): Promise<Database> {
    let header: Buffer;
    try {
        const fd = fs.openSync(file, "r");
        header = Buffer.alloc(16);
        fs.readSync(fd, header, 0, 16, 0);
        fs.closeSync(fd);
    } catch (err) {
        throw new CopyInputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    if (header.toString("latin1") !== SQLITE_HEADER) throw new CopyInputError(`${file} is not an SQLite database`);
    const db = await Database.open(file);
    const version = (await db.get<{ user_version: number }>("PRAGMA user_version"))?.user_version ?? 0;
    const newest = MIGRATIONS[MIGRATIONS.length - 1].version;
    if (version !== newest) {
        await db.close();
        throw new CopyInputError(
            version < newest
                ? `${file} has schema version ${version}, older than this release's ${newest}: start the VO once to migrate it`
                : `${file} has schema version ${version}, newer than this release knows (${newest})`
        );
    }
    return db;
}

async function countPoints(db: Database): Promise<number> {
    return (await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM ts_point"))?.n ?? 0;
}

/** Points at or before each series' cursor: copied by an earlier run. */
async function countCopied(db: Database, series: readonly SeriesRow[], progress: CopyProgress): Promise<number> {
    let n = 0;
    for (const s of series) {
        const cursor = progress.cursor(s.id);
        if (cursor === undefined) continue;
        const row = await db.get<{ n: number }>(
            "SELECT COUNT(*) AS n FROM ts_point WHERE series = ? AND ts <= CAST(? AS INTEGER)",
            [s.id, cursor.toString()]
        );
        n += row?.n ?? 0;
    }
    return n;
}

/** The next points of a series after `cursor` (from its first without one), oldest first. */
function readPage(db: Database, series: number, cursor: bigint | undefined, limit: number): Promise<StoredPoint[]> {
    const after = cursor === undefined ? "" : " AND p.ts > CAST(? AS INTEGER)";
    const params = cursor === undefined ? [series, limit] : [series, cursor.toString(), limit];
    return db.all<StoredPoint>(
        `SELECT ${POINT_COLUMNS} FROM ${POINT_FROM} WHERE p.series = ?${after} ORDER BY p.ts LIMIT ?`,
        params
    );
}

/** A stored record as the InfluxDB store takes it (toLines reads `ts`, never `time`). */
function toRecord(r: HistoryRecord): InteractionRecord {
    return { ...r, ts: BigInt(r.timestampNs) };
}

/** The InfluxDB a copy writes to, as the progress file names it (never the token). */
function serverOf(influxdb: ResolvedInfluxDbOptions): string {
    const b = influxdb.buckets;
    return `${influxdb.url} org ${influxdb.org} buckets ${b.property}, ${b.action}, ${b.event}`;
}

/**
 * Records of several series gathered into requests of about `page` points; progress saved once they are written.
 * One request is in flight while the next is read and built, so SQLite and InfluxDB work at the same time.
 */
class Batch {
    private records: InteractionRecord[] = [];
    private cursors = new Map<number, bigint>();
    private inFlight: Promise<void> = Promise.resolve();
    private failure: { err: unknown } | undefined;

    constructor(
        private readonly writer: InfluxWriter,
        private readonly progress: CopyProgress,
        private readonly meter: Meter
    ) {}

    async add(series: number, records: readonly HistoryRecord[], cursor: bigint, page: number): Promise<void> {
        for (const r of records) this.records.push(toRecord(r));
        this.cursors.set(series, cursor);
        if (this.records.length >= page) await this.send();
    }

    /** Sends what is gathered and waits for every request. */
    async flush(): Promise<void> {
        await this.send();
        await this.settled();
    }

    /** Waits for the request in flight, then sends the gathered records without waiting. */
    private async send(): Promise<void> {
        await this.settled();
        if (this.records.length === 0) return;
        const [records, cursors] = [this.records, this.cursors];
        this.records = [];
        this.cursors = new Map();
        // saved in request order: a request is sent only once the one before is written and saved
        this.inFlight = this.writer
            .write(records)
            .then(() => {
                this.progress.save(cursors);
                this.meter.add(records.length);
            })
            .catch((err: unknown) => void (this.failure = { err }));
    }

    private async settled(): Promise<void> {
        await this.inFlight;
        if (this.failure !== undefined) throw this.failure.err;
    }
}

/** Points copied of the total and the rate, one line at most every `everyMs`. */
class Meter {
    copied = 0;
    private readonly start = Date.now();
    private lastLine = Date.now();

    constructor(
        private readonly total: number,
        private readonly before: number,
        private readonly log: (line: string) => void,
        private readonly everyMs: number
    ) {}

    add(n: number): void {
        this.copied += n;
        if (Date.now() - this.lastLine >= this.everyMs) this.line(false);
    }

    line(last: boolean): void {
        this.lastLine = Date.now();
        const seconds = Math.max((this.lastLine - this.start) / 1000, 0.001);
        const done = Math.min(this.before + this.copied, this.total);
        const pct = this.total === 0 ? 100 : Math.floor((done / this.total) * 100);
        this.log(
            `${last ? "copied" : "  "} ${done} / ${this.total} points (${pct}%), ` +
                `${Math.round(this.copied / seconds)} points/s over ${seconds.toFixed(1)} s`
        );
    }
}

/** Writes lines to the bucket of each kind, creating missing buckets (databases on 1.x) first. */
class InfluxWriter {
    private readonly client: InfluxDB;
    private readonly transport: Transport;
    beyondRetention = 0;

    constructor(private readonly influxdb: ResolvedInfluxDbOptions) {
        this.client = new InfluxDB({ url: influxdb.url, token: influxdb.token, timeout: influxdb.timeoutMs });
        this.transport = this.client.transport;
    }

    async ensureBuckets(): Promise<void> {
        const retentions = bucketRetentions(this.influxdb);
        if ((await serverMajorVersion(this.transport)) === 1) {
            for (const [name, seconds] of retentions) await ensureDatabases(this.transport, [name], seconds);
            return;
        }
        const orgID = await orgIdOf(this.client, this.influxdb.org);
        for (const [name, seconds] of retentions) await ensureOrgBucket(this.client, orgID, name, seconds);
    }

    async write(records: readonly InteractionRecord[]): Promise<void> {
        for (const [kind, lines] of toLines(records, "per-kind")) {
            const query = new URLSearchParams({
                org: this.influxdb.org,
                bucket: this.influxdb.buckets[kind],
                precision: "ns",
            });
            try {
                await this.transport.request(`/api/v2/write?${query}`, lines.join("\n"), {
                    method: "POST",
                    headers: { "content-type": "text/plain; charset=utf-8" },
                    gzipThreshold: this.influxdb.gzipThreshold,
                });
            } catch (err) {
                // points older than the bucket's retention are dropped, the others written (a partial write)
                const dropped = retentionDrops(err);
                if (dropped === undefined) throw err;
                this.beyondRetention += dropped;
            }
        }
    }
}

/** How many points a partial write dropped as beyond retention; undefined for any other failure. */
function retentionDrops(err: unknown): number | undefined {
    if (!(err instanceof HttpError) || (err.statusCode !== 422 && err.statusCode !== 400)) return undefined;
    const body = err.body ?? "";
    if (!/(beyond|outside) retention/i.test(body)) return undefined; // 1.x, 2.x
    const m = /dropped=(\d+)/.exec(body);
    return m === null ? 1 : Number(m[1]);
}

/** Each bucket with the retention it is created with, as the store creates it (0: for ever, the longest). */
function bucketRetentions(influxdb: ResolvedInfluxDbOptions): Map<string, number> {
    const out = new Map<string, number>();
    for (const kind of ["property", "action", "event"] as const) {
        const name = influxdb.buckets[kind];
        const seconds = influxdb.bucketRetentionSeconds[kind];
        const known = out.get(name);
        out.set(name, known === undefined ? seconds : known === 0 || seconds === 0 ? 0 : Math.max(known, seconds));
    }
    return out;
}

interface ProgressState {
    sqlite: string;
    server: string;
    /** series id -> nanoseconds of its newest point copied (a decimal string) */
    cursors: Record<string, string>;
}

/** The progress file, written again (a new file renamed over it) after every request. */
class CopyProgress {
    private readonly state: ProgressState;

    constructor(
        private readonly file: string,
        sqlite: string,
        server: string
    ) {
        this.state = fs.existsSync(file) ? readProgress(file) : { sqlite, server, cursors: {} };
        if (this.state.sqlite !== sqlite || this.state.server !== server) {
            throw new CopyInputError(
                `${file} records a copy of ${this.state.sqlite} to ${this.state.server}, ` +
                    `not of ${sqlite} to ${server}: give another --progress file`
            );
        }
    }

    cursor(series: number): bigint | undefined {
        const text = this.state.cursors[String(series)];
        return text === undefined ? undefined : BigInt(text);
    }

    save(cursors: ReadonlyMap<number, bigint>): void {
        for (const [series, ns] of cursors) this.state.cursors[String(series)] = ns.toString();
        const tmp = `${this.file}.tmp`;
        fs.writeFileSync(tmp, `${JSON.stringify(this.state)}\n`);
        fs.renameSync(tmp, this.file);
    }
}

function readProgress(file: string): ProgressState {
    let parsed: Partial<ProgressState>;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<ProgressState>;
    } catch (err) {
        throw new CopyInputError(`${file} is not a progress file of copy-to-influx: ${(err as Error).message}`);
    }
    const { sqlite, server, cursors } = parsed;
    if (typeof sqlite !== "string" || typeof server !== "string" || cursors === null || typeof cursors !== "object") {
        throw new CopyInputError(`${file} is not a progress file of copy-to-influx (no sqlite, server and cursors)`);
    }
    for (const v of Object.values(cursors)) {
        if (typeof v !== "string" || !/^-?\d+$/.test(v)) throw new CopyInputError(`${file}: a cursor is not a time`);
    }
    return { sqlite, server, cursors };
}
