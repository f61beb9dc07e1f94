import fs from "node:fs";
import path from "node:path";
import { Database } from "../../src/sqlite/database";
import { migrate } from "../../src/sqlite/migrations";
import { SqliteTimeSeriesStore } from "../../src/timeseries/sqlite/sqlite-time-series-store";
import { tempDir } from "./vo-fixture";

export interface EmbeddedStore {
    dir: string;
    db: Database;
    store: SqliteTimeSeriesStore;
    close(): Promise<void>;
}

/** A migrated SQLite file in a directory of its own, with the embedded store on it. */
export async function openEmbeddedStore(): Promise<EmbeddedStore> {
    const dir = tempDir();
    const db = await Database.open(path.join(dir, "ts.sqlite"));
    await migrate(db);
    return {
        dir,
        db,
        store: new SqliteTimeSeriesStore(db),
        async close() {
            await db.close();
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
