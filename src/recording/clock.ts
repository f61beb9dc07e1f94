/**
 * Nanosecond timestamps that follow the wall clock and do not repeat in this process. Two points with
 * the same series and timestamp overwrite each other in InfluxDB, so a reading that is not past the
 * previous one (the same instant, or the wall clock slewed back a little) is pushed 1 ns past it. A step
 * back of more than `MAX_HOLD_NS` (a clock set right after it ran ahead) is followed instead: held, every
 * record until the wall clock caught up would carry a time in the future, outside every query up to "now".
 */
export const MAX_HOLD_NS = 1_000_000_000n;

export class NanoClock {
    private last = 0n;

    constructor(private readonly wallMs: () => number = () => Date.now()) {}

    now(): bigint {
        // Milliseconds from the wall clock, the finer part from the monotonic clock.
        let t = BigInt(this.wallMs()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
        if (t <= this.last && this.last - t <= MAX_HOLD_NS) t = this.last + 1n;
        this.last = t;
        return t;
    }
}

export const clock = new NanoClock();
