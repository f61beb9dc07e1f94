import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Database } from "../../src/sqlite/database";
import { migrate } from "../../src/sqlite/migrations";
import { Spool } from "../../src/timeseries/spool";
import { tempDir } from "../helpers/vo-fixture";

describe("spool of unwritten batches (real SQLite file)", function () {
    let dir: string;
    let db: Database;
    beforeEach(async () => {
        dir = tempDir();
        db = await Database.open(path.join(dir, "vo.sqlite"));
        await migrate(db);
    });
    afterEach(async () => {
        await db.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const payload = (tag: string) => `${tag} ${"x".repeat(99 - tag.length)}`; // 100 bytes

    it("hands batches back oldest first and keeps them across a reopen of the file", async function () {
        const spool = await Spool.open(db, 1_000_000);
        await spool.add("property", 2, "p1");
        await spool.add("action", 1, "a1");
        await spool.add("event", 3, "e1");
        const reopened = await Spool.open(db, 1_000_000);
        expect(reopened.stats()).to.deep.equal({ pendingPoints: 6, pendingBytes: 6, droppedPoints: 0 });
        const batches = await reopened.oldest(10);
        expect(batches.map((b) => [b.kind, b.points, b.payload])).to.deep.equal([
            ["property", 2, "p1"],
            ["action", 1, "a1"],
            ["event", 3, "e1"],
        ]);
        await reopened.remove([batches[0]]);
        await reopened.remove([batches[0]]); // twice: counted once
        expect(reopened.stats()).to.include({ pendingPoints: 4, pendingBytes: 4 });
        expect(reopened.isEmpty).to.equal(false);
    });

    it("hands out a round bounded in points, the first batch whatever its size, and the oldest id alone", async function () {
        const spool = await Spool.open(db, 1_000_000);
        expect(await spool.oldestId()).to.equal(undefined);
        expect(await spool.oldest(10, 5)).to.deep.equal([]);
        for (const [kind, points] of [
            ["property", 3],
            ["action", 3],
            ["event", 3],
        ] as const) {
            await spool.add(kind, points, `${kind}-${points}`);
        }
        const ids = (batches: { id: number }[]) => batches.map((b) => b.id);
        const all = await spool.oldest(10);
        expect(all.map((b) => b.payload)).to.deep.equal(["property-3", "action-3", "event-3"]);
        expect(ids(await spool.oldest(10, 6)), "3 + 3 points fit in 6").to.deep.equal(ids(all.slice(0, 2)));
        expect(ids(await spool.oldest(10, 5)), "3 + 3 do not fit in 5").to.deep.equal(ids(all.slice(0, 1)));
        expect(ids(await spool.oldest(10, 1)), "the first is handed out even past the bound").to.deep.equal(
            ids(all.slice(0, 1))
        );
        expect(ids(await spool.oldest(2)), "and at most limit batches").to.deep.equal(ids(all.slice(0, 2)));
        await spool.remove(all.slice(0, 1));
        expect(await spool.oldestId()).to.equal(all[1].id);
        expect(spool.newestId).to.equal(all[2].id);
        // emptied, the table hands out ids from the start again: the newest is the one just added
        await spool.remove(await spool.oldest(10));
        await spool.add("property", 1, "again");
        const [again] = await spool.oldest(10);
        expect(again.id).to.be.below(all[2].id);
        expect(spool.newestId).to.equal(again.id);
    });

    it("past its disk bound drops events first, then properties, actions last, oldest first, and counts them", async function () {
        const spool = await Spool.open(db, 500); // room for five 100-byte batches
        await spool.add("action", 10, payload("a1"));
        await spool.add("event", 10, payload("e1"));
        await spool.add("property", 10, payload("p1"));
        await spool.add("event", 10, payload("e2"));
        await spool.add("property", 10, payload("p2"));
        expect(spool.stats()).to.deep.equal({ pendingPoints: 50, pendingBytes: 500, droppedPoints: 0 });
        await spool.add("action", 10, payload("a2")); // e1 goes
        await spool.add("action", 10, payload("a3")); // e2 goes
        await spool.add("property", 10, payload("p3")); // p1 goes
        expect(spool.stats()).to.deep.equal({ pendingPoints: 50, pendingBytes: 500, droppedPoints: 30 });
        const left = (await spool.oldest(100)).map((b) => b.payload.split(" ")[0]);
        expect(left).to.deep.equal(["a1", "p2", "a2", "a3", "p3"]);
        for (let i = 4; i < 8; i++) await spool.add("action", 10, payload(`a${i}`)); // only actions left, oldest go
        expect((await spool.oldest(100)).map((b) => b.payload.split(" ")[0])).to.deep.equal([
            "a3",
            "a4",
            "a5",
            "a6",
            "a7",
        ]);
        expect(spool.stats().droppedPoints).to.equal(70);
    });
});
