/**
 * `npm start`: a VO exposing the environment sensor over HTTP and CoAP, recording everything
 * into the embedded SQLite store. The simulated temperature drifts every second, and an
 * overheat event fires above 26 °C, so there is history to look at.
 *
 * Environment: VO_ADDRESS (127.0.0.1), VO_HTTP_PORT (8080), VO_COAP_PORT (5683),
 * VO_SQLITE_PATH (data/vo.sqlite), VO_DEMO_EXIT_AFTER_MS (run forever when unset). With INFLUX_URL
 * (and INFLUX_TOKEN or INFLUX_TOKEN_FILE, INFLUX_ORG) set, the time series go to InfluxDB instead.
 */
import fs from "node:fs";
import path from "node:path";
import { Servient } from "@node-wot/core";
import { HttpServer } from "@node-wot/binding-http";
import type * as WoT from "wot-typescript-definitions";
import { setStaticAddress, VoPersistence, VoCoapServer } from "../src";

const address = process.env.VO_ADDRESS ?? "127.0.0.1";
const httpPort = Number(process.env.VO_HTTP_PORT ?? 8080);
const coapPort = Number(process.env.VO_COAP_PORT ?? 5683);
const tdPath = path.join(__dirname, "..", "..", "thing-descriptions", "environment-sensor.td.json");

async function main(): Promise<void> {
    setStaticAddress(address);
    const servient = new Servient();
    servient.addServer(new HttpServer({ port: httpPort, address }));
    // binding-coap 0.8.16 is typed against its own copy of @node-wot/core
    servient.addServer(new VoCoapServer({ port: coapPort, address }) as never);
    // embedded SQLite store at $VO_SQLITE_PATH or data/vo.sqlite, unless InfluxDB is configured by the environment
    const vo = await VoPersistence.attach(servient, process.env.INFLUX_URL ? { influxdb: {} } : {});
    const wot = await servient.start();

    const model = JSON.parse(fs.readFileSync(tdPath, "utf8")) as WoT.ExposedThingInit;
    const thing = await wot.produce(model);
    const state = {
        temperature: 22,
        humidity: 45,
        samplingInterval: 1,
        enabled: true,
        label: "demo room",
        location: { room: "A-1", floor: 1, tags: ["demo"] },
        offset: 0,
    };
    thing.setPropertyReadHandler("temperature", async () => Math.round((state.temperature + state.offset) * 100) / 100);
    thing.setPropertyReadHandler("humidity", async () => state.humidity);
    for (const name of ["samplingInterval", "enabled", "label", "location"] as const) {
        thing.setPropertyReadHandler(name, async () => state[name]);
        thing.setPropertyWriteHandler(name, async (io) => {
            Object.assign(state, { [name]: await io.value() });
        });
    }
    thing.setActionHandler("calibrate", async (params) => {
        const { offset } = (await params.value()) as { offset: number };
        state.offset = offset;
        return { offset, applied: true };
    });
    thing.setActionHandler("reset", async () => {
        Object.assign(state, { offset: 0, temperature: 22 });
        return undefined;
    });
    await thing.expose();

    let elapsed = 0;
    const tick = setInterval(async () => {
        elapsed += 1;
        if (!state.enabled || elapsed % state.samplingInterval !== 0) return;
        state.temperature += (Math.random() - 0.45) * 0.8;
        state.humidity = Math.min(100, Math.max(0, state.humidity + (Math.random() - 0.5) * 2));
        try {
            await thing.emitPropertyChange("temperature");
        } catch (err) {
            console.error(`temperature change not emitted: ${(err as Error).message}`);
        }
        if (state.temperature + state.offset > 26) thing.emitEvent("overheat", { temperature: state.temperature });
    }, 1000);

    const base = `${model.title!.toLowerCase()}`;
    console.log(`VO "${model.title}" (${model.id}) is running.`);
    console.log(`  Thing Description: http://${address}:${httpPort}/${base}`);
    console.log(`  VO status Thing:   http://${address}:${httpPort}/vostatus (self-check, observers, redirects)`);
    console.log(`  read over HTTP:    curl http://${address}:${httpPort}/${base}/properties/temperature`);
    console.log(
        `  write over HTTP:   curl -X PUT -H 'Content-Type: application/json' -d 5 http://${address}:${httpPort}/${base}/properties/samplingInterval`
    );
    console.log(
        `  invoke over HTTP:  curl -X POST -H 'Content-Type: application/json' -d '{"offset":0.5}' http://${address}:${httpPort}/${base}/actions/calibrate`
    );
    console.log(`  read over CoAP:    coap get coap://${address}:${coapPort}/${base}/properties/temperature`);
    if (vo.timeSeriesTarget.startsWith("sqlite:")) {
        console.log(`Recording every interaction to ${vo.timeSeriesTarget} (table ts_interaction).`);
        console.log(
            `  sqlite3 ${vo.timeSeriesTarget.replace(/^sqlite:/, "")} "SELECT datetime(ts/1e9,'unixepoch'), kind, name, op, protocol, value FROM ts_interaction ORDER BY ts DESC LIMIT 10"`
        );
    } else {
        console.log(`Recording every interaction to ${vo.timeSeriesTarget}.`);
        console.log(
            `  influx query 'from(bucket: "properties") |> range(start: -5m) |> filter(fn: (r) => r._field == "value_num")'`
        );
    }
    console.log("Ctrl-C flushes the records and stops.");

    let stopping = false;
    const stop = async (why: string): Promise<void> => {
        if (stopping) return;
        stopping = true;
        clearInterval(tick);
        await servient.shutdown(); // also flushes and closes the stores
        const s = vo.stats();
        console.log(
            `Stopped (${why}): ${s.recorded} interactions recorded, ${s.written} written, ${s.dropped} dropped.`
        );
    };
    process.once("SIGINT", () => void stop("SIGINT"));
    process.once("SIGTERM", () => void stop("SIGTERM"));
    const exitAfter = Number(process.env.VO_DEMO_EXIT_AFTER_MS ?? 0);
    if (exitAfter > 0) setTimeout(() => void stop("VO_DEMO_EXIT_AFTER_MS"), exitAfter);
}

main().catch((err: Error) => {
    console.error(`demo VO failed: ${err.message}`);
    process.exit(1);
});
