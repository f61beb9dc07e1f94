import { AFFORDANCE_KINDS, type AffordanceKind } from "../model/interaction-record";
import { parseDuration } from "../model/duration";
import { invalidOption, list, oneOf, section, shown, text } from "./option-checks";

/** A retention: a duration ("30d", "12h", "1y"; a number is milliseconds), or "forever". */
export type RetentionText = string | number;

/** One affordance's raw retention (`retention.affordances`): the first rule that matches wins. */
export interface AffordanceRetention {
    thing?: string;
    kind?: AffordanceKind;
    name: string;
    raw: RetentionText;
}

/** `retention` in the attach options and in both descriptor dialects. */
export interface RetentionOptions {
    /** raw interactions of every kind; default "30d" */
    raw?: RetentionText;
    /** raw interactions of one kind, over `raw` */
    property?: RetentionText;
    action?: RetentionText;
    event?: RetentionText;
    /** one affordance's raw interactions, over its kind's */
    affordances?: AffordanceRetention[];
    /** 5-minute statistics of numeric values; default "365d" */
    fiveMinute?: RetentionText;
    /** hourly statistics; default "forever" */
    hourly?: RetentionText;
    /**
     * free space to keep on the filesystem of the SQLite file: bytes, or a share of the filesystem ("5%");
     * under it the oldest raw points go first (statistics stay); default "5%"
     */
    minFree?: number | string;
    /** how often old data is deleted; default "1m" */
    purgeInterval?: RetentionText;
}

/** null: kept for ever. */
export type RetentionNs = bigint | null;

export interface ResolvedRetentionOptions {
    /** `retention.raw`: also the VO's own rows' (vo_status, closed observers) */
    all: RetentionNs;
    raw: Record<AffordanceKind, RetentionNs>;
    affordances: { thing?: string; kind?: AffordanceKind; name: string; raw: RetentionNs }[];
    fiveMinute: RetentionNs;
    hourly: RetentionNs;
    minFree: { bytes: number } | { share: number };
    purgeIntervalMs: number;
}

const DAY = 86_400_000_000_000n;
export const DEFAULT_RETENTION = { raw: 30n * DAY, fiveMinute: 365n * DAY, hourly: null, minFreeShare: 0.05 };
/** the finest statistics' window: raw points kept for less could not be rolled up */
const MIN_RAW_NS = 300_000_000_000n;
const HOUR_NS = 3_600_000_000_000n;
const KEYS = ["raw", "property", "action", "event", "affordances", "fiveMinute", "hourly", "minFree", "purgeInterval"];

/** A retention at `path`: "forever", a duration text, or milliseconds. */
function retention(value: unknown, path: string, fallback: RetentionNs): RetentionNs {
    if (value === undefined) return fallback;
    if (value === "forever") return null;
    if (typeof value === "number" && Number.isInteger(value) && value > 0) return BigInt(value) * 1_000_000n;
    if (typeof value === "string") {
        try {
            const ns = parseDuration(value.trim());
            if (ns > 0n) return ns;
        } catch {
            // named below
        }
    }
    throw invalidOption(path, `must be a duration like "30d", "12h" or "1y", or "forever"; got ${shown(value)}`);
}

const longer = (a: RetentionNs, b: RetentionNs): boolean => a === null || (b !== null && a > b);

export function resolveRetentionOptions(options: RetentionOptions | undefined): ResolvedRetentionOptions {
    const r = section(options ?? {}, "retention");
    for (const key of Object.keys(r)) {
        if (!KEYS.includes(key))
            throw invalidOption(`retention.${key}`, `unknown key (retention has ${KEYS.join(", ")})`);
    }
    const all = retention(r.raw, "retention.raw", DEFAULT_RETENTION.raw);
    const raw = Object.fromEntries(AFFORDANCE_KINDS.map((k) => [k, retention(r[k], `retention.${k}`, all)])) as Record<
        AffordanceKind,
        RetentionNs
    >;
    const affordances = list(r.affordances, "retention.affordances", [], affordanceRule);
    const fiveMinute = retention(r.fiveMinute, "retention.fiveMinute", DEFAULT_RETENTION.fiveMinute);
    const hourly = retention(r.hourly, "retention.hourly", DEFAULT_RETENTION.hourly);
    const rawPaths: [RetentionNs, string][] = [
        ...AFFORDANCE_KINDS.map((k): [RetentionNs, string] => [
            raw[k],
            r[k] === undefined ? "retention.raw" : `retention.${k}`,
        ]),
        ...affordances.map((a, i): [RetentionNs, string] => [a.raw, `retention.affordances[${i}].raw`]),
    ];
    for (const [ns, path] of rawPaths) {
        if (ns !== null && ns < MIN_RAW_NS) {
            throw invalidOption(path, "must be at least 5m, the window of the finest statistics kept of the points");
        }
    }
    if (fiveMinute !== null && fiveMinute < HOUR_NS) {
        throw invalidOption(
            "retention.fiveMinute",
            "must be at least 1h, the window of the hourly statistics made of it"
        );
    }
    if (longer(fiveMinute, hourly)) {
        throw invalidOption(
            "retention.hourly",
            "must be at least as long as retention.fiveMinute (hours are made of them)"
        );
    }
    return {
        all,
        raw,
        affordances,
        fiveMinute,
        hourly,
        minFree: minFree(r.minFree),
        purgeIntervalMs: Number(
            (retention(r.purgeInterval, "retention.purgeInterval", 60_000_000_000n) ?? 0n) / 1_000_000n
        ),
    };
}

function affordanceRule(value: unknown, path: string): ResolvedRetentionOptions["affordances"][number] {
    const rule = section(value as Record<string, unknown>, path, 'a mapping like { name: "vibration", raw: "2d" }');
    for (const key of Object.keys(rule)) {
        if (!["thing", "kind", "name", "raw"].includes(key)) {
            throw invalidOption(`${path}.${key}`, "unknown key (a rule has thing, kind, name, raw)");
        }
    }
    const name = text(rule.name, `${path}.name`, undefined);
    if (name === undefined) throw invalidOption(`${path}.name`, "must name the affordance");
    if (rule.raw === undefined) throw invalidOption(`${path}.raw`, 'must say how long, e.g. "2d"');
    const out: ResolvedRetentionOptions["affordances"][number] = {
        name,
        raw: retention(rule.raw, `${path}.raw`, null),
    };
    const thing = text(rule.thing, `${path}.thing`, undefined);
    if (thing !== undefined) out.thing = thing;
    if (rule.kind !== undefined) out.kind = oneOf(rule.kind, `${path}.kind`, AFFORDANCE_KINDS, "property");
    return out;
}

function minFree(value: unknown): ResolvedRetentionOptions["minFree"] {
    if (value === undefined) return { share: DEFAULT_RETENTION.minFreeShare };
    if (typeof value === "number" && Number.isInteger(value) && value >= 0) return { bytes: value };
    const m = typeof value === "string" ? /^(\d+(?:\.\d+)?)%$/.exec(value.trim()) : null;
    if (m !== null && Number(m[1]) < 100) return { share: Number(m[1]) / 100 };
    throw invalidOption(
        "retention.minFree",
        `must be bytes (an integer) or a share under 100% like "5%"; got ${shown(value)}`
    );
}

/** How long a series' raw points are kept: its affordance's rule, else its kind's. */
export function rawRetentionOf(r: ResolvedRetentionOptions, thing: string, kind: AffordanceKind, name: string) {
    const rule = r.affordances.find(
        (a) =>
            a.name === name && (a.thing === undefined || a.thing === thing) && (a.kind === undefined || a.kind === kind)
    );
    return rule === undefined ? r.raw[kind] : rule.raw;
}
