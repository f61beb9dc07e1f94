/**
 * One bounded exponential back-off with jitter, as influxdb-client-js's RetryStrategy has one: after
 * each failure the bound grows by `factor`, from `minMs` up to `maxMs`; the delay is drawn below it
 * (by up to `jitter` of it), so that VOs failing together do not retry together. A success starts over.
 */

export interface BackOffOptions {
    /** the bound after the first failure */
    minMs: number;
    /** the bound never grows past this (it wins over `minMs` when smaller) */
    maxMs: number;
    /** how much the bound grows with each further failure; default 2 */
    factor?: number;
    /** the share of the bound a delay may fall short of it, 0 to 1; default 0.5 (a delay in the bound's upper half) */
    jitter?: number;
}

export class BackOff {
    private boundMs = 0;

    constructor(private readonly options: BackOffOptions) {}

    /** The bound of the last delay, before jitter: 0 before any failure and after a success. */
    get bound(): number {
        return this.boundMs;
    }

    /** The delay before the next attempt, one more failure counted. */
    nextDelay(): number {
        const { minMs, maxMs, factor = 2, jitter = 0.5 } = this.options;
        this.boundMs = Math.min(maxMs, Math.max(minMs, this.boundMs * factor));
        return this.boundMs * (1 - jitter + jitter * Math.random());
    }

    /** An attempt succeeded: the next failure waits the least again. */
    success(): void {
        this.boundMs = 0;
    }
}
