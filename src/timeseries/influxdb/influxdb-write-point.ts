import { HttpError, InfluxDB, Point } from "@influxdata/influxdb-client";
import { BucketsAPI, OrgsAPI } from "@influxdata/influxdb-client-apis";
import { VoError } from "../../model/errors";
import { ensureDatabases } from "./influxdb1";

/** What `writePoint` takes: a scalar, an object of them (nested objects flattened), or an array (as JSON text). */
export type PointValue =
    number | bigint | boolean | string | readonly unknown[] | { readonly [field: string]: unknown };

export interface WritePointOptions {
    /** the bucket (on 1.x: the database) to write to instead of the one named `key`, created if missing */
    bucket?: string;
    /** tags of the point */
    tags?: Readonly<Record<string, string>>;
    /** the point's time (default: now, by this machine's clock) */
    time?: Date | number;
}

export class InvalidPointError extends VoError {
    readonly kind = "invalid-input";
}

/**
 * The fields of a value, as vo-wot's `write_point` makes them: an object's leaves under their dotted paths
 * (`{ a: { b: 1 } }` -> `a.b`), an array as JSON text in `value`, anything else as `value`.
 */
export function pointFields(value: PointValue): [string, unknown][] {
    if (Array.isArray(value)) return [["value", JSON.stringify(value)]];
    if (value !== null && typeof value === "object") {
        const fields: [string, unknown][] = [];
        const walk = (o: object, prefix: string) => {
            for (const [k, v] of Object.entries(o)) {
                const name = prefix === "" ? k : `${prefix}.${k}`;
                if (v !== null && typeof v === "object" && !Array.isArray(v)) walk(v, name);
                else fields.push([name, Array.isArray(v) ? JSON.stringify(v) : v]);
            }
        };
        walk(value, "");
        return fields;
    }
    return [["value", value]];
}

/**
 * Sets one field by the value's type: numbers as floats (a field keeps its first type, and 21 then 21.5 must both
 * be written), bigints as integers. Returns whether it set one.
 */
function setField(point: Point, name: string, v: unknown): boolean {
    if (typeof v === "number") {
        if (!Number.isFinite(v)) throw new InvalidPointError(`writePoint: field ${name}: ${v} is not a finite number`);
        point.floatField(name, v);
    } else if (typeof v === "bigint") point.intField(name, v.toString());
    else if (typeof v === "boolean") point.booleanField(name, v);
    else if (typeof v === "string") point.stringField(name, v);
    else if (v === null || v === undefined)
        return false; // left out, as vo-wot's client leaves out None
    else throw new InvalidPointError(`writePoint: field ${name}: a ${typeof v} is no field value`);
    return true;
}

/** The point of `key`'s measurement; refused, naming the problem, when it would be written without a field. */
export function pointOf(key: string, value: PointValue, options: WritePointOptions): Point {
    if (typeof key !== "string" || key === "")
        throw new InvalidPointError("writePoint: key must be a non-empty string");
    if (value === null || value === undefined) throw new InvalidPointError("writePoint: value is required");
    const point = new Point(key);
    let fields = 0;
    for (const [name, v] of pointFields(value)) if (setField(point, name, v)) fields++;
    if (fields === 0) throw new InvalidPointError(`writePoint: ${key}: the value has no field to write`);
    for (const [tag, v] of Object.entries(options.tags ?? {})) {
        if (typeof v !== "string") throw new InvalidPointError(`writePoint: tags.${tag}: must be a string`);
        point.tag(tag, v);
    }
    if (options.time !== undefined) {
        const time = options.time instanceof Date ? options.time : new Date(options.time);
        if (Number.isNaN(time.getTime())) throw new InvalidPointError("writePoint: time must be a Date or epoch ms");
        point.timestamp(time);
    }
    return point;
}

/** Creates a bucket of the org when it has none of that name (InfluxDB 2.x, Cloud). */
export async function ensureOrgBucket(
    client: InfluxDB,
    orgID: string,
    name: string,
    retentionSeconds: number
): Promise<boolean> {
    const api = new BucketsAPI(client);
    const found = await api.getBuckets({ orgID, name }).catch((err: unknown) => {
        if (err instanceof HttpError && err.statusCode === 404) return { buckets: [] };
        throw err;
    });
    if ((found.buckets ?? []).length > 0) return false;
    await api.postBuckets({
        body: {
            orgID,
            name,
            retentionRules: retentionSeconds > 0 ? [{ type: "expire", everySeconds: retentionSeconds }] : [],
        },
    });
    return true;
}

/** The id of the organisation named `org`. */
export async function orgIdOf(client: InfluxDB, org: string): Promise<string> {
    const orgs = await new OrgsAPI(client).getOrgs({ org });
    const orgID = orgs.orgs?.[0]?.id;
    if (orgID === undefined) throw new Error(`InfluxDB has no organisation named ${JSON.stringify(org)}`);
    return orgID;
}

/**
 * `servient.influxdb.writePoint(key, value, options?)`, vo-wot's `write_point(key, value)`: one point of measurement
 * `key` in the bucket `key` (created on first use, with the VO's retention), written before it resolves, through
 * the client library's WriteApi.
 */
export class PointWriter {
    private readonly ready = new Set<string>();

    constructor(
        private readonly client: InfluxDB,
        private readonly org: string,
        private readonly retentionSeconds: number,
        private readonly serverMajor: () => Promise<number | undefined>
    ) {}

    async writePoint(key: string, value: PointValue, options: WritePointOptions = {}): Promise<void> {
        const point = pointOf(key, value, options ?? {});
        const bucket = options?.bucket ?? key;
        if (typeof bucket !== "string" || bucket === "") {
            throw new InvalidPointError("writePoint: bucket must be a non-empty string");
        }
        if (!this.ready.has(bucket)) {
            await this.ensureBucket(bucket);
            this.ready.add(bucket);
        }
        // one request, no retry buffer: the point is in InfluxDB when this resolves, or the call rejects
        const api = this.client.getWriteApi(this.org, bucket, "ms", { maxRetries: 0, flushInterval: 0 });
        api.writePoint(point);
        await api.close();
    }

    private async ensureBucket(bucket: string): Promise<void> {
        if ((await this.serverMajor()) === 1) {
            await ensureDatabases(this.client.transport, [bucket], this.retentionSeconds);
        } else {
            await ensureOrgBucket(this.client, await orgIdOf(this.client, this.org), bucket, this.retentionSeconds);
        }
    }
}
