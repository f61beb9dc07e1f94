import type { ExposedThing } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import { captureValue } from "./handler-scope";

// The values produced by the script's handlers: the handle* methods get them back serialized
// (Content), so the handlers a script sets keep the value itself for the record.

export function capturingReadHandlers(original: ExposedThing["setPropertyReadHandler"]) {
    return (name: string, handler: WoT.PropertyReadHandler): WoT.ExposedThing =>
        original(name, async (opts?: WoT.InteractionOptions) => {
            const value = await handler(opts);
            captureValue(value);
            return value;
        });
}

export function capturingActionHandlers(original: ExposedThing["setActionHandler"]) {
    return (name: string, handler: WoT.ActionHandler): WoT.ExposedThing =>
        original(name, async (params: WoT.InteractionOutput, opts?: WoT.InteractionOptions) => {
            const value = await handler(params, opts);
            captureValue(value);
            return value;
        });
}
