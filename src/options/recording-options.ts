import { AFFORDANCE_KINDS, OPERATIONS, RecordingExclusion } from "../model/interaction-record";
import { flag, invalidOption, list, oneOf, positiveInteger, section, shown, text } from "./option-checks";

/** How recorded interactions are batched into the store (the write buffer). */
export interface WriteBufferOptions {
    /** records per store write */
    batchSize: number;
    /** a partial batch is written after at most this long */
    flushIntervalMs: number;
    /** records held in memory; past it new records are dropped and counted */
    maxQueue: number;
    /** longest wait between retries while the store keeps failing */
    maxRetryDelayMs: number;
}

export const DEFAULT_WRITE_BUFFER_OPTIONS: WriteBufferOptions = {
    batchSize: 1000,
    flushIntervalMs: 200,
    maxQueue: 100_000,
    maxRetryDelayMs: 5_000,
};

/**
 * The flush interval when recording into InfluxDB: each write is an HTTP request and one WAL write in influxd, and a
 * VO recording 10 points/s at 200 ms sent 5 requests of 2 points a second (a thousand such VOs: 5000 requests/s,
 * more than influxd on 2 cores answered; docs/benchmarks.md, "A fleet on one InfluxDB"). A crash in the default
 * acknowledge mode loses up to this much; after-commit answers never wait for it (they start a write at once).
 */
export const DEFAULT_INFLUX_FLUSH_INTERVAL_MS = 1000;

export const DEFAULT_MAX_VALUE_BYTES = 64 * 1024;

export type AcknowledgeMode = "at-once" | "after-commit";
export const ACKNOWLEDGE_MODES: readonly AcknowledgeMode[] = ["at-once", "after-commit"];

/** `recording` in the attach options. */
export type RecordingOptions = Partial<WriteBufferOptions> & {
    /** values larger than this many bytes of JSON are recorded cut and flagged; default 65536 */
    maxValueBytes?: number;
    /**
     * When a write or an action invocation is answered: "at-once" (default; a crash loses at most
     * what was queued, about one flush interval), or "after-commit": only once its record is
     * committed (SQLite, or InfluxDB / its spool). See docs/operations.md, "Durable acknowledgements".
     */
    acknowledge?: AcknowledgeMode;
    /** with "after-commit", reads wait for their record too; default false */
    acknowledgeReads?: boolean;
    /**
     * interactions left out of the recording (answered as ever): `[{ thing: "urn:x", name: "temperature",
     * ops: ["readproperty"] }]`; each given field must match, an absent one matches anything. Default none.
     */
    exclude?: RecordingExclusion[];
};

export interface ResolvedRecordingOptions {
    acknowledge: AcknowledgeMode;
    acknowledgeReads: boolean;
    writeBuffer: WriteBufferOptions;
    maxValueBytes: number;
    exclude: RecordingExclusion[];
}

/** `influx`: the records go to InfluxDB, whose default flush interval is DEFAULT_INFLUX_FLUSH_INTERVAL_MS. */
export function resolveRecordingOptions(rec: RecordingOptions, influx = false): ResolvedRecordingOptions {
    const d = influx
        ? { ...DEFAULT_WRITE_BUFFER_OPTIONS, flushIntervalMs: DEFAULT_INFLUX_FLUSH_INTERVAL_MS }
        : DEFAULT_WRITE_BUFFER_OPTIONS;
    return {
        acknowledge: oneOf(rec.acknowledge, "recording.acknowledge", ACKNOWLEDGE_MODES, "at-once"),
        acknowledgeReads: flag(rec.acknowledgeReads, "recording.acknowledgeReads", false),
        writeBuffer: {
            batchSize: positiveInteger(rec.batchSize, "recording.batchSize", d.batchSize),
            flushIntervalMs: positiveInteger(rec.flushIntervalMs, "recording.flushIntervalMs", d.flushIntervalMs),
            maxQueue: positiveInteger(rec.maxQueue, "recording.maxQueue", d.maxQueue),
            maxRetryDelayMs: positiveInteger(rec.maxRetryDelayMs, "recording.maxRetryDelayMs", d.maxRetryDelayMs),
        },
        maxValueBytes: positiveInteger(rec.maxValueBytes, "recording.maxValueBytes", DEFAULT_MAX_VALUE_BYTES),
        exclude: list(rec.exclude, "recording.exclude", [], exclusion, "a list of exclusions"),
    };
}

const EXCLUSION_KEYS = ["thing", "kind", "name", "ops"];
const EXCLUSION_EXAMPLE = 'a mapping like { thing: "urn:x", name: "temperature", ops: ["readproperty"] }';

/** One `recording.exclude` entry: known keys, non-empty strings, known kinds and operations, at least one field. */
function exclusion(value: unknown, path: string): RecordingExclusion {
    const rule = section(value as Record<string, unknown>, path, EXCLUSION_EXAMPLE);
    for (const key of Object.keys(rule)) {
        if (!EXCLUSION_KEYS.includes(key)) {
            throw invalidOption(`${path}.${key}`, `unknown key (an exclusion has ${EXCLUSION_KEYS.join(", ")})`);
        }
    }
    const out: RecordingExclusion = {};
    const thing = text(rule.thing, `${path}.thing`, undefined);
    if (thing !== undefined) out.thing = thing;
    if (rule.kind !== undefined) out.kind = oneOf(rule.kind, `${path}.kind`, AFFORDANCE_KINDS, "property");
    const name = text(rule.name, `${path}.name`, undefined);
    if (name !== undefined) out.name = name;
    if (rule.ops !== undefined) {
        out.ops = list(rule.ops, `${path}.ops`, [], (op, at) => {
            if (op === undefined) throw invalidOption(at, `must be an operation, got ${shown(op)}`);
            return oneOf(op, at, OPERATIONS, "readproperty");
        });
        if (out.ops.length === 0) throw invalidOption(`${path}.ops`, "must name at least one operation");
    }
    if (Object.keys(out).length === 0) {
        throw invalidOption(
            path,
            "must name at least one of thing, kind, name, ops (an empty one would leave out everything)"
        );
    }
    return out;
}
