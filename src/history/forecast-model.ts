import path from "node:path";
import { Worker } from "node:worker_threads";
import { VoError } from "../model/errors";
import type { ForecastAnswer, ForecastJob } from "./forecast-worker";

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

export class ForecastUnavailableError extends VoError {
    readonly kind = "failed";
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

/** How long one fit may take before its worker is ended: a seasonal fit of some series runs for minutes. */
export const DEFAULT_FIT_TIMEOUT_MS = 30_000;

/**
 * Fits the model to `values` (evenly spaced) and forecasts the next `steps`, with the variance of each as the `arima`
 * package (ctsa's ARIMA/SARIMA in WebAssembly) gives it; in the one worker thread of `fitter`, ended (and the fit
 * refused) after `timeoutMs`.
 */
export async function arimaForecast(
    values: number[],
    order: ResolvedOrder,
    steps: number,
    timeoutMs = DEFAULT_FIT_TIMEOUT_MS
): Promise<{ point: number[]; variance: number[] }> {
    const answer = await fitter.run({ values, order: { ...order }, steps }, timeoutMs);
    if ("error" in answer) {
        throw new ForecastUnavailableError(
            answer.unavailable === true
                ? `forecast: ${answer.error}`
                : `forecast: the model could not be fitted to this series (${answer.error})`
        );
    }
    if (answer.point.some((v) => !Number.isFinite(v))) {
        throw new ForecastUnavailableError(
            "forecast: the model could not be fitted to this series (try a smaller model or more points)"
        );
    }
    return answer;
}

/**
 * One worker thread for the fits of the process, one at a time, started on the first and kept (its WebAssembly
 * compiled once); idle, it does not keep the process alive. A fit over its time ends the worker (the fits queued
 * behind it fail with it); the next fit starts another.
 */
class ForecastFitter {
    private worker: Worker | undefined;
    private nextId = 0;
    private readonly pending = new Map<number, (answer: ForecastAnswer) => void>();

    run(job: Omit<ForecastJob, "id">, timeoutMs: number): Promise<ForecastAnswer> {
        const id = this.nextId++;
        const worker = this.started();
        worker.ref(); // a fit under way keeps the process alive for its answer
        return new Promise((resolve) => {
            const timer = setTimeout(() => {
                this.answer({ id, error: `it took longer than ${timeoutMs} ms` });
                this.lose(worker, "the fit before it took too long");
                void worker.terminate();
            }, timeoutMs);
            this.pending.set(id, (answer) => {
                clearTimeout(timer);
                resolve(answer);
            });
            worker.postMessage({ ...job, id });
        });
    }

    private answer(answer: ForecastAnswer): void {
        this.pending.get(answer.id)?.(answer);
        this.pending.delete(answer.id);
        if (this.pending.size === 0) this.worker?.unref();
    }

    private started(): Worker {
        if (this.worker !== undefined) return this.worker;
        const worker = new Worker(path.join(__dirname, "forecast-worker.js"));
        worker.on("message", (answer: ForecastAnswer) => this.answer(answer));
        worker.on("error", (err) => this.lose(worker, `the forecast worker failed: ${err.message}`));
        worker.on("exit", (code) => this.lose(worker, `the forecast worker exited (${code})`));
        this.worker = worker;
        return worker;
    }

    /** Fails what the worker still had (all that is pending: a new worker starts only after) and lets it go. */
    private lose(worker: Worker, why: string): void {
        if (this.worker !== worker) return;
        this.worker = undefined;
        for (const id of [...this.pending.keys()]) this.answer({ id, error: why });
    }
}

const fitter = new ForecastFitter();
