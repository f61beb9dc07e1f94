import type { CheckResult } from "../liveness/self-check";
import type { TimeSeriesStore } from "../timeseries/time-series-store";
import type { WriteBuffer } from "../timeseries/write-buffer";
import type { RetentionStats } from "../timeseries/sqlite/sqlite-retention";

/**
 * The self-check of the time-series path (its `timeseries` entry in `vo_status`): healthy while the write buffer's
 * queue has room and nothing failed since the last check, and (InfluxDB) the server answers and the spool takes
 * what it cannot. Each call compares with the one before it.
 */
export function timeSeriesCheck(
    buffer: Pick<WriteBuffer, "getStats">,
    store: Pick<TimeSeriesStore, "stats">,
    maxQueue: number,
    retention?: RetentionStats
): () => CheckResult {
    let errorsAtLastCheck = 0;
    let lostAtLastCheck = 0;
    return () => {
        const stats = buffer.getStats();
        const newErrors = stats.errors - errorsAtLastCheck;
        errorsAtLastCheck = stats.errors;
        const own = store.stats?.();
        const newLost = (own?.lost ?? 0) - lostAtLastCheck;
        lostAtLastCheck = own?.lost ?? 0;
        if (newLost > 0) {
            return { ok: false, detail: `${newLost} points lost: the spool cannot take them: ${own?.lastSpoolError}` };
        }
        if (newErrors > 0 && stats.queued > 0) {
            return { ok: false, detail: `${newErrors} failed writes since the last check: ${stats.lastError}` };
        }
        if (stats.queued >= maxQueue) {
            return { ok: false, detail: `queue full (${stats.queued} records), last error: ${stats.lastError}` };
        }
        if (retention?.diskPressure !== undefined) {
            return { ok: false, detail: `disk watermark: ${retention.diskPressure}; recording goes on` };
        }
        if (own?.down === true) {
            return { ok: false, detail: `InfluxDB down, ${own.pending} points spooled: ${own.lastError}` };
        }
        return { ok: true, detail: `${stats.queued} queued` };
    };
}
