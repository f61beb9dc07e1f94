import type { DeviceStates, StateHistory, VoRunSpan } from "../vo-state/state-history";

export type GapReason = "vo-down" | "device-lost";

/** A span in which a Thing's history is empty for a known reason. */
export interface HistoryGap {
    from: Date;
    /** for an open gap: the asked range's end */
    to: Date;
    reason: GapReason;
    /** still going on: the VO is down (read without it), or the device is lost now */
    open?: true;
    /** vo-down: false when the VO ended without a clean stop, so `from` is its last heartbeat */
    clean?: boolean;
}

const lost = (from: number, to: number): HistoryGap => ({
    from: new Date(from),
    to: new Date(to),
    reason: "device-lost",
});

/** A run whose last heartbeat is older than this many heartbeats is taken to be down. */
const MISSED_HEARTBEATS = 3;

/**
 * Finds the gaps of a Thing's history in what the VO state tables say (`StateHistory`): vo-down between the
 * VO's runs, device-lost while the device the Thing fronts was lost. They do not depend on where the series are
 * kept (embedded or InfluxDB).
 */
export class GapLookup {
    constructor(
        private readonly state: StateHistory,
        private readonly now: () => number = Date.now
    ) {}

    /** The gaps overlapping [startMs, stopMs), oldest first; an open one ends at stopMs. */
    async gaps(thing: string, startMs: number, stopMs: number): Promise<HistoryGap[]> {
        const runs = await this.state.runsAround(startMs, stopMs);
        const devices = await this.state.deviceStates(thing, startMs, stopMs);
        const found = [...this.voDown(runs, stopMs), ...devices.flatMap((d) => deviceLost(d, stopMs))];
        return found
            .filter((g) => g.from.getTime() < stopMs && g.to.getTime() > startMs && g.to > g.from)
            .sort((a, b) => a.from.getTime() - b.from.getTime() || a.reason.localeCompare(b.reason));
    }

    private voDown(runs: readonly VoRunSpan[], stopMs: number): HistoryGap[] {
        const gaps: HistoryGap[] = [];
        runs.forEach((run, i) => {
            const clean = run.stoppedAt !== undefined;
            const from = new Date(run.stoppedAt ?? run.lastSeen);
            const next = runs[i + 1];
            if (next !== undefined) {
                gaps.push({ from, to: new Date(next.startedAt), reason: "vo-down", clean });
                return;
            }
            // the newest run: down if it stopped, or if its heartbeat has gone quiet
            const quiet = this.now() - run.lastSeen > MISSED_HEARTBEATS * run.heartbeatMs;
            if (clean || quiet) gaps.push({ from, to: new Date(stopMs), reason: "vo-down", open: true, clean });
        });
        return gaps;
    }
}

/** A device's lost spells: from the first failed probe that led to lost to its next alive (or stopMs, open). */
function deviceLost(device: DeviceStates, stopMs: number): HistoryGap[] {
    const gaps: HistoryGap[] = [];
    let suspectSince: number | undefined;
    let lostSince: number | undefined;
    for (const { at, state } of device.changes) {
        if (state === "alive") {
            if (lostSince !== undefined) gaps.push(lost(lostSince, at));
            lostSince = suspectSince = undefined;
        } else if (state === "suspect") {
            if (lostSince === undefined) suspectSince ??= at;
        } else if (state === "lost" && lostSince === undefined) {
            lostSince = suspectSince ?? at;
        }
    }
    if (lostSince === undefined) return gaps;
    // lost at the range's end: it ends when the device came back, if it has
    const back = device.aliveAgainAt;
    gaps.push(back === undefined ? { ...lost(lostSince, stopMs), open: true } : lost(lostSince, back));
    return gaps;
}
