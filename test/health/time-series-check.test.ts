import { expect } from "chai";
import { timeSeriesCheck } from "../../src/health/time-series-check";
import type { TimeSeriesStoreStats } from "../../src/timeseries/time-series-store";
import type { WriteStats } from "../../src/timeseries/write-buffer";

describe("the self-check of the time-series path", function () {
    const writes: WriteStats = { recorded: 0, written: 0, commits: 0, dropped: 0, errors: 0, queued: 0, notDurable: 0 };
    let own: TimeSeriesStoreStats | undefined;
    const buffer = { getStats: () => ({ ...writes }) };
    const check = () => timeSeriesCheck(buffer, { stats: own && (() => own!) }, 10);

    beforeEach(() => {
        Object.assign(writes, { errors: 0, queued: 0, lastError: undefined });
        own = undefined;
    });

    it("is healthy with room in the queue and nothing failed", function () {
        writes.queued = 3;
        expect(check()()).to.deep.equal({ ok: true, detail: "3 queued" });
    });

    it("fails once for writes that failed since the last check while records wait, then not again", function () {
        const c = check();
        Object.assign(writes, { errors: 2, queued: 1, lastError: "SQLITE_FULL" });
        expect(c()).to.deep.equal({ ok: false, detail: "2 failed writes since the last check: SQLITE_FULL" });
        expect(c().ok).to.equal(true);
    });

    it("fails while the queue is full", function () {
        Object.assign(writes, { queued: 10, lastError: "timeout" });
        expect(check()()).to.deep.equal({ ok: false, detail: "queue full (10 records), last error: timeout" });
    });

    it("reads the store's own counters: points the spool lost, then a server that is down", function () {
        own = { down: true, pending: 7, lost: 4, lastError: "ECONNREFUSED", lastSpoolError: "disk full" };
        const c = check();
        expect(c()).to.deep.equal({ ok: false, detail: "4 points lost: the spool cannot take them: disk full" });
        expect(c()).to.deep.equal({ ok: false, detail: "InfluxDB down, 7 points spooled: ECONNREFUSED" });
        own.down = false;
        expect(c().ok).to.equal(true);
    });
});
