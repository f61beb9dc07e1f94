import type { HealthCheckResult, HealthProbe, HealthReport } from "../model/health-report";

export type HealthCheck = () => HealthCheckResult | Promise<HealthCheckResult>;

/** A failed probe without a hint of its own asks to be tried again after this long. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * Probes answer within a second, kubelet's default timeout: a check still running after this long is
 * reported failed (it is not cancelled; the next probe starts another).
 */
export const CHECK_TIMEOUT_MS = 900;

/**
 * The named checks of `/livez` and `/readyz`, run together on each probe. A check that throws or
 * does not answer in time fails with that as its detail.
 */
export class HealthChecks {
    private readonly checks: Record<HealthProbe, Map<string, HealthCheck>> = {
        livez: new Map(),
        readyz: new Map(),
    };

    /** Adds (or replaces) the check `name` of a probe; returns a remover. */
    add(probe: HealthProbe, name: string, check: HealthCheck): () => void {
        if (typeof name !== "string" || !/^[A-Za-z0-9_.-]+$/.test(name)) {
            throw new TypeError(`health check name must be letters, digits, . _ or -, got ${JSON.stringify(name)}`);
        }
        const checks = this.checks[probe];
        checks.set(name, check);
        return () => {
            if (checks.get(name) === check) checks.delete(name);
        };
    }

    async report(probe: HealthProbe, timeoutMs = CHECK_TIMEOUT_MS): Promise<HealthReport> {
        const entries = [...this.checks[probe]];
        const results = await Promise.all(entries.map(([, check]) => runCheck(check, timeoutMs)));
        // one line each: a check's detail may quote a multi-line error
        const checks = entries.map(([name], i) => ({
            name,
            ...results[i],
            detail: results[i].detail.replace(/\s*\n\s*/g, " "),
        }));
        const failed = checks.filter((c) => !c.ok);
        if (failed.length === 0) return { probe, ok: true, checks };
        const retry = Math.max(...failed.map((c) => c.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS));
        return { probe, ok: false, checks, retryAfterSeconds: Math.max(1, Math.ceil(retry)) };
    }
}

async function runCheck(check: HealthCheck, timeoutMs: number): Promise<HealthCheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<HealthCheckResult>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: `no answer in ${timeoutMs} ms` }), timeoutMs);
    });
    try {
        return await Promise.race([Promise.resolve().then(check), late]);
    } catch (err) {
        return { ok: false, detail: (err as Error).message };
    } finally {
        clearTimeout(timer);
    }
}
