import type { InteractionRecord } from "../model/interaction-record";
import type { SubscriptionChange } from "../model/subscription-change";
import type { AfterCommit } from "../model/after-commit";
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

export type { AfterCommit };

export type RecordSink = (record: InteractionRecord) => void;
