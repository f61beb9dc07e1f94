import { flux, fluxDateTime, fluxDuration, fluxExpression, ParameterizedQuery } from "@influxdata/influxdb-client";
import type { AggregateFn, NormalizedHistoryQuery } from "../time-series-store";
import { encodeName } from "./line-protocol";

/** RFC 3339 with nanoseconds, exact for a bigint of nanoseconds since the epoch. */
export function nsToRfc3339(ns: bigint): string {
    const ms = ns / 1_000_000n;
    const iso = new Date(Number(ms)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
    const fraction = (ns % 1_000_000_000n).toString().padStart(9, "0");
    return `${iso.slice(0, 19)}.${fraction}Z`;
}

/** Nanoseconds since the epoch from an RFC 3339 time as Flux returns it (fraction of any length). */
export function rfc3339ToNs(text: string): bigint {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
    if (!m) throw new Error(`unexpected time from InfluxDB: ${JSON.stringify(text)}`);
    const seconds = BigInt(Date.parse(`${m[1]}${m[3]}`) / 1000);
    return seconds * 1_000_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

const FLUX_FN: Record<AggregateFn, string> = { mean: "mean", min: "min", max: "max", count: "count", last: "last" };

/** Every query below is built with the client's `flux` template: each value is escaped as a Flux literal. */
export function historyQuery(bucket: string, q: NormalizedHistoryQuery): ParameterizedQuery {
    return flux`from(bucket: ${bucket})
  |> range(start: ${fluxDateTime(nsToRfc3339(q.startNs))}, stop: ${fluxDateTime(nsToRfc3339(q.stopNs))})
  |> filter(fn: (r) => r._measurement == ${encodeName(q.thing)} and r.name == ${encodeName(q.name)})
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> group()
  |> sort(columns: ["_time"], desc: ${q.descending})
  |> limit(n: ${q.limit})`;
}

/** Numeric values (numbers, booleans as 0/1) in epoch-aligned windows, each stamped with its start. */
export function aggregateQuery(bucket: string, q: NormalizedHistoryQuery): ParameterizedQuery {
    const agg = q.aggregate!;
    // An identifier cannot be a parameter: FLUX_FN maps the validated enum to a fixed function name.
    const fn = fluxExpression(FLUX_FN[agg.fn]);
    return flux`from(bucket: ${bucket})
  |> range(start: ${fluxDateTime(nsToRfc3339(q.startNs))}, stop: ${fluxDateTime(nsToRfc3339(q.stopNs))})
  |> filter(fn: (r) => r._measurement == ${encodeName(q.thing)} and r.name == ${encodeName(q.name)})
  |> filter(fn: (r) => r._field == "value_num" or r._field == "value_bool")
  |> map(fn: (r) => ({_time: r._time, _start: r._start, _stop: r._stop, _value: float(v: r._value)}))
  |> group()
  |> sort(columns: ["_time"])
  |> aggregateWindow(every: ${fluxDuration(`${agg.everyNs}ns`)}, fn: ${fn}, timeSrc: "_start", createEmpty: false)
  |> sort(columns: ["_time"], desc: ${q.descending})
  |> limit(n: ${q.limit})`;
}

/** The time of the newest successful value of a property; the caller then reads that point. */
export function latestTimeQuery(bucket: string, thing: string, property: string): ParameterizedQuery {
    return flux`from(bucket: ${bucket})
  |> range(start: ${fluxDateTime("1970-01-01T00:00:00Z")})
  |> filter(fn: (r) => r._measurement == ${encodeName(thing)} and r.name == ${encodeName(property)})
  |> filter(fn: (r) => r._field == "valid" and r.ok == "true" and exists r.value_type)
  |> filter(fn: (r) => r.op != "observeproperty" and r.op != "unobserveproperty")
  |> last()
  |> group()
  |> sort(columns: ["_time"], desc: true)
  |> limit(n: 1)`;
}
