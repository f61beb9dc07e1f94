/**
 * The worker thread that fits ARIMA models (`forecast-model.ts` starts it): a fit is synchronous WebAssembly that
 * takes seconds on a long seasonal series (about 4 s for 4000 points of a 24-step season), which would stop the
 * VO answering meanwhile. One job at a time: { id, values, order, steps } in, { id, point, variance } or
 * { id, error } out.
 */
import { parentPort } from "node:worker_threads";

/** The `arima` package's constructor, as far as it is used here. */
interface ArimaModel {
    train(ts: number[]): ArimaModel;
    predict(steps: number): [number[], number[]];
    destroy?(): void;
}
type ArimaConstructor = new (options: Record<string, unknown>) => ArimaModel;

export interface ForecastJob {
    id: number;
    values: number[];
    order: Record<string, number>;
    steps: number;
}

export type ForecastAnswer =
    { id: number; point: number[]; variance: number[] } | { id: number; error: string; unavailable?: boolean };

let Arima: ArimaConstructor | undefined;

function fit(job: ForecastJob): ForecastAnswer {
    try {
        // loaded here, on the first job: compiling its WebAssembly takes a few hundred ms
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        Arima ??= require("arima") as ArimaConstructor;
    } catch (err) {
        return {
            id: job.id,
            error: `the package arima cannot be loaded (${(err as Error).message.split("\n")[0]})`,
            unavailable: true,
        };
    }
    const model = new Arima({ ...job.order, verbose: false });
    try {
        const [point, variance] = model.train(job.values).predict(job.steps);
        return { id: job.id, point: [...point], variance: [...variance] };
    } catch (err) {
        return { id: job.id, error: (err as Error).message };
    } finally {
        model.destroy?.(); // frees the model's WebAssembly memory
    }
}

parentPort?.on("message", (job: ForecastJob) => parentPort!.postMessage(fit(job)));
