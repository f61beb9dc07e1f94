/** What the VO believes about the device it fronts. */
export type DeviceState = "unknown" | "alive" | "suspect" | "lost";

/**
 * `device_status.status` codes (the original column), as vo-wot's `device_status()` writes them: 1 the device
 * answered, 0 it did not (suspect: its last probe failed; lost). The `state` column says which.
 */
export const DEVICE_STATUS_CODE: Record<Exclude<DeviceState, "unknown">, number> = { alive: 1, suspect: 0, lost: 0 };

export interface LivenessThresholds {
    /** consecutive failed probes before alive -> suspect (default 1) */
    suspectAfter: number;
    /** consecutive failed probes before -> lost (default 3) */
    lostAfter: number;
    /** consecutive successes before lost -> alive (default 2): a flapping device does not flap the state */
    recoverAfter: number;
}

export interface Transition {
    from: DeviceState;
    to: Exclude<DeviceState, "unknown">;
    /** "alive" for the first sighting, "recovered" after lost, else the new state */
    event: "alive" | "suspect" | "lost" | "recovered";
    reason: string;
}

/**
 * alive -> suspect -> lost -> alive (recovered), with hysteresis: leaving `lost` takes
 * `recoverAfter` successes in a row, so a device that answers every other probe stays lost
 * instead of producing a transition per probe. A suspect device that answers is alive again.
 */
export class LivenessStateMachine {
    private current: DeviceState = "unknown";
    private failures = 0;
    private successes = 0;

    constructor(private readonly t: LivenessThresholds) {
        if (!(t.suspectAfter >= 1 && t.lostAfter >= t.suspectAfter && t.recoverAfter >= 1)) {
            throw new RangeError("liveness thresholds need 1 <= suspectAfter <= lostAfter and recoverAfter >= 1");
        }
    }

    get state(): DeviceState {
        return this.current;
    }

    success(reason: string): Transition | undefined {
        this.failures = 0;
        this.successes++;
        if (this.current === "alive") return undefined;
        if (this.current === "lost" && this.successes < this.t.recoverAfter) return undefined;
        const from = this.current;
        this.current = "alive";
        return { from, to: "alive", event: from === "lost" ? "recovered" : "alive", reason };
    }

    failure(reason: string): Transition | undefined {
        this.successes = 0;
        this.failures++;
        const from = this.current;
        if (from !== "lost" && this.failures >= this.t.lostAfter) {
            this.current = "lost";
            return { from, to: "lost", event: "lost", reason };
        }
        if ((from === "alive" || from === "unknown") && this.failures >= this.t.suspectAfter) {
            this.current = "suspect";
            return { from, to: "suspect", event: "suspect", reason };
        }
        return undefined;
    }
}
