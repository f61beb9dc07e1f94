import type { VoServientDecorations } from "./plugin";

// Scripts reach the stores on the servient, typed: servient.sqliteDb, servient.influxdb, servient.vo.
// They are there once VoPersistence.attach(servient) has resolved.
declare module "@node-wot/core/dist/servient" {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    export default interface Servient extends VoServientDecorations {}
}
