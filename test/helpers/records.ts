import type { InteractionRecord } from "../../src";

/** A property-read record at `ms` milliseconds (+ `extraNs`) since the epoch. */
export function propertyRecord(
    name: string,
    value: unknown,
    ms: number,
    fields: Partial<InteractionRecord> = {}
): InteractionRecord {
    return {
        ts: BigInt(ms) * 1_000_000n,
        thing: "urn:test:thing",
        kind: "property",
        name,
        op: "readproperty",
        protocol: "http",
        origin: "127.0.0.1:40000",
        ok: true,
        value,
        valid: true,
        truncated: false,
        ...fields,
    };
}
