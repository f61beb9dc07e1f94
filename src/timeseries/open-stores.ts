import fs from "node:fs";
import type { ResolvedInfluxDbOptions } from "../options/influxdb-options";
import type { SqliteSynchronous } from "../options/sqlite-options";
import { Database } from "../sqlite/database";
import { migrate, MIGRATIONS } from "../sqlite/migrations";
import { InfluxDbStore } from "./influxdb/influxdb-store";
import { Spool } from "./spool";
import { SqliteTimeSeriesStore } from "./sqlite/sqlite-time-series-store";
import type { TimeSeriesStore } from "./time-series-store";

/** What opening the stores needs of the resolved options. */
export interface StoreOptions {
    sqlitePath: string;
    sqliteSynchronous?: SqliteSynchronous;
    influxdb?: ResolvedInfluxDbOptions;
    /** "after-commit": InfluxDB writes resolve once they are in the durable spool */
    acknowledge?: "at-once" | "after-commit";
}

/**
 * A VO's stores, open: `db` its SQLite file (state tables, runs, the embedded series or InfluxDB's spool), `store`
 * where its interactions are. `close()` closes the time-series store, then the database.
 */
export interface OpenStores<Db extends Database | undefined = Database> {
    db: Db;
    store: TimeSeriesStore;
    /** for messages: "sqlite:<file>" or "influxdb:<url>" */
    where: string;
    close(): Promise<void>;
}

/**
 * Opens the stores the options name. `record`: what a running VO writes to; the SQLite file is created or migrated,
 * and a bad file fails here with nothing left open. `read`: what `node-wot-vo history` reads, never written to nor
 * migrated (a file older than this code is refused); with InfluxDB, `db` is the VO's SQLite file when it is on this
 * machine (its gaps), else undefined.
 */
export function openStores(options: StoreOptions, mode: "record"): Promise<OpenStores>;
export function openStores(options: StoreOptions, mode: "read"): Promise<OpenStores<Database | undefined>>;
export function openStores(options: StoreOptions, mode: "record" | "read"): Promise<OpenStores<Database | undefined>> {
    return mode === "record" ? openForRecording(options) : openForReading(options);
}

async function openForRecording(options: StoreOptions): Promise<OpenStores> {
    const db = await Database.open(options.sqlitePath, options.sqliteSynchronous);
    let store: TimeSeriesStore;
    try {
        await migrate(db);
        store = await recordingStore(options, db);
    } catch (err) {
        await db.close().catch(() => undefined);
        throw err;
    }
    return {
        db,
        store,
        where: options.influxdb === undefined ? `sqlite:${db.file}` : `influxdb:${options.influxdb.url}`,
        close: async () => {
            await store.close();
            await db.close();
        },
    };
}

async function recordingStore(options: StoreOptions, db: Database): Promise<TimeSeriesStore> {
    if (options.influxdb === undefined) return new SqliteTimeSeriesStore(db);
    const store = new InfluxDbStore(
        options.influxdb,
        await Spool.open(db, options.influxdb.maxSpoolBytes),
        options.acknowledge === "after-commit"
    );
    await store.start(); // a server that is down is not an error: records are spooled until it is back
    return store;
}

async function openForReading(options: StoreOptions): Promise<OpenStores<Database | undefined>> {
    if (options.influxdb !== undefined) {
        // the spool is for writes, which a reader never makes: an empty one in memory
        const scratch = await Database.open(":memory:");
        await migrate(scratch);
        const store = new InfluxDbStore(options.influxdb, await Spool.open(scratch, 0));
        const db = fs.existsSync(options.sqlitePath) ? await Database.open(options.sqlitePath) : undefined;
        return {
            db,
            store,
            where: `influxdb:${options.influxdb.url}`,
            close: async () => {
                await store.close();
                await db?.close();
                await scratch.close();
            },
        };
    }
    const file = options.sqlitePath;
    if (!fs.existsSync(file)) throw new Error(`no database at ${file} (the descriptor's SQLite path): has the VO run?`);
    const db = await Database.open(file);
    try {
        await checkSchemaVersion(db);
    } catch (err) {
        await db.close();
        throw err;
    }
    return { db, store: new SqliteTimeSeriesStore(db), where: `sqlite:${file}`, close: () => db.close() };
}

/** A reader never migrates a VO's file: the VO does that when it starts. */
async function checkSchemaVersion(db: Database): Promise<void> {
    const version = (await db.get<{ user_version: number }>("PRAGMA user_version"))?.user_version ?? 0;
    const newest = MIGRATIONS[MIGRATIONS.length - 1].version;
    if (version < newest) {
        throw new Error(
            `${db.file} has schema version ${version}, older than ${newest}: start the VO once to migrate it`
        );
    }
    if (version > newest)
        throw new Error(`${db.file} has schema version ${version}, newer than this node-wot-vo knows`);
}
