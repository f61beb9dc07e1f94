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

// Every query below is built with the client's `flux` template: each value is escaped as a Flux literal.

/**
 * The filters on the op and ok tags, as a Flux expression to append to a predicate (empty when none).
 * Each op is a comparison of its own so the filter is still pushed down to storage; each value goes
 * through the `flux` template.
 */
function tagFilters(q: NormalizedHistoryQuery): ReturnType<typeof fluxExpression> {
    let text = "";
    if (q.ops !== undefined) {
        const each = q.ops.map((op) => flux`r.op == ${op}`.toString());
        text += each.length === 0 ? " and false" : ` and (${each.join(" or ")})`;
    }
    if (q.okOnly === true) text += ' and r.ok == "true"';
    return fluxExpression(text);
}

/**
 * Each aggregate in two steps: per window and per series (tag set) by functions InfluxDB runs in its
 * storage engine (an aggregateWindow straight after range and filter is pushed down), then the
 * partials of all series of the affordance combined per window. `first` and `last` keep the time of
 * each series' first (last) point, so the oldest (newest) one wins.
 */
const PARTIALS: Record<AggregateFn, { parts: [label: string, fn: string][]; combine: string }> = {
    mean: {
        parts: [
            ["sum", "sum"],
            ["n", "count"],
        ],
        combine: "sum",
    },
    count: { parts: [["n", "count"]], combine: "sum" },
    sum: { parts: [["v", "sum"]], combine: "sum" },
    min: { parts: [["v", "min"]], combine: "min" },
    max: { parts: [["v", "max"]], combine: "max" },
    first: { parts: [["v", "first"]], combine: "first" },
    last: { parts: [["v", "last"]], combine: "last" },
};

/**
 * Numeric values (numbers, booleans as 0/1) of successful interactions in epoch-aligned windows, each
 * stamped with its start.
 * value_num is aggregated in storage; value_bool has to be converted to 0/1 first, which storage
 * cannot do, so it costs in proportion to the boolean points only. 1,000 windows over a million
 * points: about 40 ms for mean, where merging all series first and aggregating in the query engine
 * took 300 ms (bench/history.ts).
 */
export function aggregateQuery(bucket: string, q: NormalizedHistoryQuery): ParameterizedQuery {
    const agg = q.aggregate!;
    const { parts, combine } = PARTIALS[agg.fn];
    // Identifiers cannot be parameters: what is spliced in as an expression below is fixed text of this file.
    const branches: string[] = [];
    for (const [field, convert] of [
        ["value_num", ""],
        ["value_bool", " |> toFloat()"],
    ]) {
        for (const [label, fn] of parts) {
            const timeSrc = fn === "last" || fn === "first" ? "_time" : "_start";
            branches.push(
                `series(field: "${field}")${convert}` +
                    ` |> aggregateWindow(every: every, fn: ${fn}, timeSrc: "${timeSrc}", createEmpty: false)` +
                    ` |> toFloat() |> keep(columns: ["_time", "_value"]) |> set(key: "_field", value: "${label}")`
            );
        }
    }
    const mean =
        agg.fn === "mean"
            ? `|> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> map(fn: (r) => ({_time: r._time, _value: r.sum / r.n}))`
            : "";
    return flux`every = ${fluxDuration(`${agg.everyNs}ns`)}
series = (field) => from(bucket: ${bucket})
  |> range(start: ${fluxDateTime(nsToRfc3339(q.startNs))}, stop: ${fluxDateTime(nsToRfc3339(q.stopNs))})
  |> filter(fn: (r) => r._measurement == ${encodeName(q.thing)} and r.name == ${encodeName(q.name)} and r._field == field and r.ok == "true"${tagFilters({ ...q, okOnly: false })})
union(tables: [
    ${fluxExpression(branches.join(",\n    "))},
  ])
  |> group(columns: ["_field"])
  |> sort(columns: ["_time"])
  |> aggregateWindow(every: every, fn: ${fluxExpression(combine)}, timeSrc: "_start", createEmpty: false)
  |> group()
  ${fluxExpression(mean)}
  |> sort(columns: ["_time"], desc: ${q.order === "newest"})
  |> limit(n: ${q.limit})`;
}
