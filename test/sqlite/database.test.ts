import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Database } from "../../src/sqlite/database";
import { migrate, MIGRATIONS } from "../../src/sqlite/migrations";
import { tempDir } from "../helpers/vo-fixture";

async function rejection(p: Promise<unknown>): Promise<Error> {
    try {
        await p;
    } catch (err) {
        return err as Error;
    }
    throw new Error("expected a rejection");
}

describe("sqlite database and migrations", function () {
    let dir: string;
    beforeEach(() => (dir = tempDir()));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("creates the original VO tables exactly as published, then the added ones, in WAL mode", async function () {
        const db = await Database.open(path.join(dir, "vo.sqlite"));
        try {
            expect(await migrate(db)).to.equal(MIGRATIONS[MIGRATIONS.length - 1].version);
            const mode = await db.get<{ journal_mode: string }>("PRAGMA journal_mode");
            expect(mode?.journal_mode).to.equal("wal");
            const columns = async (table: string) =>
                (
                    await db.all<{ name: string; type: string; pk: number; dflt_value: string | null }>(
                        "SELECT name, type, pk, dflt_value FROM pragma_table_info(?)",
                        [table]
                    )
                ).map(
                    (c) => `${c.name} ${c.type}${c.pk ? " PK" : ""}${c.dflt_value ? ` DEFAULT ${c.dflt_value}` : ""}`
                );
            // the original columns first, unchanged; later migrations only append
            const original = async (table: string, n: number) => (await columns(table)).slice(0, n);
            expect(await original("vo_status", 3)).to.deep.equal([
                "id INTEGER PK",
                "timestamp DATETIME DEFAULT CURRENT_TIMESTAMP",
                "status INTEGER",
            ]);
            expect(await original("device_status", 3)).to.deep.equal([
                "id INTEGER PK",
                "timestamp DATETIME DEFAULT CURRENT_TIMESTAMP",
                "status INTEGER",
            ]);
            expect(await original("observer", 2)).to.deep.equal(["id INTEGER PK", "ip TEXT"]);
            expect(await original("redirect_ip", 2)).to.deep.equal(["id INTEGER PK", "ip TEXT"]);
            expect(await original("info", 2)).to.deep.equal(["id INTEGER PK", "device_ip TEXT"]);
            expect(await columns("observer")).to.include.members([
                "protocol TEXT",
                "started_at DATETIME",
                "ended_at DATETIME",
            ]);
            // the time series: points clustered on (series, ts), no other index; ts_interaction a view of them
            const point = await db.get<{ sql: string }>("SELECT sql FROM sqlite_schema WHERE name = 'ts_point'");
            expect(point?.sql).to.match(/PRIMARY KEY \(series, ts\)\s*\) WITHOUT ROWID/);
            expect(await db.all("SELECT name FROM pragma_index_list('ts_point') WHERE origin = 'c'")).to.deep.equal([]);
            const view = await db.get<{ type: string }>("SELECT type FROM sqlite_schema WHERE name = 'ts_interaction'");
            expect(view?.type).to.equal("view");
            expect((await db.get<{ auto_vacuum: number }>("PRAGMA auto_vacuum"))?.auto_vacuum, "incremental").to.equal(
                2
            );
        } finally {
            await db.close();
        }
    });

    it("converts vo_status and device_status rows of version 7 to vo-wot's codes, and leaves others' rows", async function () {
        const db = await Database.open(path.join(dir, "vo.sqlite"));
        try {
            await migrate(db, MIGRATIONS.slice(0, 7)); // the release before: 0 ok, 1 degraded, 2 failed
            const detail = (status: string) => JSON.stringify({ status, checks: { http: { ok: status === "ok" } } });
            for (const [code, status] of [
                [0, "ok"],
                [1, "degraded"],
                [2, "failed"],
            ] as const) {
                await db.run("INSERT INTO vo_status (status, detail) VALUES (?, ?)", [code, detail(status)]);
            }
            await db.run("INSERT INTO vo_status (status) VALUES (1)"); // vo-wot's insert_data: 1 = ok already
            for (const [code, state] of [
                [1, "alive"],
                [2, "suspect"],
                [0, "lost"],
            ] as const) {
                await db.run("INSERT INTO device_status (status, state) VALUES (?, ?)", [code, state]);
            }
            await db.run("INSERT INTO device_status (status) VALUES (0)"); // vo-wot's: not reachable

            expect(await migrate(db)).to.equal(MIGRATIONS[MIGRATIONS.length - 1].version);
            expect(await db.all("SELECT status, state FROM vo_status ORDER BY id")).to.deep.equal([
                { status: 1, state: "ok" },
                { status: 1, state: "degraded" },
                { status: 0, state: "failed" },
                { status: 1, state: null },
            ]);
            expect(await db.all("SELECT status, state FROM device_status ORDER BY id")).to.deep.equal([
                { status: 1, state: "alive" },
                { status: 0, state: "suspect" },
                { status: 0, state: "lost" },
                { status: 0, state: null },
            ]);
        } finally {
            await db.close();
        }
    });

    it("is idempotent and keeps data across re-opening", async function () {
        const file = path.join(dir, "vo.sqlite");
        let db = await Database.open(file);
        await migrate(db);
        await db.run("INSERT INTO info (device_ip) VALUES (?)", ["192.0.2.7"]);
        await db.close();
        db = await Database.open(file);
        await migrate(db);
        expect(await db.all("SELECT device_ip FROM info")).to.deep.equal([{ device_ip: "192.0.2.7" }]);
        await db.close();
    });

    it("refuses a file with a newer schema than it knows", async function () {
        const file = path.join(dir, "vo.sqlite");
        const db = await Database.open(file);
        await db.exec("PRAGMA user_version = 999");
        const err = await rejection(migrate(db));
        await db.close();
        expect(err.message).to.match(/schema version 999, newer than/);
    });

    it("refuses a corrupt file at open, naming it", async function () {
        const file = path.join(dir, "corrupt.sqlite");
        fs.writeFileSync(file, Buffer.alloc(8192, 0x5a));
        const err = await rejection(Database.open(file));
        expect(err.message)
            .to.include(file)
            .and.match(/not a database|damaged|not usable/);
    });

    it("refuses a database whose pages are damaged", async function () {
        const file = path.join(dir, "damaged.sqlite");
        const db = await Database.open(file);
        await migrate(db);
        await db.exec("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE");
        await db.close();
        const bytes = fs.readFileSync(file);
        bytes.fill(0xff, 4096 + 16, 4096 * 3); // scribble over the first table pages, keep the header
        fs.writeFileSync(file, bytes);
        const err = await rejection(Database.open(file).then((d) => migrate(d).finally(() => d.close())));
        expect(err.message).to.include(file);
    });

    it("refuses a read-only file at open with a clear error", async function () {
        const file = path.join(dir, "readonly.sqlite");
        const db = await Database.open(file);
        await migrate(db);
        await db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        await db.close();
        // root ignores permission bits; the immutable attribute binds root too.
        try {
            execFileSync("chattr", ["+i", file], { stdio: "ignore" });
        } catch {
            fs.chmodSync(file, 0o444);
            if (process.getuid?.() === 0) this.skip(); // neither chattr nor permissions can stop root here
        }
        try {
            const err = await rejection(Database.open(file));
            expect(err.message)
                .to.include(file)
                .and.match(/read-only|readonly/);
        } finally {
            execFileSync("chattr", ["-i", file], { stdio: "ignore" });
        }
    });

    it("serialises a transaction against other statements on the handle", async function () {
        const db = await Database.open(path.join(dir, "vo.sqlite"));
        await migrate(db);
        const tx = db.transaction(async (t) => {
            await t.run("INSERT INTO observer (ip) VALUES ('a')");
            await new Promise((r) => setTimeout(r, 30));
            throw new Error("rolled back");
        });
        const outside = db.run("INSERT INTO observer (ip) VALUES ('b')");
        expect((await rejection(tx)).message).to.equal("rolled back");
        await outside;
        expect(await db.all("SELECT ip FROM observer")).to.deep.equal([{ ip: "b" }]);
        await db.close();
    });

    it("runs a prepared statement again and again, through a failure, and still closes the file", async function () {
        const file = path.join(dir, "vo.sqlite");
        const db = await Database.open(file);
        await migrate(db);
        const sql = "INSERT INTO device_thing (thing, device, since) VALUES (?, ?, ?)";
        const first = await db.runPrepared(sql, ["t1", "d", 1]);
        expect(first.changes).to.equal(1);
        // the primary key refuses the same row: the error names the constraint, the next run works
        const err = await rejection(db.runPrepared(sql, ["t1", "d", 2]));
        expect(err.message).to.match(/UNIQUE constraint failed/);
        const third = await db.runPrepared(sql, ["t2", "d", 3]);
        expect(third.lastID).to.be.greaterThan(first.lastID);
        expect(await db.all("SELECT thing, since FROM device_thing ORDER BY thing")).to.deep.equal([
            { thing: "t1", since: 1 },
            { thing: "t2", since: 3 },
        ]);
        // a statement that cannot be prepared fails its run, without an 'error' event crashing the process,
        // and is prepared anew once it can be
        const later = "INSERT INTO made_later (x) VALUES (?)";
        expect((await rejection(db.runPrepared(later, [1]))).message).to.match(/no such table: made_later/);
        await db.exec("CREATE TABLE made_later (x)");
        expect((await db.runPrepared(later, [1])).changes).to.equal(1);
        await db.close(); // an unfinalized statement would make SQLite refuse (SQLITE_BUSY)
        const again = await Database.open(file);
        expect(await again.all("SELECT COUNT(*) AS n FROM device_thing")).to.deep.equal([{ n: 2 }]);
        await again.close();
    });
});
