import type { AggregateRow, HistoryRecord } from "../timeseries/time-series-store";

const POINT_COLUMNS = [
    "time",
    "timestampNs",
    "op",
    "protocol",
    "origin",
    "ok",
    "value",
    "output",
    "error",
    "durationMs",
    "valid",
    "truncated",
    "stale",
] as const;

/** One point as it goes over the wire: the record, with its time as ISO 8601. */
export function pointOf(r: HistoryRecord): Record<string, unknown> {
    return {
        time: r.time.toISOString(),
        timestampNs: r.timestampNs,
        op: r.op,
        protocol: r.protocol,
        origin: r.origin,
        ok: r.ok,
        value: r.value,
        output: r.output,
        error: r.error,
        durationMs: r.durationMs,
        valid: r.valid,
        truncated: r.truncated,
        stale: r.stale,
    };
}

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled. */
function csvField(value: unknown): string {
    if (value === undefined || value === null) return "";
    const text = typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (fields: readonly unknown[]): string => `${fields.map(csvField).join(",")}\r\n`;

export function pointsCsv(records: readonly HistoryRecord[]): string {
    let out = csvLine(POINT_COLUMNS);
    for (const r of records) {
        const p = pointOf(r);
        out += csvLine(POINT_COLUMNS.map((c) => p[c]));
    }
    return out;
}

export function windowsCsv(rows: readonly AggregateRow[]): string {
    let out = csvLine(["time", "value"]);
    for (const w of rows) out += csvLine([w.time.toISOString(), w.value]);
    return out;
}
