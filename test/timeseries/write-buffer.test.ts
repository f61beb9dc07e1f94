import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { InteractionRecord } from "../../src";
import { Database } from "../../src/sqlite/database";
import { migrate } from "../../src/sqlite/migrations";
import { SqliteTimeSeriesStore } from "../../src/timeseries/sqlite/sqlite-time-series-store";
import { WriteBufferOptions } from "../../src/options/recording-options";
import { WriteBuffer } from "../../src/timeseries/write-buffer";
import { propertyRecord } from "../helpers/records";
import { tempDir, waitFor } from "../helpers/vo-fixture";

/** Fault injector (not a store of its own): the real SQLite store, refusing writes while `down`. */
class FaultInjectingStore extends SqliteTimeSeriesStore {
    down = false;
    attempts = 0;
    override write(records: readonly InteractionRecord[]): Promise<void> {
        this.attempts++;
        return this.down ? Promise.reject(new Error("store is down (injected)")) : super.write(records);
    }
}

describe("write buffer between recorder and store", function () {
    let dir: string;
    let db: Database;
    let store: FaultInjectingStore;
    const options = (o: Partial<WriteBufferOptions> = {}): WriteBufferOptions => ({
        batchSize: 100,
        flushIntervalMs: 10,
        maxQueue: 1000,
        maxRetryDelayMs: 40,
        ...o,
    });
    const values = async () =>
        (await db.all<{ value: number }>("SELECT value FROM ts_interaction ORDER BY ts")).map((r) => r.value);

    beforeEach(async function () {
        dir = tempDir();
        db = await Database.open(path.join(dir, "ts.sqlite"));
        await migrate(db);
        store = new FaultInjectingStore(db);
    });
    afterEach(async function () {
        await db.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("writes everything pushed, in order, in batches, on its own timer", async function () {
        const buffer = new WriteBuffer(store, options());
        for (let i = 0; i < 250; i++) buffer.push(propertyRecord("p", i, 1_000 + i));
        await waitFor(() => buffer.getStats().written === 250, 5000, "timer flush");
        expect(await values()).to.deep.equal(Array.from({ length: 250 }, (_, i) => i));
        expect(store.attempts).to.be.at.least(3).and.at.most(10); // batches of <= 100
        await buffer.close();
        expect(buffer.getStats()).to.include({ recorded: 250, written: 250, dropped: 0, errors: 0, queued: 0 });
    });

    it("keeps records while the store is down and writes them in order when it is back", async function () {
        const buffer = new WriteBuffer(store, options());
        store.down = true;
        for (let i = 0; i < 50; i++) buffer.push(propertyRecord("p", i, 1_000 + i));
        await waitFor(() => buffer.getStats().errors >= 2, 5000, "retries");
        for (let i = 50; i < 80; i++) buffer.push(propertyRecord("p", i, 1_000 + i));
        expect(buffer.getStats()).to.include({ written: 0, queued: 80, dropped: 0 });
        expect(buffer.getStats().lastError).to.equal("store is down (injected)");
        let flushFailed = false;
        await buffer.flush().catch(() => (flushFailed = true));
        expect(flushFailed, "flush() reports that it could not write").to.equal(true);
        store.down = false;
        await waitFor(() => buffer.getStats().written === 80, 5000, "replay after outage");
        expect(await values()).to.deep.equal(Array.from({ length: 80 }, (_, i) => i));
        await buffer.close();
    });

    it("bounds memory: past maxQueue new records are dropped and counted", async function () {
        const buffer = new WriteBuffer(store, options({ maxQueue: 20 }));
        store.down = true;
        for (let i = 0; i < 35; i++) buffer.push(propertyRecord("p", i, 1_000 + i));
        expect(buffer.getStats()).to.include({ recorded: 35, queued: 20, dropped: 15 });
        store.down = false;
        await buffer.flush();
        expect(await values()).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
        await buffer.close();
    });

    it("counts what it cannot write at close as dropped, and refuses records after close", async function () {
        const buffer = new WriteBuffer(store, options());
        store.down = true;
        for (let i = 0; i < 5; i++) buffer.push(propertyRecord("p", i, 1_000 + i));
        await buffer.close();
        buffer.push(propertyRecord("p", 99, 9_999));
        expect(buffer.getStats()).to.include({ recorded: 6, written: 0, dropped: 6, queued: 0 });
    });
});
