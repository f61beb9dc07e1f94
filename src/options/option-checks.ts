import fs from "node:fs";
import net from "node:net";
import { InvalidOptionsError } from "../model/errors";

/**
 * The one validator kit of every option: each check takes the value as given, the dotted path it
 * was given at (`influxdb.timeoutMs`, or a descriptor's `databaseConfig.timeseries.influxdb.timeout`)
 * and, where the option may be left out, its default. It returns the value typed, or throws an
 * InvalidOptionsError naming the path: `node-wot-vo option influxdb.timeoutMs: must be a positive
 * number, got "x"`. Values are quoted, so no check may be handed a secret.
 */

/** The error of a bad option at `path`; `problem` reads after the path ("must be ..."). */
export function invalidOption(path: string, problem: string, cause?: unknown): InvalidOptionsError {
    return new InvalidOptionsError(`node-wot-vo option ${path}: ${problem}`, { path, problem, cause });
}

/** A value as an error message quotes it. */
export function shown(value: unknown): string {
    return value === undefined ? "nothing" : JSON.stringify(value);
}

/** An integer from `min` (default 1) to `max`. */
export function integer(value: unknown, path: string, fallback: number, min = 1, max?: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
        const what =
            max !== undefined
                ? `an integer from ${min} to ${max}`
                : min === 1
                  ? "a positive integer"
                  : `an integer >= ${min}`;
        throw invalidOption(path, `must be ${what}, got ${shown(value)}`);
    }
    return value;
}

export function positiveInteger(value: unknown, path: string, fallback: number): number {
    return integer(value, path, fallback, 1);
}

/** A TCP or UDP port, 0 (any free port) to 65535; required. */
export function port(value: unknown, path: string): number {
    if (value === undefined) throw invalidOption(path, "must be an integer from 0 to 65535, got nothing");
    return integer(value, path, 0, 0, 65535);
}

/** A number above zero, not necessarily whole (a byte count, milliseconds). */
export function positiveNumber(value: unknown, path: string, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
        throw invalidOption(path, `must be a positive number, got ${shown(value)}`);
    }
    return value;
}

export function flag(value: unknown, path: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") throw invalidOption(path, `must be true or false, got ${shown(value)}`);
    return value;
}

export function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) {
        const list = allowed.map((a) => JSON.stringify(a)).join(", ");
        throw invalidOption(path, `must be one of ${list}, got ${shown(value)}`);
    }
    return value as T;
}

/** A string that is not empty; `fallback` undefined: the option may be left out. */
export function text<F extends string | undefined>(value: unknown, path: string, fallback: F): string | F {
    if (value === undefined) return fallback;
    if (typeof value !== "string" || value === "") throw invalidOption(path, "must be a non-empty string");
    return value;
}

/** An object (a section of options); `undefined` stays undefined. */
export function section<T extends object>(value: T | undefined, path: string, what = "a mapping of options"): T {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw invalidOption(path, `must be ${what}, got ${shown(value)}`);
    }
    return value;
}

/** An array, each item checked by `item` at its own path (`recording.exclude[2]`); `fallback` when left out. */
export function list<T>(
    value: unknown,
    path: string,
    fallback: T[],
    item: (value: unknown, path: string) => T,
    what = "a list"
): T[] {
    if (value === undefined) return fallback;
    if (!Array.isArray(value)) throw invalidOption(path, `must be ${what}, got ${shown(value)}`);
    return value.map((v, i) => item(v, `${path}[${i}]`));
}

/** What a URL check allows: its schemes (`"mqtt:"`), what to call it in the message, credentials in it. */
export interface UrlRule {
    schemes: readonly string[];
    /** e.g. "an mqtt:// or mqtts:// URL" */
    what: string;
    /** why user:password in the URL is refused (default: it is allowed) */
    noCredentials?: string;
    /** a URL with no host is refused (default true) */
    host?: boolean;
}

/** A URL of one of the rule's schemes; never quotes user:password, refused or not. */
export function url(value: unknown, path: string, rule: UrlRule): URL {
    let u: URL;
    try {
        if (typeof value !== "string") throw new TypeError("not a string");
        u = new URL(value);
    } catch {
        throw invalidOption(path, `is not a URL (expected ${rule.what})`);
    }
    const noHost = u.hostname === "";
    if (!rule.schemes.includes(u.protocol) || (rule.host !== false && noHost)) {
        throw invalidOption(path, `must be ${rule.what}, got ${u.protocol}//${noHost ? " with no host" : ""}`);
    }
    if (rule.noCredentials !== undefined && (u.username !== "" || u.password !== "")) {
        throw invalidOption(path, rule.noCredentials);
    }
    return u;
}

const HOSTNAME =
    /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * `host`, `host:port` or `[v6]:port` (an IP address or a DNS name, port 1..65535), normalized
 * (`[::1]:8080`); undefined when it is none of them.
 */
export function hostPort(value: unknown): string | undefined {
    if (typeof value !== "string") return undefined;
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(value.trim());
    const host = m?.[1] ?? m?.[2];
    const p = m?.[3] === undefined ? undefined : Number(m[3]);
    const hostOk =
        host !== undefined && (m?.[1] !== undefined ? net.isIPv6(host) : net.isIPv4(host) || HOSTNAME.test(host));
    if (!hostOk || (p !== undefined && (p < 1 || p > 65535))) return undefined;
    const h = net.isIPv6(host!) ? `[${host}]` : host!;
    return p === undefined ? h : `${h}:${p}`;
}

/** A redirect target: `host`, `host:port` or `[v6]:port`, normalized. */
export function redirectTarget(value: unknown, path: string): string {
    const normalized = hostPort(value);
    if (normalized === undefined) throw invalidOption(path, `${shown(value)} is not host, host:port or [IPv6]:port`);
    return normalized;
}

/** setTimeout fires at once for longer delays */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** A delay in milliseconds from `min` to what a timer can wait (about 24.8 days). */
export function delayMs(value: unknown, path: string, fallback: number, min = 1): number {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value)) {
        throw invalidOption(path, `must be a whole number of milliseconds, got ${shown(value)}`);
    }
    if (value < min) throw invalidOption(path, min === 1 ? "must be longer than 0" : `must be at least ${min} ms`);
    if (value > MAX_DELAY_MS) throw invalidOption(path, `must be at most ${MAX_DELAY_MS} ms (about 24.8 days)`);
    return value;
}

/** The text of a file the option names; the message names the file and the error code, never its content. */
export function fileText(file: string, path: string): string {
    try {
        return fs.readFileSync(file, "utf8");
    } catch (err) {
        throw invalidOption(path, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`, err);
    }
}

/** The value of the environment variable the option names; the message names the variable, never a value. */
export function envValue(name: string, path: string, env: NodeJS.ProcessEnv): string {
    const value = env[name];
    if (value === undefined || value.trim() === "") {
        throw invalidOption(path, `names the environment variable ${name}, which is not set`);
    }
    return value;
}
