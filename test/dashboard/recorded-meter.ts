import fs from "node:fs";
import path from "node:path";
import type * as WoT from "wot-typescript-definitions";
import type { InteractionRecord } from "../../src";
import { Database } from "../../src/sqlite/database";
import { migrate } from "../../src/sqlite/migrations";
import { SqliteTimeSeriesStore } from "../../src/timeseries/sqlite/sqlite-time-series-store";
import { WriteBuffer } from "../../src/timeseries/write-buffer";
import { startVo, tempDir, VoFixture } from "../helpers/vo-fixture";

export const MINUTE = 60_000;
export const THING = "urn:test:recorded-meter";

/**
 * A Thing whose history was recorded before the VO started (written into its SQLite file through the
 * store's write path), ending a minute before `endMs`:
 *   - level (number, degree Celsius, 0-100): every 10 s over the hour, except 40 minutes with nothing
 *     recorded (45 to 5 minutes back); a read that failed (500, timeout) and a write refused while the
 *     device was lost (503);
 *   - mode (string): read every 10 s on the same pattern, "auto" and "manual" a minute each; one failed read;
 *   - power (boolean): on and off, switched every 5 minutes; info (object): one value;
 *   - day (number): one point a minute over 24 h, 30 minutes missing, one spike;
 *   - alarm (event): 3 emissions and a subscription (subscribe, unsubscribe); reset (action): 2 invocations;
 * and a second Thing, Boiler, of 50 numeric properties with nothing recorded.
 */
export async function recordedMeter(endMs: number): Promise<{ fx: VoFixture; dir: string }> {
    const dir = tempDir();
    const file = path.join(dir, "vo.sqlite");
    const db = await Database.open(file);
    await migrate(db);
    const store = new SqliteTimeSeriesStore(db);
    const buffer = new WriteBuffer(store, {
        batchSize: 5000,
        flushIntervalMs: 50,
        maxQueue: 100_000,
        maxRetryDelayMs: 500,
    });
    let seq = 0;
    const push = (ms: number, name: string, kind: InteractionRecord["kind"], rest: Partial<InteractionRecord>) =>
        buffer.push({
            ts: BigInt(Math.round(ms)) * 1_000_000n + BigInt(seq++ % 1000),
            thing: THING,
            kind,
            name,
            op: "readproperty",
            protocol: "http",
            origin: "127.0.0.1:40000",
            ok: true,
            valid: true,
            truncated: false,
            durationMs: 0.1,
            ...rest,
        });
    const last = endMs - MINUTE;
    for (let ms = last - 60 * MINUTE; ms <= last; ms += 10_000) {
        if (ms > last - 45 * MINUTE && ms < last - 5 * MINUTE) continue; // the hole
        const i = Math.round((ms - last) / 10_000);
        push(ms, "level", "property", { value: 40 + (i % 6) });
        push(ms, "mode", "property", { value: Math.floor(i / 6) % 2 === 0 ? "auto" : "manual" });
    }
    push(last - 3 * MINUTE + 5000, "level", "property", { ok: false, error: "timeout: the device did not answer" });
    push(last - 2 * MINUTE + 5000, "level", "property", {
        op: "writeproperty",
        ok: false,
        value: 55,
        error: "503: device lost",
    });
    push(last - 4 * MINUTE + 5000, "mode", "property", { ok: false, error: "timeout: the device did not answer" });
    for (let k = 0; k < 12; k++) push(last - 60 * MINUTE + k * 5 * MINUTE, "power", "property", { value: k % 2 === 0 });
    push(last - 30 * MINUTE, "info", "property", { value: { firmware: "1.2.0", serial: "A-17", slots: 4 } });
    for (let m = 0; m < 24 * 60; m++) {
        if (m >= 600 && m < 630) continue; // half an hour missing
        push(last - (24 * 60 - m) * MINUTE, "day", "property", { value: m === 300 ? 95 : 20 + (m % 7) / 10 });
    }
    for (let k = 0; k < 3; k++)
        push(last - (10 + k) * MINUTE, "alarm", "event", { op: "emitevent", value: { level: 90 + k } });
    push(last - 20 * MINUTE, "alarm", "event", { op: "subscribeevent" });
    push(last - 19 * MINUTE, "alarm", "event", { op: "unsubscribeevent" });
    for (let k = 0; k < 2; k++)
        push(last - (8 + k) * MINUTE, "reset", "action", { op: "invokeaction", value: k, output: k });
    await buffer.close();
    await store.close();
    await db.close();

    const fx = await startVo({ sqlite: { path: file } });
    const thing = await fx.wot.produce({
        id: THING,
        title: "Meter",
        properties: {
            level: { type: "number", unit: "degree Celsius", minimum: 0, maximum: 100 },
            mode: { type: "string" },
            power: { type: "boolean" },
            info: { type: "object" },
            day: { type: "number" },
        },
        actions: { reset: { input: { type: "integer" }, output: { type: "integer" } } },
        events: { alarm: { data: { type: "object" } } },
    } as WoT.ExposedThingInit);
    thing.setPropertyReadHandler("level", async () => 42);
    thing.setActionHandler("reset", async (input) => (await input.value()) as number);
    await thing.expose();
    // a Thing of 50 properties (nothing recorded): what a long page looks like
    const many = Object.fromEntries(
        Array.from({ length: 50 }, (_, i) => [`sensor${String(i).padStart(2, "0")}`, { type: "number" }])
    );
    const other = await fx.wot.produce({ title: "Boiler", properties: many } as WoT.ExposedThingInit);
    await other.expose();
    return { fx, dir };
}

/** The dashboard's address for the meter over the recorded hour (`last`: the newest recorded minute). */
export function lastHourUrl(fx: VoFixture, last: number): string {
    const [from, to] = [new Date(last - 61 * MINUTE).toISOString(), new Date(last + 5000).toISOString()];
    return `http://127.0.0.1:${fx.httpPort}/dashboard/?from=${from}&to=${to}#meter`;
}

/** Stops the VO and removes its directory (each only when it was made). */
export async function closeMeter(fx: VoFixture | undefined, dir: string | undefined): Promise<void> {
    await fx?.close();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
}
