import path from "node:path";
import { expect } from "chai";
import { GapLookup, HistoryGap } from "../../src/history/history-gaps";
import { parseHistoryParams } from "../../src/history/history-params";
import { HistoryService } from "../../src/history/history-service";
import { SqliteTimeSeriesStore } from "../../src/timeseries/sqlite/sqlite-time-series-store";
import { propertyRecord } from "../helpers/records";
import { Database } from "../../src/sqlite/database";
import { migrate } from "../../src/sqlite/migrations";
import { VoRuns } from "../../src/vo-state/vo-runs";
import { StateHistory } from "../../src/vo-state/state-history";
import { tempDir } from "../helpers/vo-fixture";

const T = Date.parse("2026-03-01T10:00:00.000Z");
const s = (seconds: number): number => T + seconds * 1000;
const sqliteTime = (ms: number): string => new Date(ms).toISOString().replace("T", " ").replace("Z", "");
const plain = (gaps: HistoryGap[]) => gaps.map((g) => ({ ...g, from: g.from.toISOString(), to: g.to.toISOString() }));
const iso = (seconds: number): string => new Date(s(seconds)).toISOString();

describe("gap lookup: vo_run, device_status and device_thing read back as gaps (real SQLite)", function () {
    let db: Database;
    let now = s(1000);

    beforeEach(async function () {
        db = await Database.open(path.join(tempDir("node-wot-vo-gap-lookup-"), "vo.sqlite"));
        await migrate(db);
        now = s(1000);
    });
    afterEach(async () => db?.close());

    const run = (started: number, lastSeen: number, stopped: number | null) =>
        db.run("INSERT INTO vo_run (started_at, last_seen, heartbeat_ms, stopped_at) VALUES (?, ?, 1000, ?)", [
            s(started),
            s(lastSeen),
            stopped === null ? null : s(stopped),
        ]);
    const device = (at: number, state: string, url = "coap://127.0.0.1:5684/d") =>
        db.run("INSERT INTO device_status (timestamp, status, state, device) VALUES (?, 0, ?, ?)", [
            sqliteTime(s(at)),
            state,
            url,
        ]);

    it("between runs: clean stop to start, unclean last heartbeat to start; none before the first run", async function () {
        await run(0, 100, 100);
        await run(200, 290, null); // SIGKILLed: its last heartbeat at 290 s
        await run(400, 999.5, null); // running: heartbeat half a second ago
        const lookup = new GapLookup(new StateHistory(db), () => now);
        expect(plain(await lookup.gaps("any", s(-50), s(1000)))).to.deep.equal([
            { from: iso(100), to: iso(200), reason: "vo-down", clean: true },
            { from: iso(290), to: iso(400), reason: "vo-down", clean: false },
        ]);
        // only those overlapping the range, with their true bounds
        expect(plain(await lookup.gaps("any", s(350), s(360)))).to.deep.equal([
            { from: iso(290), to: iso(400), reason: "vo-down", clean: false },
        ]);
        expect(await lookup.gaps("any", s(210), s(280))).to.deep.equal([]);
    });

    it("the newest run stopped, or its heartbeat quiet (read without a running VO): open until the range's end", async function () {
        await run(0, 100, 100);
        const lookup = new GapLookup(new StateHistory(db), () => now);
        expect(plain(await lookup.gaps("any", s(50), s(500)))).to.deep.equal([
            { from: iso(100), to: iso(500), reason: "vo-down", open: true, clean: true },
        ]);
        await run(200, 300, null);
        // three heartbeats missed (3 s) at now = 1000 s: down since 300 s
        expect(plain(await lookup.gaps("any", s(250), s(900)))).to.deep.equal([
            { from: iso(300), to: iso(900), reason: "vo-down", open: true, clean: false },
        ]);
        now = s(302); // two heartbeats late only: still taken to be up
        expect(await lookup.gaps("any", s(250), s(302))).to.deep.equal([]);
    });

    it("device-lost from the first failed probe to the recovery, only for Things fronting that device", async function () {
        await db.run(
            "INSERT INTO device_thing (thing, device, since) VALUES ('urn:mirror', 'coap://127.0.0.1:5684/d', 0)"
        );
        await run(0, 999.5, null);
        await device(1, "alive");
        await device(10, "suspect");
        await device(11, "alive"); // a suspect that answers again is no gap
        await device(20, "suspect");
        await device(21, "lost");
        await device(30, "alive");
        await device(40, "lost");
        await device(60, "alive");
        await device(70, "suspect");
        await device(71, "lost");
        await device(80, "lost", "coap://127.0.0.1:9999/other"); // a device the Thing does not front
        const lookup = new GapLookup(new StateHistory(db), () => now);
        expect(plain(await lookup.gaps("urn:mirror", s(0), s(100)))).to.deep.equal([
            { from: iso(20), to: iso(30), reason: "device-lost" },
            { from: iso(40), to: iso(60), reason: "device-lost" },
            { from: iso(70), to: iso(100), reason: "device-lost", open: true },
        ]);
        // a range ending while the device was lost: the gap ends at the recovery after it, not open
        expect(plain(await lookup.gaps("urn:mirror", s(45), s(50)))).to.deep.equal([
            { from: iso(40), to: iso(60), reason: "device-lost" },
        ]);
        expect(await lookup.gaps("urn:node-wot-vo:status", s(0), s(100))).to.deep.equal([]);
    });

    it("VoRuns: heartbeats while running; a start marks the run a SIGKILL left open as unclean; a clean stop records its time", async function () {
        const first = new VoRuns(db, 100);
        expect(await first.begin()).to.equal(undefined);
        await new Promise((r) => setTimeout(r, 450)); // a few heartbeats
        const [row] = await db.all<{ started_at: number; last_seen: number }>("SELECT * FROM vo_run");
        expect(row.last_seen - row.started_at, "heartbeats written").to.be.within(100, 2000);
        await first.end();
        // a run whose process died: open, its last heartbeat at 290 s
        await run(200, 290, null);
        const second = new VoRuns(db, 100);
        expect(await second.begin()).to.deep.equal({
            startedAt: new Date(s(200)),
            endedAt: new Date(s(290)),
            clean: false,
        });
        expect(second.previous?.clean, "kept for the VO to show").to.equal(false);
        await second.end();
        const rows = await db.all<{ stopped_at: number | null; unclean: number }>(
            "SELECT stopped_at, unclean FROM vo_run ORDER BY id"
        );
        expect(rows.map((r) => [r.stopped_at !== null, r.unclean])).to.deep.equal([
            [true, 0],
            [false, 1],
            [true, 0],
        ]);
        const third = new VoRuns(db, 100);
        expect((await third.begin())?.clean).to.equal(true);
        await third.end();
    });

    it("CSV pages carry each gap once, as a row in time order, oldest or newest first; windows in it are null", async function () {
        await run(0, 10, 10);
        await run(20, 999.5, null);
        const store = new SqliteTimeSeriesStore(db);
        await store.write([0, 5, 25, 30].map((sec) => propertyRecord("level", sec, s(sec))));
        const service = new HistoryService(store, new GapLookup(new StateHistory(db)));
        const csvPages = async (order: string): Promise<string[][]> => {
            const pages: string[][] = [];
            let cursor: string | undefined;
            for (let n = 0; n < 4; n++) {
                const query = new URLSearchParams({ from: String(s(0)), to: String(s(40)), limit: "2", order });
                if (cursor !== undefined) query.set("cursor", cursor);
                const reply = await service.answer(
                    "urn:test:thing",
                    "property",
                    "level",
                    parseHistoryParams(query),
                    "csv"
                );
                // time, value and the gap columns of each row after the header
                pages.push(
                    reply.body
                        .trim()
                        .split("\r\n")
                        .slice(1)
                        .map((l) => l.split(","))
                        .map((f) => [f[0], f[6], f[13], f[14]].join(" "))
                );
                cursor = reply.next;
                if (cursor === undefined) break;
            }
            return pages;
        };
        const gapRow = `${iso(10)}  vo-down ${iso(20)}`;
        const point = (sec: number) => `${iso(sec)} ${sec}  `;
        expect(await csvPages("oldest")).to.deep.equal([
            [point(0), point(5)],
            [gapRow, point(25), point(30)],
        ]);
        // newest first, the gap's start (10 s) is in the second page's span (before 25 s)
        expect(await csvPages("newest")).to.deep.equal([
            [point(30), point(25)],
            [gapRow, point(5), point(0)],
        ]);

        const windows = JSON.parse(
            (
                await service.answer(
                    "urn:test:thing",
                    "property",
                    "level",
                    parseHistoryParams(
                        new URLSearchParams({ from: String(s(0)), to: String(s(40)), every: "5s", fn: "max" })
                    ),
                    "json"
                )
            ).body
        ) as { windows: unknown[] };
        expect(windows.windows).to.deep.equal([
            { time: iso(0), value: 0 },
            { time: iso(5), value: 5 },
            { time: iso(10), value: null, gap: "vo-down" },
            { time: iso(15), value: null, gap: "vo-down" },
            { time: iso(25), value: 25 },
            { time: iso(30), value: 30 },
        ]);
    });
});
