import { Point } from "@influxdata/influxdb-client";
import type { InteractionRecord } from "../../src";
import type { InfluxLayout } from "../../src/options/influxdb-options";
import { encodeName, KIND_MEASUREMENTS, survivesCsv } from "../../src/timeseries/influxdb/line-protocol";
import { encodeValue } from "../../src/timeseries/value-encoding";

/**
 * The InfluxDB layout of a record built with the client's own `Point`: the reference the fast
 * serializer (`toLine`) is checked against, and what the ingest bench hands the raw client.
 */
export function referencePoint(r: InteractionRecord, layout: InfluxLayout = "per-kind"): Point {
    const perKind = layout === "per-kind";
    const point = new Point(perKind ? KIND_MEASUREMENTS[r.kind] : encodeName(r.thing))
        .tag("name", encodeName(r.name))
        .tag("op", r.op)
        .tag("protocol", r.protocol)
        .tag("ok", r.ok ? "true" : "false")
        .booleanField("valid", r.valid)
        .booleanField("truncated", r.truncated)
        .timestamp(r.ts.toString());
    if (perKind) point.tag("thing", encodeName(r.thing));
    addTyped(point, "value", r.value, !perKind);
    addTyped(point, "output", r.output, !perKind);
    if (r.origin !== undefined) point.stringField("origin", r.origin);
    if (r.stale === true) point.booleanField("stale", true);
    if (r.error !== undefined) {
        if (survivesCsv(r.error)) point.stringField("error", r.error);
        else point.stringField("error_json", JSON.stringify(r.error));
    }
    if (r.durationMs !== undefined) point.floatField("duration_ms", r.durationMs);
    return point;
}

function addTyped(point: Point, prefix: string, value: unknown, leaves: boolean): void {
    let e = encodeValue(value);
    if (e === undefined) return;
    if (e.type === "string" && !survivesCsv(e.value)) e = { type: "json", value: JSON.stringify(e.value) };
    point.tag(`${prefix}_type`, e.type);
    if (e.type === "number") point.floatField(`${prefix}_num`, e.value);
    else if (e.type === "boolean") point.booleanField(`${prefix}_bool`, e.value);
    else if (e.type === "string") point.stringField(`${prefix}_str`, e.value);
    else {
        point.stringField(`${prefix}_json`, e.value);
        if (leaves && typeof value === "object") flatten(point, prefix, value, 0, { left: 64 });
    }
}

function flatten(point: Point, path: string, value: unknown, depth: number, budget: { left: number }): void {
    if (value === null || typeof value !== "object" || depth >= 8) return;
    for (const [key, v] of Object.entries(value)) {
        if (budget.left <= 0) return;
        const name = `${path}.${encodeName(key)}`;
        if (typeof v === "number" && Number.isFinite(v)) point.floatField(`${name}_num`, v);
        else if (typeof v === "boolean") point.booleanField(`${name}_bool`, v);
        else if (typeof v === "string") point.stringField(`${name}_str`, v);
        else {
            flatten(point, name, v, depth + 1, budget);
            continue;
        }
        budget.left--;
    }
}
