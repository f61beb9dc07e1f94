import type { Registry } from "prom-client";
import type { InteractionTally } from "./interaction-tally";

interface Sample {
    metricName: string;
    labels: Record<string, string | number>;
    value: number;
}

/**
 * The tally's handler times as a Prometheus histogram, one per protocol and kind: registered as an object
 * giving the registry what prom-client's own Histogram gives it at each scrape (name, help, type, samples),
 * so the recording path only increments numbers.
 */
export function registerTallyHistogram(registry: Registry, name: string, help: string, tally: InteractionTally): void {
    const read = () => ({ name, help, type: "histogram", aggregator: "sum", values: samplesOf(name, tally) });
    const metric = {
        name,
        help,
        type: "histogram",
        aggregator: "sum",
        get: async () => read(),
        // the counts are the VO's since it was attached: a registry reset leaves them
        reset: () => undefined,
    };
    registry.registerMetric(metric as never);
}

function samplesOf(name: string, tally: InteractionTally): Sample[] {
    const samples: Sample[] = [];
    for (const e of tally.entries) {
        if (e.count === 0) continue; // the VO's own emissions only: no handler times
        const labels = { protocol: e.protocol, kind: e.kind };
        let cumulative = 0;
        tally.bounds.forEach((le, i) => {
            cumulative += e.buckets[i];
            samples.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative });
        });
        samples.push({ metricName: `${name}_bucket`, labels: { ...labels, le: "+Inf" }, value: e.count });
        samples.push({ metricName: `${name}_sum`, labels, value: e.sum });
        samples.push({ metricName: `${name}_count`, labels, value: e.count });
    }
    return samples;
}
