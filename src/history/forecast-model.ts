import { VoError } from "../model/errors";

/**
 * The orders of a (seasonal) ARIMA model: ARIMA(p, d, q), and with `season` (steps per season) the seasonal part
 * (P, D, Q). vo-wot's `forecasting` fits ARIMA(1, d, 1), d being 0 when an ADF test finds the series stationary and
 * 1 otherwise; here d is 1 unless given, so a level that drifts is followed (a stationary series costs little by it).
 */
export interface ArimaOrder {
    p?: number;
    d?: number;
    q?: number;
    P?: number;
    D?: number;
    Q?: number;
}

export interface ResolvedOrder {
    p: number;
    d: number;
    q: number;
    P: number;
    D: number;
    Q: number;
    /** steps per season, 0 for none */
    s: number;
}

/** The `arima` package's constructor, as far as it is used here. */
interface ArimaModel {
    train(ts: number[]): ArimaModel;
    predict(steps: number): [number[], number[]];
    destroy?(): void;
}
type ArimaConstructor = new (options: Record<string, unknown>) => ArimaModel;

export class ForecastUnavailableError extends VoError {
    readonly kind = "failed";
}

let arima: ArimaConstructor | undefined;

/**
 * Loads the `arima` package (ARIMA/SARIMA of the ctsa C library, compiled to WebAssembly) on the first forecast:
 * loading compiles its module synchronously, which a VO that never forecasts should not pay for at start.
 */
function loadArima(): ArimaConstructor {
    if (arima !== undefined) return arima;
    try {
        // loaded lazily by name, which an import statement cannot express
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        arima = require("arima") as ArimaConstructor;
    } catch (err) {
        throw new ForecastUnavailableError(`forecast: the package arima cannot be loaded (${(err as Error).message})`);
    }
    return arima;
}

const ORDER_KEYS = ["p", "d", "q", "P", "D", "Q"] as const;

/** The model's orders, the defaults filled in; `problem` names what is wrong with a given one. */
export function resolveOrder(
    order: ArimaOrder | undefined,
    season: number | undefined,
    problem: (message: string) => Error
): ResolvedOrder {
    if (season !== undefined && (!Number.isInteger(season) || season < 2)) {
        throw problem(`season: must be an integer of 2 steps or more, not ${JSON.stringify(season)}`);
    }
    if (order !== undefined && (order === null || typeof order !== "object")) {
        throw problem("model: must be an object of p, d, q (and P, D, Q with season)");
    }
    const s = season ?? 0;
    const seasonal = s > 0 ? 1 : 0;
    const defaults: Omit<ResolvedOrder, "s"> = { p: 1, d: 1, q: 1, P: seasonal, D: seasonal, Q: seasonal };
    const resolved = { ...defaults, s };
    for (const key of Object.keys(order ?? {})) {
        if (!(ORDER_KEYS as readonly string[]).includes(key)) throw problem(`model.${key}: unknown (p, d, q, P, D, Q)`);
    }
    for (const key of ORDER_KEYS) {
        const v = order?.[key];
        if (v === undefined) continue;
        if (!Number.isInteger(v) || v < 0 || v > 5) throw problem(`model.${key}: must be an integer from 0 to 5`);
        if (s === 0 && "PDQ".includes(key) && v > 0) throw problem(`model.${key}: a seasonal order needs season`);
        resolved[key] = v;
    }
    return resolved;
}

/**
 * The fewest points a model is fitted on: what differencing uses up (d + D·s), the lags the model reaches back
 * (the larger of p + P·s and q + Q·s), and four more so the coefficients and the noise's variance have data left.
 */
export function pointsNeeded(o: ResolvedOrder): number {
    return o.d + o.D * o.s + Math.max(o.p + o.P * o.s, o.q + o.Q * o.s) + 4;
}

/** Fits the model to `values` (evenly spaced) and forecasts the next `steps`; `variance` of each, as arima gives it. */
export function arimaForecast(
    values: number[],
    order: ResolvedOrder,
    steps: number
): { point: number[]; variance: number[] } {
    const Arima = loadArima();
    const model = new Arima({ ...order, verbose: false });
    try {
        const [point, variance] = model.train(values).predict(steps);
        if (point.some((v) => !Number.isFinite(v))) {
            throw new ForecastUnavailableError(
                "forecast: the model could not be fitted to this series (try a smaller order or more points)"
            );
        }
        return { point: [...point], variance: [...variance] };
    } finally {
        model.destroy?.(); // frees the model's WebAssembly memory
    }
}
