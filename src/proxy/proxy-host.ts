/**
 * What the proxy needs of the VO, typed here so that proxy/ depends on no other layer: a `VoPersistence` is a
 * `ProxyHost` (the plugin wires the device's liveness, the store's latest value and the stale mark of a record).
 */

/** How the fronted device's liveness changed: first seen, suspect, lost, back after lost. */
export type DeviceEvent = "alive" | "suspect" | "lost" | "recovered";

/** The fronted device's liveness as the proxy reads it; `none` when no device is monitored. */
export interface DeviceStatus {
    state: "unknown" | "alive" | "suspect" | "lost" | "none";
    /** since when it is in that state */
    since?: Date;
    /** how often the device is probed, ms: when a client may expect news of it */
    probeIntervalMs?: number;
}

/** The newest recorded value of a property and when it was recorded (a history record is one). */
export interface RecordedValue {
    time: Date;
    value?: unknown;
}

export interface ProxyHost {
    state: {
        readonly deviceLiveness: DeviceStatus;
        /** the device answered or pushed (from `address`, when known): it is alive */
        deviceActivity(address?: string): Promise<void>;
        /** calls `listener` on each change of the device's liveness; returns a remover */
        onDeviceChange(listener: (liveness: DeviceStatus, event: DeviceEvent) => void): () => void;
    };
    /** the newest successful read, write or change of a property, or undefined */
    latest(thing: string, property: string): Promise<RecordedValue | undefined>;
    /** notes that a Thing fronts the device, so the device's lost spells are gaps in its history */
    frontsDevice?(thing: string): Promise<void>;
    /** marks the read being answered as answered from a value recorded at `recordedAtMs`: its record and answer */
    markStale(recordedAtMs?: number): void;
}
