import type { AfterCommit } from "../model/after-commit";
import { RequestRefusedError } from "../model/refusal";
import { CommitFailedError, WriteBuffer } from "./write-buffer";

/**
 * Answers after commit (`acknowledge: "after-commit"`): each answer waits for the write buffer to commit its
 * record; a commit that failed, or cannot be had now, is a 503 / 5.03 with a retry hint of when the store is tried
 * again.
 */
export function answersAfterCommit(buffer: WriteBuffer, reads: boolean): AfterCommit {
    const refusal = (err: CommitFailedError, ran: boolean): RequestRefusedError =>
        new RequestRefusedError(
            "unavailable",
            ran
                ? `done, but its record is not durable: ${err.message}`
                : `refused: its record could not be made durable: ${err.message}`,
            Math.max(1, Math.ceil(err.retryInMs / 1000))
        );
    return {
        reads,
        commit: (record) =>
            buffer.pushAndWait(record).catch((err: unknown) => {
                throw err instanceof CommitFailedError ? refusal(err, true) : err;
            }),
        unavailable: () => {
            const err = buffer.commitUnavailable();
            return err === undefined ? undefined : refusal(err, false);
        },
    };
}
