/**
 * What went wrong, in a few words every layer shares: the CLI picks its exit status by it, and a
 * library user can tell the caller's mistake from the VO's trouble without knowing each class.
 * - "invalid-input": something the caller gave is wrong (options, descriptor, TD, script, command line, query)
 * - "refused": a request the VO refused, with its reason and status (RequestRefusedError)
 * - "unavailable": a store or a peer that cannot be reached or cannot answer now
 * - "failed": anything else that failed while running
 */
export type VoErrorKind = "invalid-input" | "refused" | "unavailable" | "failed";

export const VO_ERROR_KINDS: readonly VoErrorKind[] = ["invalid-input", "refused", "unavailable", "failed"];

/** Every error node-wot-vo throws; `name` is the subclass's own, so stack traces and logs name it. */
export abstract class VoError extends Error {
    abstract readonly kind: VoErrorKind;

    constructor(message: string, options?: ErrorOptions) {
        super(message, options);
        this.name = new.target.name;
    }
}

/**
 * An option that is missing, of the wrong type or out of range; the message names the option, never a secret.
 * Every bad option of the library is one (options/option-checks.ts makes them), whatever its section.
 */
export class InvalidOptionsError extends VoError {
    readonly kind = "invalid-input";
    /** the dotted path of the bad option (`influxdb.url`, `vo.redirects[1]`), when one option is at fault */
    readonly path: string | undefined;
    /** what is wrong with it, without the path: `must be a positive integer, got -1` */
    readonly problem: string;

    constructor(message: string, options?: ErrorOptions & { path?: string; problem?: string }) {
        super(message, options);
        this.path = options?.path;
        this.problem = options?.problem ?? message;
    }
}

/** @deprecated every bad option is an InvalidOptionsError (its `path` names the option): catch that. */
export const InfluxDbConfigError = InvalidOptionsError;
/** @deprecated every bad option is an InvalidOptionsError. */
export type InfluxDbConfigError = InvalidOptionsError;
/** @deprecated every bad option is an InvalidOptionsError, a device TD that does not fit `proxy` too. */
export const InvalidProxyError = InvalidOptionsError;
/** @deprecated every bad option is an InvalidOptionsError. */
export type InvalidProxyError = InvalidOptionsError;

/**
 * An action a peer ran and reported failed (a consumed VO's `{"error": message}`): its message is the
 * peer's, and the invocation failed, where a peer that cannot be reached or answers nonsense is "unavailable".
 */
export class RemoteActionError extends VoError {
    readonly kind = "failed";
}
