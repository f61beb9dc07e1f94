import type { ExposedThing } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import type { RecordBuilder } from "./record-builder";
import type { RecorderOptions } from "./recorder-options";

/** The options node-wot's protocol servers pass to ExposedThing's handle* methods. */
export type HandlerOptions = WoT.InteractionOptions & { formIndex: number };

/** What the wrappers of one Thing share. */
export interface WrappedThing {
    thing: ExposedThing;
    records: RecordBuilder;
    options: RecorderOptions;
}

/** Makes the replacement of one ExposedThing method from its original (bound to the Thing). */
export type MethodWrapper<K extends keyof ExposedThing> = (
    original: ExposedThing[K],
    wrapped: WrappedThing
) => ExposedThing[K];
