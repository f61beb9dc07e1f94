import type * as WoT from "wot-typescript-definitions";
import type { VoScript, VoScriptContext } from "./vo-script";

/**
 * Calls the script's `propertyChanges.<name>(value, ctx)` for an accepted change of its own Thing's property (vo-wot's
 * `<property>_on_next`). Not awaited: a slow handler does not hold the writer's answer, and one that fails neither
 * refuses the change, already accepted, nor stops the next; its failure is logged.
 */
export function propertyChanged(
    script: VoScript,
    name: string,
    value: unknown,
    ctx: VoScriptContext | undefined,
    log: (line: string) => void
): void {
    const handler = script.propertyChanges?.[name];
    if (handler === undefined || ctx === undefined) return;
    react(() => handler(value, ctx), `propertyChanges.${name}`, log);
}

/**
 * Has each emission of an event of the VO's own Thing (by the script's `ctx.thing.emitEvent`, or relayed from a
 * consumed VO) call the script's `events.<name>(data, ctx)` once it is emitted (vo-wot's `<event>_on_next`). The
 * Thing's own `emitEvent` is wrapped on the instance, after the recorder's: node-wot has no way to listen to the
 * events of an ExposedThing but a protocol subscription, which would be recorded and counted as an observer.
 */
export function reactToOwnEvents(
    thing: WoT.ExposedThing,
    script: VoScript,
    ctx: VoScriptContext,
    log: (line: string) => void
): void {
    const handlers = script.events ?? {};
    if (Object.keys(handlers).length === 0) return;
    const emit = thing.emitEvent.bind(thing);
    thing.emitEvent = (name: string, data: WoT.InteractionInput) => {
        emit(name, data);
        const handler = handlers[name];
        if (handler !== undefined) react(() => handler(data, ctx), `events.${name}`, log);
    };
}

function react(call: () => unknown, what: string, log: (line: string) => void): void {
    const failed = (err: unknown) => log(`${what} failed: ${(err as Error)?.message ?? String(err)}`);
    try {
        const result = call();
        if (result instanceof Promise) result.catch(failed);
    } catch (err) {
        failed(err);
    }
}
