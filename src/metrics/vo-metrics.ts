import { Counter, Gauge, Registry } from "prom-client";
import type { DeviceState } from "../liveness/liveness-state";
import type { InteractionRecord } from "../model/interaction-record";
import type { InfluxDbStats } from "../timeseries/influxdb/influxdb-store";
import type { WriteStats } from "../timeseries/write-buffer";
import { InteractionTally, OUTCOMES } from "./interaction-tally";
import { registerTallyHistogram } from "./tally-histogram";

/** Every metric of the VO starts with this. */
export const METRIC_PREFIX = "nodewotvo_";

/** What the metrics read at each scrape: the counters and states the VO keeps anyway. */
export interface MetricSources {
    writeStats(): WriteStats;
    /** records the write queue holds at most */
    maxQueue: number;
    /** the InfluxDB store's counters, when the VO writes to InfluxDB */
    influxdb?: () => InfluxDbStats;
    /** the state of the device the VO fronts, when it fronts one */
    device?: () => DeviceState;
    /** observations and event subscriptions open now, by protocol */
    observers(): Map<string, number>;
}

const DEVICE_STATES: readonly DeviceState[] = ["unknown", "alive", "suspect", "lost"];
/** Handler times of interactions: from half a millisecond (a held value) to seconds (a slow device). */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The VO's metrics in a Prometheus registry of its own (several VOs can share a process). Interactions are
 * counted as their records are handed to the write buffer (`count`, a few increments); everything else is
 * read from what the VO already keeps when the registry is scraped.
 */
export class VoMetrics {
    readonly registry = new Registry();
    private readonly tally = new InteractionTally(DURATION_BUCKETS);

    constructor() {
        const tally = this.tally;
        new Counter({
            name: `${METRIC_PREFIX}interactions_total`,
            help: "Interactions recorded, by protocol (local: the VO's own code), affordance kind and outcome (ok, refused: the client's fault or the VO unavailable, error: the handler or the device failed)",
            labelNames: ["protocol", "kind", "outcome"],
            registers: [this.registry],
            collect() {
                this.reset();
                for (const { protocol, kind, outcomes } of tally.entries) {
                    OUTCOMES.forEach((outcome, i) => this.inc({ protocol, kind, outcome }, outcomes[i]));
                }
            },
        });
        registerTallyHistogram(
            this.registry,
            `${METRIC_PREFIX}interaction_duration_seconds`,
            "Time the VO took to handle an interaction a protocol server carried (its handler, a proxied device, waiting for the commit), by protocol and affordance kind",
            tally
        );
    }

    /** Counts one record (on the recording path: no allocation once its protocol and kind were seen). */
    readonly count = (record: InteractionRecord): void => this.tally.add(record);

    /** Registers the metrics read from `sources` at each scrape. */
    watch(sources: MetricSources): void {
        const r = this.registry;
        const write = () => sources.writeStats();
        counter(r, "records_written_total", "Records the time-series store confirmed", () => write().written);
        counter(
            r,
            "records_dropped_total",
            "Records lost before the store: the write queue was full, or still unwritten at close",
            () => write().dropped
        );
        counter(r, "store_write_errors_total", "Failed writes to the time-series store (each retried)", () => {
            return write().errors;
        });
        gauge(r, "write_queue_records", "Records waiting in memory for the store", () => write().queued);
        gauge(r, "write_queue_capacity_records", "Records the write queue holds at most", () => sources.maxQueue);
        if (sources.influxdb !== undefined) watchInfluxDb(r, sources.influxdb);
        if (sources.device !== undefined) watchDevice(r, sources.device);
        watchObservers(r, sources.observers);
    }

    /** The exposition, in Prometheus's text format. */
    async exposition(): Promise<{ contentType: string; body: string }> {
        return { contentType: this.registry.contentType, body: await this.registry.metrics() };
    }
}

function counter(registry: Registry, name: string, help: string, read: () => number): void {
    new Counter({
        name: `${METRIC_PREFIX}${name}`,
        help,
        registers: [registry],
        collect() {
            this.reset();
            this.inc(read());
        },
    });
}

function gauge(registry: Registry, name: string, help: string, read: () => number): void {
    new Gauge({
        name: `${METRIC_PREFIX}${name}`,
        help,
        registers: [registry],
        collect() {
            this.set(read());
        },
    });
}

function watchInfluxDb(r: Registry, stats: () => InfluxDbStats): void {
    gauge(r, "influxdb_reachable", "1 while InfluxDB takes writes, 0 while they go to the spool", () =>
        stats().down ? 0 : 1
    );
    gauge(r, "spool_points", "Points waiting in the spool for InfluxDB", () => stats().pending);
    gauge(r, "spool_bytes", "Bytes of line protocol waiting in the spool for InfluxDB", () => stats().pendingBytes);
    counter(r, "spool_dropped_points_total", "Points the spool's disk bound dropped", () => stats().dropped);
    counter(
        r,
        "influxdb_lost_points_total",
        "Points neither written to InfluxDB nor spooled (the spool itself failed)",
        () => stats().lost
    );
    counter(r, "influxdb_rejected_points_total", "Points InfluxDB refused as malformed", () => stats().rejected);
}

function watchDevice(r: Registry, state: () => DeviceState): void {
    new Gauge({
        name: `${METRIC_PREFIX}device_state`,
        help: "The liveness of the device the VO fronts: 1 for its current state (unknown, alive, suspect, lost), 0 for the others",
        labelNames: ["state"],
        registers: [r],
        collect() {
            const now = state();
            for (const s of DEVICE_STATES) this.set({ state: s }, s === now ? 1 : 0);
        },
    });
}

function watchObservers(r: Registry, observers: () => Map<string, number>): void {
    const seen = new Set<string>();
    new Gauge({
        name: `${METRIC_PREFIX}observers`,
        help: "Observations and event subscriptions open now, by protocol",
        labelNames: ["protocol"],
        registers: [r],
        collect() {
            const now = observers();
            for (const protocol of now.keys()) seen.add(protocol);
            // a protocol whose observers all went reads 0 instead of vanishing
            for (const protocol of seen) this.set({ protocol }, now.get(protocol) ?? 0);
        },
    });
}
