import type { InteractionRecord } from "./interaction-record";
import type { RequestRefusedError } from "./refusal";

/**
 * How answers wait for their record's commit (`acknowledge: "after-commit"`): made by the write path
 * (timeseries/after-commit.ts), taken by the recorders.
 */
export interface AfterCommit {
    /** reads wait too */
    reads: boolean;
    /** queues the record; resolves once it is committed, rejects with the refusal to answer if not */
    commit(record: InteractionRecord): Promise<void>;
    /** a refusal when no commit can be had now: the interaction is refused before its handler runs */
    unavailable(): RequestRefusedError | undefined;
}
