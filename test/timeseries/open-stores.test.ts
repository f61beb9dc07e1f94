import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Database } from "../../src/sqlite/database";
import { MIGRATIONS } from "../../src/sqlite/migrations";
import { openStores } from "../../src/timeseries/open-stores";
import { tempDir } from "../helpers/vo-fixture";

const NEWEST = MIGRATIONS[MIGRATIONS.length - 1].version;

async function userVersion(file: string): Promise<number> {
    const db = await Database.open(file);
    try {
        return (await db.get<{ user_version: number }>("PRAGMA user_version"))!.user_version;
    } finally {
        await db.close();
    }
}

describe("openStores: the SQLite file and the time-series store of a VO", function () {
    let dir: string;
    beforeEach(() => (dir = tempDir("node-wot-vo-stores-")));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("to record: creates and migrates the file, the embedded store over it", async function () {
        const file = path.join(dir, "data", "vo.sqlite");
        const stores = await openStores({ sqlitePath: file }, "record");
        expect(stores.store.name).to.equal("sqlite");
        expect(stores.where).to.equal(`sqlite:${file}`);
        expect(stores.db.file).to.equal(file);
        await stores.close();
        expect(await userVersion(file)).to.equal(NEWEST);
    });

    it("to read: refuses a missing file, and one older or newer than this code, without migrating it", async function () {
        const file = path.join(dir, "vo.sqlite");
        const refusal = () =>
            openStores({ sqlitePath: file }, "read").then(
                () => expect.fail("opened"),
                (err: Error) => err.message
            );
        expect(await refusal()).to.match(/^no database at .*vo\.sqlite .*has the VO run\?$/);
        for (const [version, why] of [
            [1, `older than ${NEWEST}: start the VO once to migrate it`],
            [NEWEST + 1, "newer than this node-wot-vo knows"],
        ] as const) {
            const db = await Database.open(file);
            await db.exec(`PRAGMA user_version = ${version}`);
            await db.close();
            expect(await refusal()).to.include(`has schema version ${version}, ${why}`);
            expect(await userVersion(file)).to.equal(version);
        }
    });

    it("to read: the embedded store of a file a VO recorded to", async function () {
        const file = path.join(dir, "vo.sqlite");
        await (await openStores({ sqlitePath: file }, "record")).close();
        const stores = await openStores({ sqlitePath: file }, "read");
        try {
            expect(stores.store.name).to.equal("sqlite");
            expect(stores.db?.file).to.equal(file);
        } finally {
            await stores.close();
        }
    });
});
