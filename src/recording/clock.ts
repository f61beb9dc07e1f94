/**
 * Nanosecond timestamps that follow the wall clock and never repeat in this process. Two points
 * with the same series and timestamp overwrite each other in InfluxDB, so a reading that is not
 * past the previous one (same instant, or the wall clock stepped back) is pushed 1 ns past it.
 */
export class NanoClock {
    private last = 0n;

    now(): bigint {
        // Milliseconds from the wall clock, the finer part from the monotonic clock.
        let t = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
        if (t <= this.last) t = this.last + 1n;
        this.last = t;
        return t;
    }
}

export const clock = new NanoClock();
