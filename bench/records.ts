import type { InteractionRecord } from "../src";

/** `n` property-read records, one nanosecond apart, over ten properties: numbers, objects and strings. */
export function makeRecords(n: number, t0 = BigInt(Date.now()) * 1_000_000n): InteractionRecord[] {
    return Array.from({ length: n }, (_, i) => ({
        ts: t0 + BigInt(i),
        thing: "urn:bench:thing",
        kind: "property",
        name: `p${i % 10}`,
        op: "readproperty",
        protocol: "http",
        origin: "127.0.0.1:40000",
        ok: true,
        value: i % 3 === 0 ? i * 0.5 : i % 3 === 1 ? { reading: i, unit: "C" } : `s${i}`,
        durationMs: 0.05,
        valid: true,
        truncated: false,
    }));
}
