import { AsyncLocalStorage } from "node:async_hooks";
import type * as WoT from "wot-typescript-definitions";
import type { VoScript, VoScriptContext } from "./vo-script";
import { propertyChanged } from "./script-reactions";

/** A write handler running for a property, and whether it set the property's value itself. */
interface Writing {
    name: string;
    set: boolean;
}

/**
 * The properties of the VO's own Thing as its script serves them. One the script gives no read
 * handler holds its value here: its TD `default` (or `const`) at first, then each accepted write
 * (a client's, over any protocol, once the script's write handler, if any, resolves) or `setValue`.
 * Every accepted change of an observable property notifies its observers once, whoever made it:
 * node-wot's ExposedThing notifies only on `emitPropertyChange`, never after a write handler.
 */
export class ScriptProperties {
    private readonly held = new Map<string, unknown>();
    private readonly writing = new AsyncLocalStorage<Writing>();
    private thing: WoT.ExposedThing | undefined;
    private ctx: VoScriptContext | undefined;

    constructor(
        private readonly init: WoT.ExposedThingInit | undefined,
        private readonly script: VoScript,
        private readonly log: (line: string) => void
    ) {}

    /** The value a property holds. */
    get(name: string): unknown {
        return this.held.get(name);
    }

    /**
     * Sets a held value and notifies observers of an observable property. Within the property's own
     * write handler, the value set is what the write holds, and the write notifies no second time.
     */
    async set(name: string, value: unknown): Promise<void> {
        if (this.init?.properties?.[name] === undefined) throw new Error(`the VO's Thing has no property ${name}`);
        if (this.script.properties?.[name]?.read !== undefined) {
            throw new Error(`property ${name} is read by the script's own handler; setValue has no effect`);
        }
        this.held.set(name, value);
        const writing = this.writing.getStore();
        if (writing?.name === name) writing.set = true;
        else propertyChanged(this.script, name, value, this.ctx, this.log); // within a write: told once, after it
        await this.notify(name);
    }

    /** Serves the Thing's properties: reads and writes by the script's handlers, or of the held value. */
    serve(thing: WoT.ExposedThing, ctx: VoScriptContext): void {
        this.thing = thing;
        this.ctx = ctx;
        for (const [name, affordance] of Object.entries(this.init?.properties ?? {})) {
            if (affordance === undefined) continue;
            const { read, write } = this.script.properties?.[name] ?? {};
            if (affordance.default !== undefined) this.held.set(name, affordance.default);
            else if (affordance.const !== undefined) this.held.set(name, affordance.const);
            thing.setPropertyReadHandler(name, async () =>
                read !== undefined
                    ? ((await read(ctx)) as WoT.InteractionInput)
                    : (this.held.get(name) as WoT.InteractionInput)
            );
            if (affordance.readOnly === true) continue;
            thing.setPropertyWriteHandler(name, async (io) => {
                const value = await io.value();
                const writing: Writing = { name, set: false };
                // a handler that throws refuses the write: nothing held, nobody notified
                if (write !== undefined) await this.writing.run(writing, () => write(value, ctx));
                // the script's propertyChanges handler gets what the property now holds
                propertyChanged(this.script, name, writing.set ? this.held.get(name) : value, ctx, this.log);
                if (writing.set) return; // the handler's setValue held its value and notified
                if (read === undefined) this.held.set(name, value);
                // the write is accepted whatever its notification meets (a script read handler failing)
                await this.notify(name).catch((err: Error) =>
                    this.log(`change of property ${name} not notified: ${err.message}`)
                );
            });
        }
    }

    /** Notifies the observers of an observable property (recorded once, as a propertychange). */
    private async notify(name: string): Promise<void> {
        if (this.init?.properties?.[name]?.observable !== true || this.thing === undefined) return;
        // typed void by wot-typescript-definitions; node-wot's returns a promise
        await (this.thing.emitPropertyChange(name) as unknown as Promise<void>);
    }
}
