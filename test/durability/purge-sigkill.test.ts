import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Database } from "../../src/sqlite/database";
import { migrate } from "../../src/sqlite/migrations";
import { normalizeHistoryQuery } from "../../src/history/history-query";
import { resolveRetentionOptions } from "../../src/options/retention-options";
import { SqliteRetention } from "../../src/timeseries/sqlite/sqlite-retention";
import { SqliteTimeSeriesStore } from "../../src/timeseries/sqlite/sqlite-time-series-store";
import type { AggregateRow } from "../../src/timeseries/time-series-store";
import type { InteractionRecord } from "../../src";
import { propertyRecord } from "../helpers/records";
import { tempDir, waitFor } from "../helpers/vo-fixture";

const FIXTURE = path.join(__dirname, "..", "fixtures", "purge-process.js");
const DAY = 86_400_000;
const OLD_POINTS = 400_000;

describe("a purge stopped by SIGKILL leaves the file sound, and the next one finishes it", function () {
    this.timeout(120_000);
    let dir: string;
    beforeEach(() => (dir = tempDir()));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("kills the purging process mid-way: integrity ok, horizon recorded, statistics whole; the next purge deletes the rest", async function () {
        const file = path.join(dir, "vo.sqlite");
        // 400 000 points 40 days old (a point every 100 ms), then 1000 of today
        const t0 = Date.now() - 40 * DAY;
        const db = await Database.open(file);
        await migrate(db);
        let store = new SqliteTimeSeriesStore(db);
        for (let i = 0; i < OLD_POINTS; i += 5000) {
            const batch: InteractionRecord[] = [];
            for (let k = i; k < i + 5000; k++) batch.push(propertyRecord("p", k % 10, t0 + k * 100));
            await store.write(batch);
        }
        await store.write(Array.from({ length: 1000 }, (_, k) => propertyRecord("p", 1, Date.now() - 60_000 + k)));
        await store.rollUpAll();
        const old = `SELECT COUNT(*) AS n FROM ts_point WHERE ts < ${BigInt(t0 + DAY) * 1_000_000n}`;
        const count = async () => (await db.get<{ n: number }>(old))!.n;
        expect(await count()).to.equal(OLD_POINTS);

        const child = spawn(process.execPath, [FIXTURE, file], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        const exited = new Promise((resolve) => child.once("exit", resolve));
        await waitFor(() => out.includes("PURGING"), 30_000, "the purge to start");
        // killed once it has deleted some of the old points, not all
        let seen = OLD_POINTS;
        await waitFor(
            async () => {
                seen = await count();
                return seen < OLD_POINTS;
            },
            30_000,
            "the first deletes"
        );
        child.kill("SIGKILL");
        await exited;
        expect(out, "killed before it finished").not.to.include("PURGED");

        const left = await count();
        expect(left, "some old points deleted, some left").to.be.within(1, OLD_POINTS - 1);
        expect((await db.get<{ integrity_check: string }>("PRAGMA integrity_check"))?.integrity_check).to.equal("ok");
        // the horizon was recorded before the deletes: the old range answers from statistics, every point counted
        store = new SqliteTimeSeriesStore(db);
        const q = normalizeHistoryQuery({
            thing: "urn:test:thing",
            kind: "property",
            name: "p",
            from: t0 - (t0 % 3_600_000),
            to: t0 + 12 * 3_600_000,
            aggregate: { every: "1h", fn: "count" },
        });
        expect((await store.resolution(q)).resolution).to.equal("5m");
        const counted = ((await store.history(q)) as AggregateRow[]).reduce((a, r) => a + (r.value ?? 0), 0);
        expect(counted).to.equal(OLD_POINTS);

        await new SqliteRetention(db, store, resolveRetentionOptions({ minFree: 0 }), []).runOnce();
        expect(await count()).to.equal(0);
        expect((await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM ts_point"))!.n).to.equal(1000);
        await db.close();
    });
});
