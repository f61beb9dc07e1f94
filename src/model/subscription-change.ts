import type { AffordanceKind, Operation } from "./interaction-record";

/** An observe / subscribe that took effect, or its end; `listener` pairs the two. */
export interface SubscriptionChange {
    thing: string;
    kind: AffordanceKind;
    name: string;
    op: Operation;
    active: boolean;
    listener: unknown;
    protocol: string;
    origin?: string;
    /** why it ended, where the protocol knows better than "unobserved" (e.g. "client gone") */
    endReason?: string;
}
