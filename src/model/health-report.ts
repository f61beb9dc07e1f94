/** What one health check found. */
export interface HealthCheckResult {
    ok: boolean;
    /** one line, without secrets: what was found, or why it failed */
    detail: string;
    /** for a failed check: when it is worth asking again, in seconds */
    retryAfterSeconds?: number;
}

/** `/livez` (the process serves) or `/readyz` (it can take work: stores accept records, consumed VOs consumed). */
export type HealthProbe = "livez" | "readyz";

/** The answer to one probe: every check by name, in the order they were added. */
export interface HealthReport {
    probe: HealthProbe;
    ok: boolean;
    checks: ({ name: string } & HealthCheckResult)[];
    /** when a failed probe is worth asking again, in seconds (the largest hint of the failed checks) */
    retryAfterSeconds?: number;
}
