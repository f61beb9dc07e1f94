import type { HealthCheckResult } from "../model/health-report";
import type { Database } from "../sqlite/database";
import type { InfluxDbStore } from "../timeseries/influxdb/influxdb-store";
import type { WriteBuffer } from "../timeseries/write-buffer";
import type { RetentionStats } from "../timeseries/sqlite/sqlite-retention";
import type { HealthChecks } from "./health-checks";

/** How long readiness waits for InfluxDB, within the probe's own second. */
export const INFLUXDB_PROBE_MS = 700;

/** The parts of a VO its own checks look at. */
export interface CheckedParts {
    buffer: WriteBuffer;
    db: Database;
    /** when the time series go to InfluxDB */
    influxdb?: InfluxDbStore;
    /** the retention of the SQLite file: under the free-space bound, ready still, and saying so */
    retention?: RetentionStats;
}

/**
 * The VO's own checks. Live: it answers (`ping`) and still takes records (`recorder`: closed only by
 * `vo.close()` with the servers left running, which a restart mends). Ready: the SQLite file answers
 * (`sqlite`), the write path takes records (`timeseries`: not failing, queue not full) and, with
 * InfluxDB, InfluxDB itself answers the VO's token (`influxdb`).
 */
export function addVoChecks(checks: HealthChecks, parts: CheckedParts): void {
    const { buffer, db, influxdb, retention } = parts;
    checks.add("livez", "ping", () => ({ ok: true, detail: "serving" }));
    checks.add("livez", "recorder", () =>
        buffer.isClosed
            ? { ok: false, detail: "closed: interactions are no longer recorded" }
            : { ok: true, detail: "taking records" }
    );
    checks.add("readyz", "sqlite", async () => {
        await db.get("SELECT 1");
        return { ok: true, detail: `${db.file} answers` };
    });
    checks.add("readyz", "timeseries", () => {
        const result = writePathCheck(buffer);
        const pressure = retention?.diskPressure;
        return pressure === undefined ? result : { ...result, detail: `${result.detail}; disk watermark: ${pressure}` };
    });
    if (influxdb !== undefined) checks.add("readyz", "influxdb", () => influxdbCheck(influxdb));
}

function writePathCheck(buffer: WriteBuffer): HealthCheckResult {
    const stats = buffer.getStats();
    const unavailable = buffer.commitUnavailable();
    if (unavailable !== undefined) {
        return {
            ok: false,
            detail: `records not taken: ${unavailable.message} (${stats.queued} queued)`,
            retryAfterSeconds: Math.ceil(unavailable.retryInMs / 1000),
        };
    }
    return { ok: true, detail: `${stats.queued} queued, ${stats.written} written` };
}

async function influxdbCheck(store: InfluxDbStore): Promise<HealthCheckResult> {
    const spooled = () => `${store.stats().pending} points spooled`;
    try {
        await store.probe(INFLUXDB_PROBE_MS);
    } catch (err) {
        return { ok: false, detail: `${(err as Error).message}; ${spooled()}` };
    }
    return { ok: true, detail: `InfluxDB answers; ${spooled()}` };
}
