import type { RefusalReason } from "./refusal";

/** Which bucket a record belongs to. */
export const AFFORDANCE_KINDS = ["property", "action", "event"] as const;
export type AffordanceKind = (typeof AFFORDANCE_KINDS)[number];

/** Operations, named as in the WoT TD `op` vocabulary, plus the emissions a Thing makes itself. */
export const OPERATIONS = [
    "readproperty",
    "writeproperty",
    "readallproperties",
    "readmultipleproperties",
    "writeallproperties",
    "writemultipleproperties",
    "observeproperty",
    "unobserveproperty",
    "propertychange",
    "invokeaction",
    "subscribeevent",
    "unsubscribeevent",
    "emitevent",
] as const;
export type Operation = (typeof OPERATIONS)[number];

/**
 * Interactions an operator leaves out of the recording (`recording.exclude`): each given field must
 * match, an absent one matches anything. Left-out interactions are answered as ever, never recorded.
 */
export interface RecordingExclusion {
    /** the Thing's id, as records carry it */
    thing?: string;
    kind?: AffordanceKind;
    /** the affordance's name */
    name?: string;
    /** the operations, as records name them (`readallproperties` is not `readproperty`) */
    ops?: Operation[];
}

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
