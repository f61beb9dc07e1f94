import { createLogger } from "../log";
import type { DeviceProbe } from "./device-probe";
import { DeviceState, LivenessStateMachine, Transition } from "./liveness-state";
import type { DeviceMonitorOptions } from "../options/vo-state-options";

const { debug, warn } = createLogger("liveness:device-monitor");

export type { DeviceMonitorOptions };

export type TransitionListener = (t: Transition & { time: Date; device: string }) => void;

/**
 * Active probes at an interval plus passive evidence (a successful interaction with the device,
 * or a push from it), fed into the liveness state machine; each transition goes to `onTransition`.
 * Passive evidence since the last probe makes the next probe unnecessary.
 */
export class DeviceMonitor {
    private readonly machine: LivenessStateMachine;
    private timer: NodeJS.Timeout | undefined;
    private probing: Promise<void> | undefined;
    private lastActivity = 0;
    private stopped = false;

    constructor(
        private readonly probe: DeviceProbe,
        private readonly options: DeviceMonitorOptions,
        private readonly onTransition: TransitionListener
    ) {
        this.machine = new LivenessStateMachine(options);
    }

    get state(): DeviceState {
        return this.machine.state;
    }

    get url(): string {
        return this.probe.url;
    }

    start(): void {
        this.stopped = false;
        void this.tick();
    }

    /** Passive evidence that the device is up. */
    activity(reason = "interaction with the device"): void {
        this.lastActivity = performance.now();
        this.apply(this.machine.success(reason));
    }

    /** Runs one probe now (also what the timer does). */
    probeNow(): Promise<void> {
        this.probing ??= this.runProbe().finally(() => (this.probing = undefined));
        return this.probing;
    }

    async stop(): Promise<void> {
        this.stopped = true;
        if (this.timer !== undefined) clearTimeout(this.timer);
        await this.probing;
    }

    private async tick(): Promise<void> {
        if (this.stopped) return;
        // monotonic clock: a wall-clock jump neither skips nor doubles probes
        if (performance.now() - this.lastActivity >= this.options.intervalMs) await this.probeNow();
        if (this.stopped) return;
        this.timer = setTimeout(() => void this.tick(), this.options.intervalMs);
        this.timer.unref();
    }

    private async runProbe(): Promise<void> {
        let lastError = "";
        for (let attempt = 0; attempt <= this.options.retries; attempt++) {
            try {
                const answer = await this.probe.probe(this.options.timeoutMs);
                this.apply(this.machine.success(answer));
                return;
            } catch (err) {
                lastError = (err as Error).message;
                debug("probe of %s failed (attempt %d): %s", this.probe.url, attempt + 1, lastError);
            }
        }
        if (!this.stopped) this.apply(this.machine.failure(lastError));
    }

    private apply(t: Transition | undefined): void {
        if (t === undefined) return;
        const log = t.to === "alive" ? debug : warn;
        log("device %s: %s -> %s (%s)", this.probe.url, t.from, t.to, t.reason);
        try {
            this.onTransition({ ...t, time: new Date(), device: this.probe.url });
        } catch (err) {
            warn("device transition listener failed: %s", (err as Error).message);
        }
    }
}
