import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Database } from "../../src/sqlite/database";
import { migrate } from "../../src/sqlite/migrations";
import { resolveInfluxDbOptions } from "../../src/options/influxdb-options";
import { InfluxDbStore } from "../../src/timeseries/influxdb/influxdb-store";
import { Spool } from "../../src/timeseries/spool";
import { InfluxConnection, influxForTests, InfluxServer } from "../helpers/influxdb-server";
import { tempDir } from "../helpers/vo-fixture";
import { describeStoreContract } from "./store-contract";

let connection: InfluxConnection | undefined;
let server: InfluxServer | undefined;

/** A fresh store on its own buckets (random names), with its spool in a temporary SQLite file. */
async function openInfluxStore(ctx: Mocha.Context): Promise<{ store: InfluxDbStore; close(): Promise<void> }> {
    if (connection === undefined) ({ connection, server } = await influxForTests(ctx));
    const dir = tempDir();
    const db = await Database.open(path.join(dir, "spool.sqlite"));
    await migrate(db);
    const id = crypto.randomBytes(4).toString("hex");
    const options = resolveInfluxDbOptions({
        url: connection.url,
        org: connection.org,
        token: connection.token,
        buckets: { properties: `p-${id}`, actions: `a-${id}`, events: `e-${id}` },
    });
    const store = new InfluxDbStore(options, await Spool.open(db, options.maxSpoolBytes));
    await store.start();
    return {
        store,
        async close() {
            await store.close();
            await db.close();
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

describe("InfluxDB store (real influxd on 127.0.0.1)", function () {
    this.timeout(120_000);
    after(async () => {
        await server?.stop();
        connection = undefined;
    });
    describeStoreContract("InfluxDB", openInfluxStore);
});
