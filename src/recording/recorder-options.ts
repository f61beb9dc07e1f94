import type { InteractionRecord } from "../model/interaction-record";
import type { SubscriptionChange } from "../model/subscription-change";
import type { RequestRefusedError } from "../model/refusal";
import type { Exclusions } from "./exclusions";

export interface RecorderOptions {
    /** values larger than this (bytes of JSON) are recorded cut and flagged `truncated` */
    maxValueBytes: number;
    /** told of every subscription that starts or ends (observers are kept from these) */
    onSubscription?: (change: SubscriptionChange) => void;
    /** set in after-commit mode: answers to writes and actions (and reads, if asked) wait for the commit */
    afterCommit?: AfterCommit;
    /** interactions left out of the recording (`recording.exclude`); undefined: none */
    exclusions?: Exclusions;
}

/** How answers wait for their record's commit. */
export interface AfterCommit {
    /** reads wait too */
    reads: boolean;
    /** queues the record; resolves once it is committed, rejects with the refusal to answer if not */
    commit(record: InteractionRecord): Promise<void>;
    /** a refusal when no commit can be had now: the interaction is refused before its handler runs */
    unavailable(): RequestRefusedError | undefined;
}

export type RecordSink = (record: InteractionRecord) => void;
