const UNIT_NS: Record<string, bigint> = {
    ns: 1n,
    us: 1_000n,
    ms: 1_000_000n,
    s: 1_000_000_000n,
    m: 60_000_000_000n,
    h: 3_600_000_000_000n,
    d: 86_400_000_000_000n,
    w: 604_800_000_000_000n,
    y: 31_536_000_000_000_000n,
};

/** Parses "90s", "1h30m", "500ms" into nanoseconds; throws a RangeError naming the text otherwise. */
export function parseDuration(text: string): bigint {
    const re = /(\d+)(ns|us|ms|s|m|h|d|w|y)/gy;
    let total = 0n;
    let consumed = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
        total += BigInt(m[1]) * UNIT_NS[m[2]];
        consumed = re.lastIndex;
    }
    if (consumed === 0 || consumed !== text.length) {
        throw new RangeError(`invalid duration ${JSON.stringify(text)} (expected e.g. "500ms", "10s", "1h30m")`);
    }
    return total;
}

/** A duration as the shortest text parseDuration reads back to it, in its largest whole unit ("10m", "90s"). */
export function formatDuration(ns: bigint): string {
    const units = Object.entries(UNIT_NS).sort(([, a], [, b]) => (a > b ? -1 : a < b ? 1 : 0));
    for (const [unit, size] of units) if (ns % size === 0n && ns >= size) return `${ns / size}${unit}`;
    return `${ns}ns`;
}
