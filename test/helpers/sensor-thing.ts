import type * as WoT from "wot-typescript-definitions";
import { sensorModel } from "./vo-fixture";

export interface SensorState {
    temperature: number;
    humidity: number;
    samplingInterval: number;
    enabled: boolean;
    label: string;
    location: { room: string; floor: number; tags: string[] };
    offset: number;
    resets: number;
}

/** Produces and exposes the environment sensor with in-memory handlers; `setHandlersAfterExpose` covers both orders. */
export async function exposeSensor(
    wot: typeof WoT,
    opts: { id?: string; setHandlersAfterExpose?: boolean } = {}
): Promise<{ thing: WoT.ExposedThing; state: SensorState; td: WoT.ThingDescription }> {
    const model = sensorModel();
    if (opts.id !== undefined) model.id = opts.id;
    const thing = await wot.produce(model);
    const state: SensorState = {
        temperature: 21.5,
        humidity: 40,
        samplingInterval: 10,
        enabled: true,
        label: "lab",
        location: { room: "A-1", floor: 2, tags: ["north"] },
        offset: 0,
        resets: 0,
    };
    const setHandlers = (): void => {
        thing.setPropertyReadHandler("temperature", async () => state.temperature + state.offset);
        thing.setPropertyReadHandler("humidity", async () => state.humidity);
        for (const name of ["samplingInterval", "enabled", "label", "location"] as const) {
            thing.setPropertyReadHandler(name, async () => state[name]);
            thing.setPropertyWriteHandler(name, async (io) => {
                (state as unknown as Record<string, unknown>)[name] = await io.value();
            });
        }
        thing.setActionHandler("calibrate", async (params) => {
            const input = (await params.value()) as { offset: number };
            if (input.offset > 100) throw new Error("offset out of range");
            state.offset = input.offset;
            return { offset: state.offset, applied: true };
        });
        thing.setActionHandler("reset", async () => {
            state.resets++;
            return undefined;
        });
    };
    if (!opts.setHandlersAfterExpose) setHandlers();
    await thing.expose();
    if (opts.setHandlersAfterExpose) setHandlers();
    return { thing, state, td: thing.getThingDescription() };
}
