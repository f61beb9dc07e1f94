import { parseAddress } from "../model/address";
import { createLogger } from "../log";
import type { SubscriptionChange } from "../model/subscription-change";
import type { ObserverRow, VoStateTables } from "./vo-state-tables";

const { warn } = createLogger("vo-state:observer-registry");

/**
 * Active observations and event subscriptions, kept in `observer`: a row opens when a client's
 * observe / subscribe takes effect and closes when it ends (the listener object pairs the two), with
 * the reason the protocol gave (deregistered, reset, client gone, client disconnected, ...), else the
 * operation that ended it (unobserveproperty, unsubscribeevent).
 */
export class ObserverRegistry {
    private readonly open = new Map<unknown, { row: Promise<number | undefined>; protocol: string }>();
    /** row ends still being written, with the change they announce */
    private readonly ending = new Set<Promise<unknown>>();

    constructor(
        private readonly tables: VoStateTables,
        private readonly changed: () => void
    ) {}

    onSubscription(c: SubscriptionChange): void {
        if (c.active) {
            if (c.protocol === "local") return; // the VO's own listeners are not observers

            const row = this.tables
                .openObserver({
                    ...(c.origin === undefined ? {} : parseAddress(c.origin)),
                    protocol: c.protocol,
                    thing: c.thing,
                    affordance: c.name,
                    op: c.op,
                })
                .catch((err: Error) => void warn("observer not kept: %s", err.message));
            this.open.set(c.listener, { row, protocol: c.protocol });
            void row.then(this.changed);
            return;
        }
        const row = this.open.get(c.listener)?.row;
        // Ends come without request context (HTTP ends a long poll on socket close), so they are matched by
        // listener only; an end already handled (close, then timeout) finds nothing.
        if (row === undefined) return;
        this.open.delete(c.listener);
        const ended = row
            .then((id) => (id === undefined ? undefined : this.tables.closeObserver(id, c.endReason ?? c.op)))
            .then(this.changed, (err: Error) => warn("observer end not kept: %s", err.message));
        this.ending.add(ended);
        void ended.finally(() => this.ending.delete(ended));
    }

    /** Resolves once every end told so far is written and announced (a server stopping ends its observers). */
    async settled(): Promise<void> {
        await Promise.allSettled([...this.ending]);
    }

    /** Observations and subscriptions open now, by protocol, counted in memory (no query). */
    countByProtocol(): Map<string, number> {
        const counts = new Map<string, number>();
        for (const { protocol } of this.open.values()) counts.set(protocol, (counts.get(protocol) ?? 0) + 1);
        return counts;
    }

    list(): Promise<ObserverRow[]> {
        return this.tables.openObservers();
    }

    /** Closes every open row (at start: what a crash left; at close: what is still open). */
    async closeAll(reason: string): Promise<number> {
        await Promise.all([...this.open.values()].map((o) => o.row));
        this.open.clear();
        return this.tables.closeAllObservers(reason);
    }
}
