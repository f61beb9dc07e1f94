import type * as WoT from "wot-typescript-definitions";
import { clock } from "./clock";
import { conformsToSchema } from "../model/value-check";
import type { MethodWrapper } from "./method-wrapper";

/** A script's emitEvent: the event's data (none for a stream), checked against its schema. */
export const recordingEventEmits: MethodWrapper<"emitEvent"> =
    (emitEvent, { thing, records }) =>
    (name: string, data: WoT.InteractionInput): void => {
        const ts = clock.now();
        const value = isStream(data) ? undefined : data;
        try {
            emitEvent(name, data);
        } catch (err) {
            records.record(ts, "event", name, "emitevent", undefined, { ok: false, value, error: err });
            throw err;
        }
        records.record(ts, "event", name, "emitevent", undefined, {
            ok: true,
            value,
            valid: conformsToSchema(thing.events[name]?.data as object | undefined, value),
        });
    };

function isStream(data: unknown): boolean {
    return (
        data !== null &&
        typeof data === "object" &&
        (typeof (data as { getReader?: unknown }).getReader === "function" ||
            typeof (data as { pipe?: unknown }).pipe === "function")
    );
}
