import type { RefusalReason } from "./refusal";

/** Which bucket a record belongs to. */
export type AffordanceKind = "property" | "action" | "event";

/** Operations, named as in the WoT TD `op` vocabulary, plus the emissions a Thing makes itself. */
export type Operation =
    | "readproperty"
    | "writeproperty"
    | "readallproperties"
    | "readmultipleproperties"
    | "writeallproperties"
    | "writemultipleproperties"
    | "observeproperty"
    | "unobserveproperty"
    | "propertychange"
    | "invokeaction"
    | "subscribeevent"
    | "unsubscribeevent"
    | "emitevent";

/** Where the interaction came from: a protocol server, or the VO's own code. */
export type Protocol = "http" | "https" | "coap" | "coaps" | "mqtt" | "mqtts" | "ws" | "wss" | "local";

/** One interaction with an exposed Thing, as it is stored. */
export interface InteractionRecord {
    /** nanoseconds since the epoch, unique and increasing within the process */
    ts: bigint;
    thing: string;
    kind: AffordanceKind;
    name: string;
    op: Operation;
    protocol: Protocol;
    /** the client's address (ip or [ip]:port), where the protocol server can know it */
    origin?: string;
    ok: boolean;
    /** property value read, written or changed; action input; event payload */
    value?: unknown;
    /** action output */
    output?: unknown;
    error?: string;
    /** action duration (and of every handled interaction), milliseconds */
    durationMs?: number;
    /** false when a value broke the affordance's data schema; it is recorded all the same */
    valid: boolean;
    /** true when a value was larger than `maxValueBytes` and was cut */
    truncated: boolean;
    /** true when a proxy answered a read from the last recorded value because its device was lost */
    stale?: boolean;
    /** set when the request was refused (the client's fault, or the VO unavailable) rather than failed; not stored */
    refusal?: RefusalReason;
}
