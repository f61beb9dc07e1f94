import { isLoopbackUrl } from "../model/address";
import { fileText, invalidOption, oneOf, positiveNumber, section, shown, text, url } from "./option-checks";

/** How records are laid out in the buckets (src/timeseries/influxdb/line-protocol.ts). */
export type InfluxLayout = "per-thing" | "per-kind";
export const INFLUX_LAYOUTS: readonly InfluxLayout[] = ["per-kind", "per-thing"];

/** InfluxDB 2.x settings of `VoPersistence.attach(servient, { influxdb })`. */
export interface InfluxDbOptions {
    /** e.g. http://127.0.0.1:8086; default $INFLUX_URL */
    url?: string;
    /** organisation name; default $INFLUX_ORG, else DEFAULT_INFLUX_ORG ("wot") */
    org?: string;
    /**
     * API token. Prefer `tokenFile` or the environment ($INFLUX_TOKEN, or $INFLUX_TOKEN_FILE naming a file):
     * the token is never logged nor put into an error message.
     */
    token?: string;
    /** file holding the token (surrounding whitespace ignored) */
    tokenFile?: string;
    /** bucket per kind; defaults "properties", "actions", "events" */
    buckets?: { properties?: string; actions?: string; events?: string };
    /**
     * retention of the buckets this package creates, every kind: a duration like "30d", or "0" to keep forever;
     * default each kind's raw retention (`retention.raw` / `retention.property`..., 30 days)
     */
    retention?: string;
    /** per HTTP request, milliseconds (default 10000) */
    timeoutMs?: number;
    /** request bodies larger than this many bytes are gzipped (default 1000; none to a loopback URL) */
    gzipThreshold?: number;
    /** disk bound of the spool of unwritten batches, bytes (default 512 MiB) */
    maxSpoolBytes?: number;
    /**
     * "per-kind": a measurement per kind with the Thing as a tag (fits InfluxDB 3's table limits);
     * "per-thing": a measurement per Thing (earlier releases). Unset: what the buckets already hold, found
     * when the store starts (per-thing data and no per-kind measurement: "per-thing"), else "per-kind".
     */
    layout?: InfluxLayout;
}

export interface ResolvedInfluxDbOptions {
    url: string;
    org: string;
    token: string;
    buckets: { property: string; action: string; event: string };
    /** `influxdb.retention`, 0 for ever; undefined: each kind's (`bucketRetentionSeconds`) */
    retentionSeconds: number;
    /** the retention each kind's bucket is created with (0: for ever); a bucket two kinds share takes the longer */
    bucketRetentionSeconds: { property: number; action: number; event: number };
    timeoutMs: number;
    gzipThreshold: number;
    maxSpoolBytes: number;
    /** undefined: found from what the buckets hold */
    layout?: InfluxLayout;
}

/** organisation name without `org` and $INFLUX_ORG */
export const DEFAULT_INFLUX_ORG = "wot";
export const DEFAULT_INFLUX_BUCKETS = { properties: "properties", actions: "actions", events: "events" } as const;
export const DEFAULT_INFLUX_TIMEOUT_MS = 10_000;
export const DEFAULT_INFLUX_GZIP_THRESHOLD = 1000;
export const DEFAULT_MAX_SPOOL_BYTES = 512 * 1024 * 1024;
/** the shortest retention InfluxDB accepts */
export const MIN_INFLUX_RETENTION_SECONDS = 3600;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Seconds of a retention like "30d" ("0": forever). */
export function retentionSeconds(value: unknown, path = "influxdb.retention"): number {
    if (value === undefined || value === "0" || value === "") return 0;
    const m = typeof value === "string" ? /^(\d+)(s|m|h|d|w)$/.exec(value) : null;
    if (!m) throw invalidOption(path, `must be like "30d", "12h" or "0", got ${shown(value)}`);
    const seconds = Number(m[1]) * UNIT_SECONDS[m[2]];
    if (seconds < MIN_INFLUX_RETENTION_SECONDS) throw invalidOption(path, "must be at least 1h (an InfluxDB limit)");
    return seconds;
}

function readToken(options: InfluxDbOptions, env: NodeJS.ProcessEnv): string {
    if (options.token !== undefined) {
        if (typeof options.token !== "string") throw invalidOption("influxdb.token", "must be a string");
        return options.token.trim();
    }
    if (options.tokenFile !== undefined)
        return fileText(text(options.tokenFile, "influxdb.tokenFile", ""), "influxdb.tokenFile").trim();
    const file = env.INFLUX_TOKEN_FILE;
    if (file !== undefined && file !== "") return fileText(file, "influxdb.tokenFile ($INFLUX_TOKEN_FILE)").trim();
    return (env.INFLUX_TOKEN ?? "").trim();
}

function bucket(value: unknown, kind: keyof typeof DEFAULT_INFLUX_BUCKETS): string {
    const name = text(value, `influxdb.buckets.${kind}`, DEFAULT_INFLUX_BUCKETS[kind]);
    if (name.startsWith("_")) throw invalidOption(`influxdb.buckets.${kind}`, 'must not start with "_"');
    return name;
}

/** Validates once at attach; the token comes from options, a file or the environment. */
export function resolveInfluxDbOptions(
    options: InfluxDbOptions,
    env: NodeJS.ProcessEnv = process.env
): ResolvedInfluxDbOptions {
    section(options, "influxdb");
    const u = url(options.url ?? env.INFLUX_URL, "influxdb.url", {
        schemes: ["http:", "https:"],
        what: "an http(s) URL (or set INFLUX_URL)",
    });
    const token = readToken(options, env);
    if (token === "") {
        throw invalidOption("influxdb.token", "is missing: set influxdb.tokenFile, INFLUX_TOKEN_FILE or INFLUX_TOKEN");
    }
    const buckets = section(options.buckets ?? {}, "influxdb.buckets");
    return {
        url: String(options.url ?? env.INFLUX_URL).replace(/\/+$/, ""),
        org: text(options.org, "influxdb.org", env.INFLUX_ORG || DEFAULT_INFLUX_ORG),
        token,
        buckets: {
            property: bucket(buckets.properties, "properties"),
            action: bucket(buckets.actions, "actions"),
            event: bucket(buckets.events, "events"),
        },
        retentionSeconds: retentionSeconds(options.retention),
        // resolveOptions sets each kind's from `retention` unless `influxdb.retention` is given
        bucketRetentionSeconds: {
            property: retentionSeconds(options.retention),
            action: retentionSeconds(options.retention),
            event: retentionSeconds(options.retention),
        },
        timeoutMs: positiveNumber(options.timeoutMs, "influxdb.timeoutMs", DEFAULT_INFLUX_TIMEOUT_MS),
        // Compressing for an InfluxDB on the same machine costs CPU on both ends and saves no network
        // (ingest bench: about 8% more points/s without it on loopback).
        gzipThreshold: positiveNumber(
            options.gzipThreshold,
            "influxdb.gzipThreshold",
            isLoopbackUrl(u) ? Number.MAX_SAFE_INTEGER : DEFAULT_INFLUX_GZIP_THRESHOLD
        ),
        maxSpoolBytes: positiveNumber(options.maxSpoolBytes, "influxdb.maxSpoolBytes", DEFAULT_MAX_SPOOL_BYTES),
        layout:
            options.layout === undefined
                ? undefined
                : oneOf(options.layout, "influxdb.layout", INFLUX_LAYOUTS, "per-kind"),
    };
}
