/**
 * A simulated constrained device: the environment sensor of thing-descriptions/ on a CoAP-only
 * node-wot servient, with no recording of its own. The temperature drifts every second (observers
 * are notified) and an overheat event fires above 26 °C.
 *
 *     node dist/examples/sensor-device.js
 *
 * Environment: SENSOR_ADDRESS (127.0.0.1), SENSOR_PORT (5684).
 */
import fs from "node:fs";
import path from "node:path";
import { Servient } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import { setStaticAddress, VoCoapServer } from "../src";

const address = process.env.SENSOR_ADDRESS ?? "127.0.0.1";
const port = Number(process.env.SENSOR_PORT ?? 5684);
const TD = path.join(__dirname, "..", "..", "thing-descriptions", "environment-sensor.td.json");

async function main(): Promise<void> {
    setStaticAddress(address); // the TD names this address only
    const servient = new Servient();
    // binding-coap 0.8.16 is typed against its own copy of @node-wot/core
    servient.addServer(new VoCoapServer({ port, address }) as never);
    const wot = await servient.start();
    const model = JSON.parse(fs.readFileSync(TD, "utf8")) as WoT.ExposedThingInit;
    const thing = await wot.produce(model);
    const state = {
        temperature: 22,
        humidity: 45,
        samplingInterval: 1,
        enabled: true,
        label: "simulated sensor",
        location: { room: "A-1", floor: 1, tags: ["simulated"] },
        offset: 0,
    };
    const round = (x: number) => Math.round(x * 100) / 100;
    thing.setPropertyReadHandler("temperature", async () => round(state.temperature + state.offset));
    thing.setPropertyReadHandler("humidity", async () => round(state.humidity));
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
        } catch {
            // no observer is not an error
        }
        if (state.temperature + state.offset > 26) {
            thing.emitEvent("overheat", { temperature: round(state.temperature + state.offset) });
        }
    }, 1000);

    console.log(
        `simulated ${model.title} at coap://${address}:${port}/${model.title!.toLowerCase()} (pid ${process.pid})`
    );
    const stop = async (): Promise<void> => {
        clearInterval(tick);
        await servient.shutdown();
        process.exit(0);
    };
    process.once("SIGINT", () => void stop());
    process.once("SIGTERM", () => void stop());
}

main().catch((err: Error) => {
    console.error(`sensor device failed: ${err.message}`);
    process.exit(1);
});
