import fs from "node:fs";
import { isLoopbackUrl } from "../../model/address";
import { InvalidOptionsError } from "../../model/errors";

/** InfluxDB 2.x settings of `VoPersistence.attach(servient, { influxdb })`. */
export interface InfluxDbOptions {
    /** e.g. http://127.0.0.1:8086; default $INFLUX_URL */
    url?: string;
    /** organisation name; default $INFLUX_ORG, else "wot" */
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
    /** retention of buckets this package creates: a duration like "30d", or "0" to keep forever (default) */
    retention?: string;
    /** per HTTP request, milliseconds (default 10000) */
    timeoutMs?: number;
    /** request bodies larger than this many bytes are gzipped (default 1000; none to a loopback URL) */
    gzipThreshold?: number;
    /** disk bound of the spool of unwritten batches, bytes (default 512 MiB) */
    maxSpoolBytes?: number;
}

export interface ResolvedInfluxDbOptions {
    url: string;
    org: string;
    token: string;
    buckets: { property: string; action: string; event: string };
    retentionSeconds: number;
    timeoutMs: number;
    gzipThreshold: number;
    maxSpoolBytes: number;
}

export class InfluxDbConfigError extends InvalidOptionsError {}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

function retentionSeconds(text: string): number {
    if (text === "0" || text === "") return 0;
    const m = /^(\d+)(s|m|h|d|w)$/.exec(text);
    if (!m)
        throw new InfluxDbConfigError(`influxdb.retention ${JSON.stringify(text)} must be like "30d", "12h" or "0"`);
    const seconds = Number(m[1]) * UNIT_SECONDS[m[2]];
    if (seconds < 3600) throw new InfluxDbConfigError("influxdb.retention must be at least 1h (an InfluxDB limit)");
    return seconds;
}

function readToken(options: InfluxDbOptions, env: NodeJS.ProcessEnv): string {
    if (options.token !== undefined) return options.token.trim();
    const file = options.tokenFile ?? env.INFLUX_TOKEN_FILE;
    if (file !== undefined && file !== "") {
        try {
            return fs.readFileSync(file, "utf8").trim();
        } catch (err) {
            throw new InfluxDbConfigError(
                `cannot read the InfluxDB token file ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`
            );
        }
    }
    return (env.INFLUX_TOKEN ?? "").trim();
}

function positive(value: number | undefined, name: string, fallback: number): number {
    if (value === undefined) return fallback;
    if (!Number.isFinite(value) || value <= 0)
        throw new InfluxDbConfigError(`influxdb.${name} must be a positive number`);
    return value;
}

/** Validates once at attach; the token comes from options, a file or the environment. */
export function resolveInfluxDbOptions(
    options: InfluxDbOptions,
    env: NodeJS.ProcessEnv = process.env
): ResolvedInfluxDbOptions {
    const url = options.url ?? env.INFLUX_URL;
    if (url === undefined || !/^https?:\/\/[^/]+/.test(url)) {
        throw new InfluxDbConfigError(
            `influxdb.url must be an http(s) URL (or set INFLUX_URL), got ${JSON.stringify(url)}`
        );
    }
    const token = readToken(options, env);
    if (token === "") {
        throw new InfluxDbConfigError("no InfluxDB token: set influxdb.tokenFile, INFLUX_TOKEN_FILE or INFLUX_TOKEN");
    }
    const buckets = {
        property: options.buckets?.properties ?? "properties",
        action: options.buckets?.actions ?? "actions",
        event: options.buckets?.events ?? "events",
    };
    for (const [kind, name] of Object.entries(buckets)) {
        if (typeof name !== "string" || name.length === 0 || name.startsWith("_")) {
            throw new InfluxDbConfigError(`influxdb bucket for ${kind} must be a non-empty name not starting with "_"`);
        }
    }
    return {
        url: url.replace(/\/+$/, ""),
        org: options.org ?? env.INFLUX_ORG ?? "wot",
        token,
        buckets,
        retentionSeconds: retentionSeconds(options.retention ?? "0"),
        timeoutMs: positive(options.timeoutMs, "timeoutMs", 10_000),
        // Compressing for an InfluxDB on the same machine costs CPU on both ends and saves no network
        // (ingest bench: about 8% more points/s without it on loopback).
        gzipThreshold: positive(
            options.gzipThreshold,
            "gzipThreshold",
            isLoopbackUrl(new URL(url)) ? Number.MAX_SAFE_INTEGER : 1000
        ),
        maxSpoolBytes: positive(options.maxSpoolBytes, "maxSpoolBytes", 512 * 1024 * 1024),
    };
}
