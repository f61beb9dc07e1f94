import path from "node:path";
import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import type { VoPersistenceOptions } from "../../src";
import { Database } from "../../src/sqlite/database";
import { freeTcpPort } from "../helpers/free-port";
import { exposeSensor } from "../helpers/sensor-thing";
import { SmallDisk } from "../helpers/small-disk";
import { startVo, VoFixture, waitFor } from "../helpers/vo-fixture";

const THING = "urn:dev:ops:environment-sensor-1";

/** Second connection on the VO's file: statements as they land on disk. */
async function onDisk<T>(dbPath: string, fn: (db: Database) => Promise<T>): Promise<T> {
    const db = await Database.open(dbPath);
    try {
        return await fn(db);
    } finally {
        await db.close();
    }
}

/** The WAL is emptied first, so every new commit needs new blocks: without it a WAL file can take commits in place. */
function checkpoint(dbPath: string): Promise<void> {
    return onDisk(dbPath, (db) => db.exec("PRAGMA wal_checkpoint(TRUNCATE)"));
}

function integrity(dbPath: string): Promise<string | undefined> {
    return onDisk(
        dbPath,
        async (db) => (await db.get<{ integrity_check: string }>("PRAGMA integrity_check"))?.integrity_check
    );
}

async function putLabels(td: WoT.ThingDescription, values: string[]): Promise<number[]> {
    const href = td.properties!.label.forms.find((f) => f.href.startsWith("http:"))!.href;
    const statuses: number[] = [];
    for (const value of values) {
        const res = await fetch(href, {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(value),
        });
        statuses.push(res.status);
    }
    return statuses;
}

const labels = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe("disk full (a real tmpfs filled to ENOSPC)", function () {
    this.timeout(60_000);
    let disk: SmallDisk | undefined;
    let vo: VoFixture | undefined;

    before(function () {
        if (!SmallDisk.possible()) {
            console.log("    skipped: mounting a small tmpfs needs root, and this run is not root");
            this.skip();
        }
    });
    afterEach(async function () {
        await vo?.close().catch(() => undefined);
        vo = undefined;
        disk?.unmount();
        disk = undefined;
    });

    async function start(options: VoPersistenceOptions): Promise<{ td: WoT.ThingDescription; dbPath: string }> {
        disk = new SmallDisk();
        disk.mount("8m");
        const dbPath = path.join(disk.dir, "vo.sqlite");
        vo = await startVo({
            ...options,
            sqlite: { path: dbPath },
            vo: { thing: false, selfCheckIntervalMs: 100 },
            recording: { maxQueue: 20, maxRetryDelayMs: 200, ...options.recording },
        });
        const { td } = await exposeSensor(vo.wot);
        return { td, dbPath };
    }

    /** Fills the disk, writes 40 labels, and checks the VO serves on, counts, and reports why. */
    async function whileFull(td: WoT.ThingDescription, dbPath: string): Promise<void> {
        await checkpoint(dbPath);
        disk!.fill();
        const statuses = await putLabels(td, labels("full", 40));
        expect(statuses, "the VO keeps serving").to.deep.equal(new Array(40).fill(204));
        // with InfluxDB down, a batch goes to the spool by the write buffer (a failed write, retried) or by
        // a failed request (then counted lost when the spool cannot take it)
        await waitFor(() => vo!.vo.stats().errors > 0 || notKept() > 0, 10_000, "a failed store write");
        await waitFor(
            () =>
                vo!.vo.state.status?.status === "degraded" &&
                /disk is full/.test(JSON.stringify(vo!.vo.state.status.checks)),
            10_000,
            "the self-check to turn degraded, saying the disk is full"
        );
        await waitFor(() => notKept() > 0, 10_000, "what could not be kept to be counted");
        const stats = vo!.vo.stats();
        const why = `${stats.lastError} ${(stats.store as { lastSpoolError?: string } | undefined)?.lastSpoolError}`;
        expect(why).to.match(/SQLITE_FULL: database or disk is full/);
    }

    /** Counted as not kept: dropped by the bounded queue, or (InfluxDB) lost when the spool could not take it. */
    function notKept(): number {
        const stats = vo!.vo.stats();
        return stats.dropped + ((stats.store as { lost?: number } | undefined)?.lost ?? 0);
    }

    it("embedded store: serves on, counts what it cannot keep, degraded with the reason, no corruption, writes again once space is back", async function () {
        const { td, dbPath } = await start({});
        expect(await putLabels(td, labels("before", 5))).to.deep.equal(new Array(5).fill(204));
        await vo!.vo.flush();
        await whileFull(td, dbPath);
        disk!.free();
        await waitFor(() => vo!.vo.stats().queued === 0, 10_000, "the queue to drain once space is back");
        const dropped = notKept();
        expect(await putLabels(td, labels("after", 5))).to.deep.equal(new Array(5).fill(204));
        await vo!.vo.flush();
        await waitFor(() => vo!.vo.state.status?.status === "ok", 10_000, "the self-check to be ok again");
        expect(await integrity(dbPath)).to.equal("ok");

        const stored = await onDisk(dbPath, (db) =>
            db.all<{ value: string }>(
                "SELECT value FROM ts_interaction WHERE thing = ? AND name = 'label' AND op = 'writeproperty' ORDER BY id",
                [THING]
            )
        );
        const values = stored.map((r) => r.value);
        expect(values.slice(0, 5), "nothing committed before is lost").to.deep.equal(labels("before", 5));
        expect(values.slice(-5)).to.deep.equal(labels("after", 5));
        const kept = values.filter((v) => v.startsWith("full-"));
        expect(kept.length, "what landed = what was recorded - what was counted dropped").to.equal(40 - dropped);
        // Drops happen at push while the queue is full: the first 20 (the queue's bound) always find room; a
        // label that arrives while a write is in flight finds room too, and lands if that write succeeds (SQLite
        // can reuse free pages of its file on a full disk), so what is kept is in order but need not be a prefix.
        const order = kept.map((v) => Number(v.slice("full-".length)));
        expect(order, "in order, each once").to.deep.equal([...new Set(order)].sort((a, b) => a - b));
        expect(order.slice(0, 20), "the oldest, up to the queue's bound, kept").to.deep.equal(
            Array.from({ length: 20 }, (_, i) => i)
        );
    });

    it("after-commit on a full disk: the first write is answered 503, the next refused before its handler runs", async function () {
        const { td, dbPath } = await start({ recording: { acknowledge: "after-commit" } });
        expect(await putLabels(td, ["before"])).to.deep.equal([204]);
        await checkpoint(dbPath);
        disk!.fill();
        const [first, second] = await putLabels(td, ["full-0", "full-1"]);
        expect([first, second]).to.deep.equal([503, 503]);
        expect(vo!.vo.stats().lastError).to.match(/disk is full/);
        disk!.free();
        await waitFor(async () => (await putLabels(td, ["after"]))[0] === 204, 10_000, "a 204 once space is back");
        expect(await integrity(dbPath)).to.equal("ok");
        const values = await onDisk(dbPath, (db) =>
            db.all<{ value: string }>("SELECT value FROM ts_interaction WHERE name = 'label' AND ok = 1 ORDER BY id")
        );
        // full-0 ran (its answer said it is not durable yet) and lands with the retry; full-1 never ran
        expect(values.map((r) => r.value)).to.include.members(["before", "full-0", "after"]);
        expect(values.map((r) => r.value)).not.to.include("full-1");
    });

    it("spool (InfluxDB unreachable): serves on, counts, degraded with the reason, no corruption, spools again once space is back", async function () {
        const port = await freeTcpPort(); // nothing listens there: InfluxDB is down
        const { td, dbPath } = await start({
            influxdb: { url: `http://127.0.0.1:${port}`, token: "test-token-not-secret", timeoutMs: 500 },
        });
        expect(await putLabels(td, labels("before", 5))).to.deep.equal(new Array(5).fill(204));
        const pending = () => (vo!.vo.stats().store as { pending: number }).pending;
        await waitFor(() => pending() === 5, 10_000, "5 points in the spool");
        await whileFull(td, dbPath);
        // the queue may still hold records (they land once there is space): count only what was given up
        disk!.free();
        await waitFor(() => vo!.vo.stats().queued === 0, 10_000, "the queue to drain into the spool");
        const dropped = notKept();
        expect(await integrity(dbPath)).to.equal("ok");
        const spooled = await onDisk(dbPath, (db) =>
            db.all<{ payload: string }>("SELECT payload FROM spool ORDER BY id")
        );
        const lines = spooled.flatMap((r) => r.payload.split("\n")).filter((l) => l.includes("writeproperty"));
        const value = (l: string) => /value_str="([^"]*)"/.exec(l)?.[1];
        const values = lines.map(value);
        expect(values.slice(0, 5), "nothing spooled before is lost").to.deep.equal(labels("before", 5));
        expect(values.length - 5, "spooled = recorded - counted dropped").to.equal(40 - dropped);
        expect(pending()).to.equal(45 - dropped);
    });
});
