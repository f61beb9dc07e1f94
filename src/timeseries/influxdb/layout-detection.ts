import type { AffordanceKind } from "../../model/interaction-record";
import type { InfluxLayout } from "../../options/influxdb-options";
import { column, selectStatement } from "./influxql";
import { InfluxQLError, type InfluxQLSeries } from "./influxql-endpoint";
import { KIND_MEASUREMENTS } from "./line-protocol";

/** Runs one statement on a database (a bucket) and gives its series. */
type Run = (db: string, statement: string) => Promise<InfluxQLSeries[]>;

export interface FoundLayout {
    /** what to read and write */
    layout: InfluxLayout;
    /** the buckets hold per-thing measurements (earlier releases' layout) */
    perThing: boolean;
}

const PER_KIND_NAMES = new Set(Object.values(KIND_MEASUREMENTS));

/**
 * Which layout the buckets hold, for a VO whose options do not say: per-kind once any per-kind measurement holds
 * a point (even beside per-thing data, which the migration copies), per-thing when only per-thing measurements
 * exist (an upgraded VO keeps reading its history), per-kind when the buckets are empty (a new VO).
 * A server that cannot list measurements (SHOW MEASUREMENTS is not in every version's InfluxQL) has none of the
 * earlier layout. Rejects only when the server cannot be asked.
 */
export async function detectLayout(run: Run, buckets: Readonly<Record<AffordanceKind, string>>): Promise<FoundLayout> {
    let perKind = false;
    let perThing = false;
    for (const [kind, bucket] of Object.entries(buckets) as [AffordanceKind, string][]) {
        const measurement = KIND_MEASUREMENTS[kind];
        const rows = await unlessUnsupported(
            run(bucket, selectStatement({ select: [column("valid")], from: measurement, where: [], limit: 1 }))
        );
        perKind ||= rows.some((s) => (s.values ?? []).length > 0);
        // four names: at least one of them is not one of the three per-kind measurements, if any exists
        const shown = await unlessUnsupported(run(bucket, "SHOW MEASUREMENTS LIMIT 4"));
        const names = shown.flatMap((s) => (s.values ?? []).map((v) => String(v[0])));
        for (const name of names.filter((n) => !PER_KIND_NAMES.has(n))) {
            perThing ||= await holdsRecords(run, bucket, name);
        }
    }
    return { layout: perThing && !perKind ? "per-thing" : "per-kind", perThing };
}

/** The measurement holds points of a record's shape (a bucket may hold other measurements than the VO's). */
async function holdsRecords(run: Run, bucket: string, measurement: string): Promise<boolean> {
    const statement = selectStatement({
        select: [column("valid"), column("op")],
        from: measurement,
        where: [],
        limit: 1,
    });
    const rows = (await unlessUnsupported(run(bucket, statement))).flatMap((s) => s.values ?? []);
    return rows.some((row) => typeof row[1] === "boolean" && typeof row[2] === "string");
}

/** A statement the server refused as such (400, or an error in its answer) reads as nothing found. */
async function unlessUnsupported(answer: Promise<InfluxQLSeries[]>): Promise<InfluxQLSeries[]> {
    try {
        return await answer;
    } catch (err) {
        if (err instanceof InfluxQLError && (err.status === 400 || err.message.startsWith("InfluxQL:"))) return [];
        throw err;
    }
}
