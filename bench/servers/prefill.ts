import { Database } from "../../src/sqlite/database";
import { migrate } from "../../src/sqlite/migrations";
import { SqliteTimeSeriesStore } from "../../src/timeseries/sqlite/sqlite-time-series-store";
import type { InteractionRecord } from "../../src";

/** `count` reads of 20 properties of another Thing, 40 days old (past the default retention), into the file. */
export async function prefillOld(file: string, count: number): Promise<void> {
    const db = await Database.open(file);
    await migrate(db);
    const store = new SqliteTimeSeriesStore(db);
    const t0 = BigInt(Date.now() - 40 * 86_400_000) * 1_000_000n;
    for (let i = 0; i < count; i += 1000) {
        const batch: InteractionRecord[] = [];
        for (let k = i; k < Math.min(count, i + 1000); k++) {
            batch.push({
                ts: t0 + BigInt(k) * 100_000_000n,
                thing: "urn:dev:bench:old",
                kind: "property",
                name: `p${k % 20}`,
                op: "readproperty",
                protocol: "http",
                origin: `192.168.1.17:${40000 + (k % 1000)}`,
                ok: true,
                value: (k % 1000) / 7,
                durationMs: 0.05,
                valid: true,
                truncated: false,
            });
        }
        await store.write(batch);
    }
    await store.rollUpAll();
    await store.close();
    await db.close();
}
