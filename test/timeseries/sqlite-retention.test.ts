import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { Database } from "../../src/sqlite/database";
import { migrate } from "../../src/sqlite/migrations";
import { normalizeHistoryQuery } from "../../src/history/history-query";
import { HistoryService } from "../../src/history/history-service";
import { resolveRetentionOptions, type RetentionOptions } from "../../src/options/retention-options";
import { SqliteRetention } from "../../src/timeseries/sqlite/sqlite-retention";
import { SqliteTimeSeriesStore } from "../../src/timeseries/sqlite/sqlite-time-series-store";
import type { AggregateRow, HistoryRecord } from "../../src/timeseries/time-series-store";
import { timeSeriesCheck } from "../../src/health/time-series-check";
import { purgeStateTables } from "../../src/vo-state/state-retention";
import type { InteractionRecord } from "../../src";
import { propertyRecord } from "../helpers/records";
import { SmallDisk } from "../helpers/small-disk";
import { tempDir } from "../helpers/vo-fixture";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 5, 1, 12, 30);

/** A record of `name` (`kind`) `daysAgo` before NOW. */
const at = (name: string, daysAgo: number, value: unknown, fields: Partial<InteractionRecord> = {}) =>
    propertyRecord(name, value, NOW - daysAgo * DAY, fields);

describe("retention of the embedded store: raw points, statistics, the VO's tables, the free-space bound", function () {
    this.timeout(60_000);
    let dir: string;
    let db: Database;
    let store: SqliteTimeSeriesStore;

    beforeEach(async function () {
        dir = tempDir();
        db = await Database.open(path.join(dir, "vo.sqlite"));
        await migrate(db);
        store = new SqliteTimeSeriesStore(db);
    });
    afterEach(async function () {
        await store.close();
        await db.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const retention = (options: RetentionOptions, now = () => NOW) =>
        new SqliteRetention(db, store, resolveRetentionOptions(options), [(r, s) => purgeStateTables(db, r, s)], now);
    const points = async (name: string, kind: InteractionRecord["kind"] = "property") =>
        (
            (await store.history(
                normalizeHistoryQuery({ thing: "urn:test:thing", kind, name, from: 0, limit: 10_000 })
            )) as HistoryRecord[]
        ).map((r) => r.value);

    it("deletes raw points past their retention: per kind, per affordance, the default 30 days; keeps the rest", async function () {
        await store.write([
            at("temperature", 40, 1),
            at("temperature", 29, 2),
            at("vibration", 3, 3),
            at("vibration", 1, 4),
            at("calibrate", 300, 5, { kind: "action", op: "invokeaction" }),
            at("calibrate", 400, 6, { kind: "action", op: "invokeaction" }),
            at("overheated", 8, 7, { kind: "event", op: "emitevent" }),
            at("overheated", 6, 8, { kind: "event", op: "emitevent" }),
        ]);
        await retention({ action: "1y", event: "7d", affordances: [{ name: "vibration", raw: "2d" }] }).runOnce();
        expect(await points("temperature")).to.deep.equal([2]);
        expect(await points("vibration")).to.deep.equal([4]);
        expect(await points("calibrate", "action")).to.deep.equal([5]);
        expect(await points("overheated", "event")).to.deep.equal([8]);
    });

    it("answers aggregates over a range whose points are gone from the statistics, and says so", async function () {
        // 3 days of a point a minute, 40 days ago; the means of each hour are known before the purge
        const t0 = NOW - 40 * DAY - ((NOW - 40 * DAY) % HOUR);
        const records = Array.from({ length: 3 * 24 * 60 }, (_, i) =>
            propertyRecord("temperature", 20 + (i % 60) / 10, t0 + i * 60_000)
        );
        await store.write(records);
        const range = { thing: "urn:test:thing", kind: "property" as const, name: "temperature" };
        const query = { ...range, from: t0, to: t0 + 3 * DAY, aggregate: { every: "1h", fn: "mean" as const } };
        const before = (await store.history(normalizeHistoryQuery(query))) as AggregateRow[];
        expect(before).to.have.length(72);
        expect((await store.resolution(normalizeHistoryQuery(query))).resolution).to.equal("raw");

        await retention({}).runOnce();
        expect(await points("temperature")).to.deep.equal([]);
        const after = (await store.history(normalizeHistoryQuery(query))) as AggregateRow[];
        expect(after.map((r) => r.time)).to.deep.equal(before.map((r) => r.time));
        after.forEach((r, i) => expect(r.value).to.be.closeTo(before[i].value!, 1e-9));
        expect((await store.resolution(normalizeHistoryQuery(query))).resolution).to.equal("5m");

        // a resource answer: resolution named, a 7-minute every widened to whole 5-minute buckets
        const page = await new HistoryService(store).page(range.thing, range.kind, range.name, {
            from: new Date(t0).toISOString(),
            to: new Date(t0 + HOUR).toISOString(),
            aggregate: { every: "7m", fn: "max" },
        });
        expect(page).to.include({ resolution: "5m", every: "10m" });
        expect("windows" in page && page.windows.length).to.equal(6);

        // the 5-minute statistics gone too (retention.fiveMinute): hourly ones answer
        await retention({ fiveMinute: "20d" }).runOnce();
        const hourly = await store.resolution(normalizeHistoryQuery(query));
        expect(hourly.resolution).to.equal("1h");
        const fromHours = (await store.history(normalizeHistoryQuery(query))) as AggregateRow[];
        fromHours.forEach((r, i) => expect(r.value).to.be.closeTo(before[i].value!, 1e-9));
    });

    it("never deletes a point inside its retention window: random clocks, retentions and interleaved writes", async function () {
        await fc.assert(
            fc.asyncProperty(
                fc.constantFrom("5m", "1h", "6h", "1d", "3d"),
                fc.array(
                    fc.record({
                        write: fc.array(fc.integer({ min: 0, max: 5 * DAY }), { maxLength: 30 }),
                        purgeAfterMs: fc.integer({ min: 0, max: DAY }),
                    }),
                    { minLength: 1, maxLength: 5 }
                ),
                async (raw, rounds) => {
                    await db.exec(
                        "DELETE FROM ts_point; DELETE FROM ts_stat; DELETE FROM ts_rolled; DELETE FROM ts_purged"
                    );
                    store = new SqliteTimeSeriesStore(db);
                    const keepMs = Number(resolveRetentionOptions({ raw }).raw.property! / 1_000_000n);
                    let clock = NOW;
                    const written: number[] = [];
                    let cutoff = -Infinity;
                    for (const round of rounds) {
                        const times = round.write.map((back) => clock - back).filter((t) => !written.includes(t));
                        await store.write([...new Set(times)].map((t) => propertyRecord("p", t, t)));
                        written.push(...new Set(times));
                        clock += round.purgeAfterMs;
                        await retention({ raw }, () => clock).runOnce();
                        cutoff = Math.max(cutoff, clock - keepMs);
                    }
                    const kept = new Set((await points("p")) as number[]);
                    for (const t of written) {
                        if (t >= cutoff && !kept.has(t))
                            throw new Error(`deleted ${t}, inside the window from ${cutoff}`);
                        if (t < cutoff - HOUR && kept.has(t))
                            throw new Error(`kept ${t}, an hour and more before ${cutoff}`);
                    }
                }
            ),
            { numRuns: Number(process.env.VO_RETENTION_RUNS ?? 25) }
        );
    });

    it("deletes the VO's own old rows: vo_status and closed observers with the raw points; device_status with the statistics", async function () {
        const old = (days: number) => new Date(NOW - days * DAY).toISOString().replace("T", " ").replace("Z", "");
        await db.run(
            "INSERT INTO vo_status (timestamp, status, state) VALUES (?, 1, 'ok'), (?, 1, 'ok'), (1700000000, 1, NULL)",
            [old(40), old(1)]
        );
        await db.run(
            `INSERT INTO observer (ip, protocol, started_at, ended_at) VALUES ('a', 'http', ?1, ?1), ('b', 'http', ?1, NULL), ('c', 'http', ?2, ?2)`,
            [old(40), old(1)]
        );
        await db.run("INSERT INTO device_status (timestamp, status, state) VALUES (?, 0, 'lost')", [old(400)]);
        await retention({}).runOnce();
        expect((await db.all("SELECT timestamp FROM vo_status ORDER BY id")).length).to.equal(2);
        expect(await db.all("SELECT ip FROM observer ORDER BY id")).to.deep.equal([{ ip: "b" }, { ip: "c" }]);
        expect(await db.all("SELECT state FROM device_status")).to.deep.equal([{ state: "lost" }]);
        await retention({ hourly: "365d" }).runOnce();
        expect(await db.all("SELECT state FROM device_status")).to.deep.equal([]);
    });

    it("refuses a free-space bound above the disk's size, naming the option", function () {
        expect(() => retention({ minFree: 2 ** 60 }).start()).to.throw(/retention\.minFree: .* not under the size/);
    });
});

describe("the free-space bound on a real small tmpfs", function () {
    this.timeout(60_000);
    let disk: SmallDisk | undefined;

    before(function () {
        if (!SmallDisk.possible()) {
            console.log("    skipped: mounting a small tmpfs needs root, and this run is not root");
            this.skip();
        }
    });
    afterEach(() => disk?.unmount());

    it("deletes the oldest raw points first, gives the pages back, keeps statistics, and says so", async function () {
        disk = new SmallDisk();
        disk.mount("32m");
        const db = await Database.open(path.join(disk.dir, "vo.sqlite"));
        try {
            await migrate(db);
            const store = new SqliteTimeSeriesStore(db);
            // 10 days of two properties, a point every 5 s: about 12 MiB
            const t0 = NOW - 10 * DAY - ((NOW - 10 * DAY) % HOUR);
            for (let day = 0; day < 10; day++) {
                const batch: InteractionRecord[] = [];
                for (let i = 0; i < DAY / 5000; i++) {
                    const t = t0 + day * DAY + i * 5000;
                    batch.push(propertyRecord(i % 2 === 0 ? "a" : "b", (i % 100) / 3, t));
                }
                await store.write(batch);
            }
            const bound = 8 << 20;
            disk.fillUntilFree(bound - (2 << 20));
            const options = resolveRetentionOptions({ raw: "forever", minFree: bound });
            const retention = new SqliteRetention(db, store, options, [], () => NOW);
            const check = timeSeriesCheck(
                { getStats: () => ({ queued: 0, errors: 0 }) as never },
                {},
                100,
                retention.stats
            );
            await retention.runOnce();
            const s = fs.statfsSync(disk.dir);
            expect(s.bavail * s.bsize).to.be.at.least(bound);
            expect(retention.stats.diskPressure).to.match(
                /under the bound of 8\.0 MiB: \d+ oldest hours of raw points deleted/
            );
            expect(check()).to.deep.include({ ok: false });
            expect(check().detail).to.match(/^disk watermark: free space/);
            // the oldest went, the newest stayed; the statistics of the deleted hours answer
            const first = (await store.history(
                normalizeHistoryQuery({ thing: "urn:test:thing", kind: "property", name: "a", from: 0, limit: 1 })
            )) as HistoryRecord[];
            expect(first[0].time.getTime()).to.be.greaterThan(t0 + 12 * HOUR);
            const day1 = normalizeHistoryQuery({
                thing: "urn:test:thing",
                kind: "property",
                name: "a",
                from: t0,
                to: t0 + 12 * HOUR,
                aggregate: { every: "1h", fn: "count" },
            });
            expect(((await store.history(day1)) as AggregateRow[]).map((r) => r.value)).to.deep.equal(
                new Array(12).fill(360)
            );
            await store.close();
        } finally {
            await db.close();
        }
    });
});
