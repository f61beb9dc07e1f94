import { VoError } from "../model/errors";
import type { AffordanceKind, Operation } from "../model/interaction-record";
import type {
    AggregateRow,
    HistoryRecord,
    NormalizedHistoryQuery,
    TimeSeriesStore,
} from "../timeseries/time-series-store";
import { arimaForecast, ArimaOrder, DEFAULT_FIT_TIMEOUT_MS, pointsNeeded, resolveOrder } from "./forecast-model";
import {
    everyNs,
    InvalidHistoryQueryError,
    MAX_HISTORY_LIMIT,
    normalizeHistoryQuery,
    TimeBound,
} from "./history-query";

/** The series `vo.mean()` and `vo.forecast()` read: one affordance's numeric values in `[from, to)`. */
export interface SeriesQuery {
    thing: string;
    /** default "property" */
    kind?: AffordanceKind;
    name: string;
    /** inclusive: a Date, epoch milliseconds, ISO 8601, or back from now ("-10m") */
    from: TimeBound;
    /** exclusive; default now */
    to?: TimeBound;
    /** only these recorded operations (default: all, e.g. reads, writes and changes of a property) */
    ops?: readonly Operation[];
}

/** `vo.mean()`: vo-wot's `mean_value(thing, name, horizon)` is `{ from: "-10m", last: horizon }`. */
export interface MeanQuery extends SeriesQuery {
    /** the mean of the newest `last` numeric values of the range only (vo-wot's `horizon`) */
    last?: number;
}

/** `vo.forecast()`: vo-wot's `forecasting(thing, name)` is `{ from: "-10m", horizon: 1 }`. */
export interface ForecastQuery extends SeriesQuery {
    /** how many steps ahead to forecast (vo-wot: 1) */
    horizon: number;
    /**
     * one step: the series is the mean of each window of `every` ("1m", or milliseconds), windows without a value
     * filled in linearly; without it, the values as recorded (vo-wot's way), a step being their mean spacing
     */
    every?: string | number;
    /** steps per season (a daily cycle of hourly steps: 24): a seasonal ARIMA model */
    season?: number;
    /** the model's orders; default ARIMA(1,1,1), with season (1,1,1)(1,1,1)s */
    model?: ArimaOrder;
    /** fit on at most the newest this many steps (default 1000, at most 5000) */
    points?: number;
    /** the fit is ended and refused after this many ms (default 30000, at most 600000) */
    timeoutMs?: number;
}

/** One forecast step: when, the value expected, and the variance of the forecast error the model gives it. */
export interface ForecastPoint {
    time: Date;
    value: number;
    variance: number;
}

/** A forecast asked over fewer points than its model needs; `needed` and `found` say how many. */
export class NotEnoughPointsError extends VoError {
    readonly kind = "invalid-input";

    constructor(
        readonly needed: number,
        readonly found: number,
        what: string
    ) {
        super(`forecast: ${what} needs at least ${needed} points, the range has ${found}`);
    }
}

const invalid = (message: string) => new InvalidHistoryQueryError(message);
/** the arima package's WebAssembly memory holds a fit of about 8000 points, not 9000 */
const MAX_FORECAST_POINTS = 5000;
const MAX_HORIZON = 10_000;
const DEFAULT_FORECAST_POINTS = 1000;

/** Numbers as they are, booleans as 0/1 (as the stores' aggregates count them); anything else is no value. */
function numericValue(r: HistoryRecord): number | undefined {
    if (typeof r.value === "number" && Number.isFinite(r.value)) return r.value;
    if (typeof r.value === "boolean") return r.value ? 1 : 0;
    return undefined;
}

function positiveInteger(v: unknown, field: string, max: number): number {
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > max) {
        throw invalid(`${field}: must be an integer from 1 to ${max}, not ${JSON.stringify(v)}`);
    }
    return v as number;
}

/** The query the store is asked, checked by the one normalizer of history queries. */
function normalized(q: SeriesQuery, what: string, extra: Partial<NormalizedHistoryQuery> = {}): NormalizedHistoryQuery {
    if (q === null || typeof q !== "object") throw invalid(`${what}: must be an object`);
    if (q.from === undefined) throw invalid(`${what}: from is required (e.g. "-10m")`);
    const base = normalizeHistoryQuery({
        thing: q.thing,
        kind: q.kind ?? "property",
        name: q.name,
        from: q.from,
        to: q.to,
        ops: q.ops,
        okOnly: true,
    });
    return { ...base, ...extra };
}

/**
 * The statistics of a script's `vo.mean()` and `vo.forecast()`, read through a store's history and aggregate
 * queries only, so they answer alike from the embedded store and InfluxDB.
 */
export class HistoryStatistics {
    constructor(private readonly store: TimeSeriesStore) {}

    /**
     * The mean of the numeric values (booleans as 0/1) of successful interactions in the range, or null when it
     * holds none. Over the whole range it is the stores' own sum and count, a window as wide as the range (epoch-
     * aligned windows: two at most); with `last`, the newest points, read and averaged here.
     */
    async mean(q: MeanQuery): Promise<number | null> {
        if (q?.last !== undefined) {
            const last = positiveInteger(q.last, "last", MAX_HISTORY_LIMIT);
            const rows = (await this.store.history(
                normalized(q, "mean", { order: "newest", limit: last })
            )) as HistoryRecord[];
            const values = rows.map(numericValue).filter((v): v is number => v !== undefined);
            return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
        }
        const base = normalized(q, "mean", { limit: 2 });
        const widthNs = base.stopNs - base.startNs;
        const [sums, counts] = (await Promise.all([
            this.store.history({ ...base, aggregate: { everyNs: widthNs, fn: "sum" } }),
            this.store.history({ ...base, aggregate: { everyNs: widthNs, fn: "count" } }),
        ])) as [AggregateRow[], AggregateRow[]];
        const n = counts.reduce((a, r) => a + (r.value ?? 0), 0);
        return n === 0 ? null : sums.reduce((a, r) => a + (r.value ?? 0), 0) / n;
    }

    /**
     * The next `horizon` steps of the series by a (seasonal) ARIMA model fitted to it, as vo-wot's `forecasting`
     * does with ARIMA(1, d, 1). Refused with `NotEnoughPointsError` when the range has fewer points than the model
     * needs.
     */
    async forecast(q: ForecastQuery): Promise<ForecastPoint[]> {
        const horizon = positiveInteger(q?.horizon, "horizon", MAX_HORIZON);
        const points = positiveInteger(q.points ?? DEFAULT_FORECAST_POINTS, "points", MAX_FORECAST_POINTS);
        const order = resolveOrder(q.model, q.season, invalid);
        const timeoutMs = positiveInteger(q.timeoutMs ?? DEFAULT_FIT_TIMEOUT_MS, "timeoutMs", 600_000);
        const series = q.every === undefined ? await this.recorded(q, points) : await this.windows(q, points);
        const needed = pointsNeeded(order);
        if (series.values.length < needed) {
            const model =
                order.s > 0
                    ? `ARIMA(${order.p},${order.d},${order.q})(${order.P},${order.D},${order.Q})${order.s}`
                    : `ARIMA(${order.p},${order.d},${order.q})`;
            throw new NotEnoughPointsError(needed, series.values.length, model);
        }
        const { point, variance } = await arimaForecast(series.values, order, horizon, timeoutMs);
        return point.map((value, i) => ({
            time: new Date(series.lastMs + (i + 1) * series.stepMs),
            value,
            variance: variance[i],
        }));
    }

    /** The values as recorded, oldest first; a step is their mean spacing. */
    private async recorded(q: ForecastQuery, points: number): Promise<Series> {
        const rows = (await this.store.history(
            normalized(q, "forecast", { order: "newest", limit: points })
        )) as HistoryRecord[];
        const kept = rows.filter((r) => numericValue(r) !== undefined).reverse();
        const values = kept.map((r) => numericValue(r)!);
        if (kept.length < 2) return { values, lastMs: 0, stepMs: 0 };
        const first = kept[0].time.getTime();
        const lastMs = kept[kept.length - 1].time.getTime();
        return { values, lastMs, stepMs: (lastMs - first) / (kept.length - 1) };
    }

    /** The mean of each window of `every`, oldest first, a window without a value filled in from its neighbours. */
    private async windows(q: ForecastQuery, points: number): Promise<Series> {
        const step = everyNs(q.every!);
        const aggregate = { everyNs: step, fn: "mean" } as const;
        const rows = (
            await this.store.history(normalized(q, "forecast", { order: "newest", limit: points, aggregate }))
        )
            .filter((r): r is AggregateRow => (r as AggregateRow).value !== null)
            .reverse();
        const stepMs = Number(step) / 1e6;
        if (rows.length === 0) return { values: [], lastMs: 0, stepMs };
        const values: number[] = [];
        const firstMs = rows[0].time.getTime();
        for (let i = 0; i < rows.length; i++) {
            const at = Math.round((rows[i].time.getTime() - firstMs) / stepMs);
            const before = values.length - 1;
            // the windows the store left out (no value in them) between the previous one and this
            for (let k = before + 1; k < at; k++) {
                values.push(values[before] + ((rows[i].value! - values[before]) * (k - before)) / (at - before));
            }
            values.push(rows[i].value!);
        }
        return { values: values.slice(-points), lastMs: rows[rows.length - 1].time.getTime(), stepMs };
    }
}

interface Series {
    /** evenly spaced, oldest first */
    values: number[];
    /** the time of the last value, a step apart from the first forecast */
    lastMs: number;
    stepMs: number;
}
