import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Database } from "../../src/sqlite/database";
import { migrate } from "../../src/sqlite/migrations";
import { InvalidInsertError, SqliteDb } from "../../src/sqlite/sqlite-db-api";
import { tempDir } from "../helpers/vo-fixture";

async function rejection(p: Promise<unknown>): Promise<Error> {
    try {
        await p;
    } catch (err) {
        return err as Error;
    }
    throw new Error("expected a rejection");
}

describe("servient.sqliteDb: insertData and executeQuery", function () {
    let dir: string;
    let db: Database;
    let api: SqliteDb;

    beforeEach(async function () {
        dir = tempDir();
        db = await Database.open(path.join(dir, "vo.sqlite"));
        await migrate(db);
        api = new SqliteDb(db);
    });
    afterEach(async function () {
        await db.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("inserts into the original tables and reads back with bound parameters", async function () {
        const r = await api.insertData("device_status", { status: 1 });
        expect(r.changes).to.equal(1);
        await api.insertData("info", { device_ip: "2001:db8::1" });
        const rows = await api.executeQuery<{ id: number; status: number; timestamp: string }>(
            "SELECT id, status, timestamp FROM device_status WHERE id = ?",
            [r.lastID]
        );
        expect(rows[0].status).to.equal(1);
        expect(rows[0].timestamp).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
        expect(await api.executeQuery("SELECT device_ip FROM info")).to.deep.equal([{ device_ip: "2001:db8::1" }]);
    });

    it("refuses an unknown table or column with an error naming it, and writes nothing", async function () {
        const e1 = await rejection(api.insertData("no_such_table", { ip: "x" }));
        expect(e1).to.be.instanceOf(InvalidInsertError);
        expect(e1.message).to.include('unknown table "no_such_table"');
        const e2 = await rejection(api.insertData("observer", { ip: "x", prot: 5683 }));
        expect(e2.message).to.include('unknown column(s) "prot"').and.include('"ip"');
        expect(await api.executeQuery("SELECT COUNT(*) AS n FROM observer")).to.deep.equal([{ n: 0 }]);
    });

    it("treats injection attempts in table and column names as unknown names; the database stays intact", async function () {
        await api.insertData("observer", { ip: "10.0.0.1" });
        const attempts: [string, Record<string, string>][] = [
            ["observer; DROP TABLE observer; --", { ip: "x" }],
            ['observer" (ip) VALUES (1); DROP TABLE info; --', { ip: "x" }],
            ["observer", { 'ip") VALUES (1); DROP TABLE info; --': "x" }],
            ["sqlite_schema", { name: "x" }],
        ];
        for (const [table, data] of attempts) {
            const err = await rejection(api.insertData(table, data));
            expect(err, `${table} ${Object.keys(data)}`).to.be.instanceOf(InvalidInsertError);
        }
        const tables = await api.executeQuery<{ name: string }>(
            "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
        );
        expect(tables.map((t) => t.name)).to.include.members(["observer", "info", "vo_status", "redirect_ip"]);
        expect(await api.executeQuery("SELECT ip FROM observer")).to.deep.equal([{ ip: "10.0.0.1" }]);
    });

    it("binds hostile values as data, never as SQL", async function () {
        const value = "'); DROP TABLE observer; --";
        await api.insertData("observer", { ip: value });
        expect(await api.executeQuery("SELECT ip FROM observer WHERE ip = ?", [value])).to.deep.equal([{ ip: value }]);
    });

    it("round-trips table and column names with spaces, commas, quotes, newlines and non-ASCII", async function () {
        const table = 'my "odd", table\nnamed ü';
        const col = "value, with 'quotes' \"both\"\n and ✓";
        const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
        await api.executeQuery(`CREATE TABLE ${quote(table)} (id INTEGER PRIMARY KEY, ${quote(col)} TEXT)`);
        await api.insertData(table, { [col]: "ok ✓" });
        const rows = await api.executeQuery<Record<string, string>>(`SELECT ${quote(col)} FROM ${quote(table)}`);
        expect(rows).to.deep.equal([{ [col]: "ok ✓" }]);
    });

    it("stores booleans as 0/1, Dates as ISO text, objects as JSON", async function () {
        await api.executeQuery("CREATE TABLE notes (id INTEGER PRIMARY KEY, flag INTEGER, at TEXT, doc TEXT)");
        const at = new Date("2026-01-02T03:04:05.678Z");
        await api.insertData("notes", { flag: true, at, doc: { a: [1, "two"] } });
        expect(await api.executeQuery("SELECT flag, at, doc FROM notes")).to.deep.equal([
            { flag: 1, at: "2026-01-02T03:04:05.678Z", doc: '{"a":[1,"two"]}' },
        ]);
    });

    it("rejects malformed arguments and bad SQL with clear errors", async function () {
        expect((await rejection(api.insertData("", { ip: "x" }))).message).to.match(/non-empty string/);
        expect((await rejection(api.insertData("observer", {}))).message).to.match(/no columns/);
        expect((await rejection(api.insertData("observer", null as never))).message).to.match(/must be an object/);
        expect((await rejection(api.executeQuery("  "))).message).to.match(/non-empty/);
        expect((await rejection(api.executeQuery("SELEC nothing"))).message).to.match(/syntax error/);
    });

    it("run() reports the row id and change count of a write", async function () {
        await api.insertData("redirect_ip", { ip: "a" });
        await api.insertData("redirect_ip", { ip: "b" });
        const r = await api.run("UPDATE redirect_ip SET ip = upper(ip)");
        expect(r.changes).to.equal(2);
    });

    describe("vo-wot's forms: positional rows, createTableIfNotExists, fetchAllRows", function () {
        it("takes vo-wot's insert_data idiom on vo_status: a positional row, INSERT OR REPLACE by id", async function () {
            await api.insertData("vo_status", [1, "2026-12-07 10:00:00", 1]);
            await api.insertData("vo_status", [1, "2026-12-07 10:00:05", 0]); // vo-wot runs it again each check
            await api.insertData("vo_status", [2, "2026-12-07 10:00:10", 1]);
            const rows = await api.executeQuery("SELECT id, timestamp, status FROM vo_status ORDER BY id");
            expect(rows).to.deep.equal([
                { id: 1, timestamp: "2026-12-07 10:00:05", status: 0 },
                { id: 2, timestamp: "2026-12-07 10:00:10", status: 1 },
            ]);
        });

        it("refuses a positional row longer than the table's columns, or empty, naming the columns", async function () {
            const long = await rejection(api.insertData("info", [1, "a", "b", "c", "d"]));
            expect(long).to.be.instanceOf(InvalidInsertError);
            expect(long.message).to.include(
                'a positional row needs 1 to 4 values ("id", "device_ip", "source", "updated_at"), not 5'
            );
            expect((await rejection(api.insertData("info", []))).message).to.include("not 0");
            expect(await api.executeQuery("SELECT * FROM info")).to.deep.equal([]);
        });

        it("creates a table once from column -> type and fetches all its rows in id order", async function () {
            const columns = { id: "INTEGER PRIMARY KEY", reading: "real", note: "TEXT" };
            await api.createTableIfNotExists("readings", columns);
            await api.createTableIfNotExists("readings", columns); // again: nothing happens
            await api.insertData("readings", [2, 21.5, "b"]);
            await api.insertData("readings", { id: 1, reading: 20.25, note: "a" });
            expect(await api.fetchAllRows("readings")).to.deep.equal([
                { id: 1, reading: 20.25, note: "a" },
                { id: 2, reading: 21.5, note: "b" },
            ]);
        });

        it("refuses a bad table name, column name or type, and an unknown table, naming it", async function () {
            const bad = async (p: Promise<unknown>, text: string) => {
                const err = await rejection(p);
                expect(err).to.be.instanceOf(InvalidInsertError);
                expect(err.message).to.include(text);
            };
            await bad(api.createTableIfNotExists("x; DROP TABLE info", { id: "INTEGER" }), "table name must be");
            await bad(api.createTableIfNotExists("sqlite_mine", { id: "INTEGER" }), "sqlite_");
            await bad(api.createTableIfNotExists("t", { "a b": "TEXT" }), 'invalid column name "a b"');
            await bad(
                api.createTableIfNotExists("t", { a: "TEXT); DROP TABLE info; --" }),
                "column a: type must be one of"
            );
            await bad(api.createTableIfNotExists("t", {}), "columns must be an object");
            await bad(api.fetchAllRows("no_such_table"), 'fetchAllRows: unknown table "no_such_table"');
            expect(await api.executeQuery("SELECT name FROM sqlite_schema WHERE name = 't'")).to.deep.equal([]);
        });
    });
});
