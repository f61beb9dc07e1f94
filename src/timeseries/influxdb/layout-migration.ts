import fs from "node:fs";
import { InfluxDB, type Transport } from "@influxdata/influxdb-client";
import type { AffordanceKind } from "../../model/interaction-record";
import type { ResolvedInfluxDbOptions } from "../../options/influxdb-options";
import { column, MAX_TIME_NS, MIN_TIME_NS, selectStatement, timeRange } from "./influxql";
import { queryOne } from "./influxql-endpoint";
import { RECORD_COLUMNS, type RecordRow, rfc3339ToNs, rowObjects } from "./influxdb-reads";
import { decodeName, FIELD_TYPES, KIND_MEASUREMENTS, perKindLine, RECORD_TAGS } from "./line-protocol";

/**
 * Copies records of the per-thing layout (a measurement per Thing, earlier releases) into the per-kind layout (a
 * measurement per kind, the Thing as the `thing` tag) of the same buckets; the per-thing measurements are left as
 * they are (dropping them is the operator's call once the copy is checked). Each point goes to the measurement
 * (and bucket) of the kind its op names, so buckets that coincide are copied right too.
 *
 * - Exact: each point keeps its timestamp, tags and typed fields as stored (the flattened leaves of object
 *   values aside, which the per-kind layout does not have), so copying a point again writes the same series and
 *   timestamp, which InfluxDB stores once: running the migration twice adds nothing.
 * - Resumable: points are read oldest first in pages, and after each page is written the time reached is kept in
 *   a progress file. A run stopped anywhere starts again from there. A rerun also copies what a VO still writing
 *   the per-thing layout added since (its last point copied again, harmlessly).
 * - Pages: `time >= cursor ORDER BY time LIMIT n`. Points of several series can share a timestamp, so a full
 *   page writes only the points before its last timestamp and the next page starts at it (a page all of one
 *   timestamp is read again twice as large).
 */

export interface LayoutMigrationOptions {
    influxdb: ResolvedInfluxDbOptions;
    /** the progress file (JSON): where each measurement's copy has got to */
    progressFile: string;
    /** points per page read and per write request (default 5000) */
    pagePoints?: number;
    /** one line per measurement and page copied */
    log: (line: string) => void;
}

export interface LayoutMigrationResult {
    measurements: number;
    points: number;
}

/** Per server: `<bucket>\n<measurement>` -> nanoseconds of the last point copied (a decimal string). */
interface ProgressFile {
    server: string;
    cursors: Record<string, string>;
}

const DEFAULT_PAGE_POINTS = 5000;

export async function migrateLayout(o: LayoutMigrationOptions): Promise<LayoutMigrationResult> {
    const { influxdb } = o;
    const transport = new InfluxDB({ url: influxdb.url, token: influxdb.token, timeout: influxdb.timeoutMs }).transport;
    const progress = new Progress(o.progressFile, `${influxdb.url} org ${influxdb.org}`);
    const result = { measurements: 0, points: 0 };
    // buckets may coincide (the kinds of a measurement then come from each point's op): each is read once
    for (const [bucket, kinds] of bucketKinds(influxdb.buckets)) {
        const measurements = await perThingMeasurements(transport, bucket);
        o.log(`${bucket}: ${measurements.length} per-thing measurement(s) of ${kinds.join(", ")} records`);
        for (const [i, measurement] of measurements.entries()) {
            const copy = new MeasurementCopy(transport, influxdb, bucket, measurement);
            const thing = `[${i + 1}/${measurements.length}] ${JSON.stringify(decodeName(measurement))}`;
            const resumeAt = progress.cursor(bucket, measurement);
            if (resumeAt !== undefined) o.log(`  ${thing}: resuming at ${nsToRfc3339(resumeAt)} (copied before)`);
            const copied = await copy.run(progress, o.pagePoints ?? DEFAULT_PAGE_POINTS, (n) =>
                o.log(`  ${thing}: ${n} point(s) so far`)
            );
            o.log(`  ${thing}: ${copied} point(s) copied`);
            result.measurements++;
            result.points += copied;
        }
    }
    return result;
}

/** A time for people: RFC 3339 with every nanosecond that is not zero. */
function nsToRfc3339(ns: bigint): string {
    const ms = ns / 1_000_000n;
    const iso = new Date(Number(ms)).toISOString();
    const sub = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
    return `${iso.slice(0, 19)}.${sub.toString().padStart(9, "0")}`.replace(/\.?0+$/, "") + "Z";
}

/** Each distinct bucket with the kinds it holds. */
function bucketKinds(buckets: Readonly<Record<AffordanceKind, string>>): Map<string, AffordanceKind[]> {
    const out = new Map<string, AffordanceKind[]>();
    for (const [kind, bucket] of Object.entries(buckets) as [AffordanceKind, string][]) {
        out.set(bucket, [...(out.get(bucket) ?? []), kind]);
    }
    return out;
}

/** The kind of a record from its op (every op names its kind). */
export function kindOfOp(op: string): AffordanceKind | undefined {
    if (op === "invokeaction") return "action";
    if (/event$/.test(op)) return "event";
    if (/propert(y|ies)$|^propertychange$/.test(op)) return "property";
    return undefined;
}

/** Every measurement of the bucket but the per-kind ones. */
async function perThingMeasurements(transport: Transport, bucket: string): Promise<string[]> {
    const perKind = new Set(Object.values(KIND_MEASUREMENTS));
    const series = await queryOne(transport, bucket, "SHOW MEASUREMENTS");
    return series.flatMap((s) => (s.values ?? []).map((v) => String(v[0]))).filter((m) => !perKind.has(m));
}

/** The progress file, written again (atomically: a new file renamed over it) after every page. */
class Progress {
    private readonly state: ProgressFile;

    constructor(
        private readonly file: string,
        server: string
    ) {
        this.state = fs.existsSync(file) ? read(file) : { server, cursors: {} };
        if (this.state.server !== server) {
            throw new Error(
                `${file} records a migration of ${this.state.server}, not of ${server}: give another --progress file`
            );
        }
    }

    cursor(bucket: string, measurement: string): bigint | undefined {
        const text = this.state.cursors[`${bucket}\n${measurement}`];
        return text === undefined ? undefined : BigInt(text);
    }

    save(bucket: string, measurement: string, ns: bigint): void {
        this.state.cursors[`${bucket}\n${measurement}`] = ns.toString();
        const tmp = `${this.file}.tmp`;
        fs.writeFileSync(tmp, `${JSON.stringify(this.state, null, 1)}\n`);
        fs.renameSync(tmp, this.file);
    }
}

function read(file: string): ProgressFile {
    let parsed: Partial<ProgressFile>;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<ProgressFile>;
    } catch (err) {
        throw new Error(`${file} is not a progress file of this migration: ${(err as Error).message}`);
    }
    const cursors = parsed.cursors;
    if (typeof parsed.server !== "string" || cursors === null || typeof cursors !== "object") {
        throw new Error(`${file} is not a progress file of this migration (no server and cursors)`);
    }
    for (const v of Object.values(cursors)) {
        if (typeof v !== "string" || !/^-?\d+$/.test(v)) throw new Error(`${file}: a cursor is not a time: ${v}`);
    }
    return { server: parsed.server, cursors };
}

/** The copy of one per-thing measurement into its kind's measurement. */
class MeasurementCopy {
    constructor(
        private readonly transport: Transport,
        private readonly influxdb: ResolvedInfluxDbOptions,
        private readonly bucket: string,
        /** the Thing's id as encodeName wrote it: the `thing` tag's value as it is */
        private readonly measurement: string
    ) {}

    /** Copies from the progress file's cursor on; resolves to the points written. */
    async run(progress: Progress, pagePoints: number, onPage: (copied: number) => void): Promise<number> {
        let cursor = progress.cursor(this.bucket, this.measurement) ?? MIN_TIME_NS;
        let limit = pagePoints;
        let copied = 0;
        for (;;) {
            const rows = await this.page(cursor, limit);
            const full = rows.length === limit;
            const last = rows.length === 0 ? cursor : rfc3339ToNs(String(rows[rows.length - 1].time));
            // a full page: its last timestamp may go on in the next one, which starts there
            const done = full ? rows.filter((r) => rfc3339ToNs(String(r.time)) < last) : rows;
            if (full && done.length === 0) {
                limit *= 2; // a page all of one timestamp
                continue;
            }
            limit = pagePoints;
            copied += await this.write(done);
            if (done.length > 0) progress.save(this.bucket, this.measurement, last);
            if (!full) return copied;
            cursor = last;
            onPage(copied);
        }
    }

    private async page(cursor: bigint, limit: number): Promise<RecordRow[]> {
        const statement = selectStatement({
            select: RECORD_COLUMNS.map(column),
            from: this.measurement,
            where: [timeRange(cursor, MAX_TIME_NS)],
            limit,
        });
        return rowObjects<RecordRow>(await queryOne(this.transport, this.bucket, statement));
    }

    /**
     * Writes the rows that are records (with `valid`, `name` and an `op` naming a kind; a bucket may hold other
     * points) to the measurement of their kind, in that kind's bucket; resolves to how many.
     */
    private async write(rows: readonly RecordRow[]): Promise<number> {
        const byKind = new Map<AffordanceKind, string[]>();
        let written = 0;
        for (const r of rows) {
            const kind = typeof r.op === "string" ? kindOfOp(r.op) : undefined;
            if (kind === undefined || typeof r.valid !== "boolean" || typeof r.name !== "string") continue;
            const tags: Record<string, string | undefined> = {};
            for (const t of RECORD_TAGS) tags[t] = typeof r[t] === "string" ? r[t] : undefined;
            const fields: Record<string, number | boolean | string | undefined> = {};
            for (const [f, type] of Object.entries(FIELD_TYPES)) {
                const v = r[f as keyof RecordRow];
                fields[f] = typeof v === type ? (v as number | boolean | string) : undefined;
            }
            const line = perKindLine(kind, this.measurement, tags, fields, rfc3339ToNs(String(r.time)));
            let lines = byKind.get(kind);
            if (lines === undefined) byKind.set(kind, (lines = []));
            lines.push(line);
            written++;
        }
        for (const [kind, lines] of byKind) {
            const query = new URLSearchParams({
                org: this.influxdb.org,
                bucket: this.influxdb.buckets[kind],
                precision: "ns",
            });
            await this.transport.request(`/api/v2/write?${query}`, lines.join("\n"), {
                method: "POST",
                headers: { "content-type": "text/plain; charset=utf-8" },
            });
        }
        return written;
    }
}
