import path from "node:path";
import type { Servient } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import type { ConsumedVoOptions } from "../options/proxy-options";
import type { VoPersistence } from "../plugin";
import type { SqliteDbApi } from "../sqlite/sqlite-db-api";
import type { InfluxDbApi } from "../timeseries/influxdb/influxdb-api";
import type { RunConfig } from "./descriptor";
import { VoError } from "../model/errors";
import { voWotNameProblems } from "./vo-wot-script-names";

/** What a VO script's functions receive. */
export interface VoScriptContext {
    /** the Thing produced from `--td`, when given */
    thing?: WoT.ExposedThing;
    /** the mirror Thing of the proxied device, when the descriptor has `proxy` */
    mirror?: WoT.ExposedThing;
    /** the proxied device, consumed */
    device?: WoT.ConsumedThing;
    /** the descriptor's consumedVOs, consumed, by name; their interactions through this VO are recorded */
    consumedVOs: Record<string, WoT.ConsumedThing>;
    servient: Servient;
    wot: typeof WoT;
    vo: VoPersistence;
    sqliteDb: SqliteDbApi;
    influxdb: InfluxDbApi;
    config: RunConfig;
    /** the value `--td` Thing's property holds when the script gives it no read handler */
    getValue(property: string): unknown;
    /** sets such a held value; observers of an observable property are notified (in its write handler: for the write) */
    setValue(property: string, value: unknown): Promise<void>;
    log(message: string): void;
}

export interface VoScriptProperty {
    read?(ctx: VoScriptContext): unknown;
    /**
     * Resolving accepts the write (without a read handler the value is held, unless the handler calls
     * setValue for it) and notifies observers of an observable property; throwing refuses it.
     */
    write?(value: unknown, ctx: VoScriptContext): unknown;
}

/**
 * A VO script: a CommonJS (or, on Node >= 20.19, ES) module. Every export is optional:
 *
 *     module.exports = {
 *         async setup(ctx) { ... return () => { ... } },   // once, before serving; may return a teardown
 *         properties: { temperature: { read: (ctx) => 21.5, write: (value, ctx) => {} } },
 *         actions: { calibrate: async (input, ctx) => ({ applied: true }) },
 *         sample: async (ctx) => {},                        // named in periodicFunctions
 *         consumed: { vo1: { events: { smokeDetected: (data, ctx) => {} },   // consumedVOs' deliveries
 *                            propertyChanges: { temperature: (value, ctx) => {} } } },
 *         propertyChanges: { threshold: (value, ctx) => {} },  // the own Thing's accepted writes and setValue
 *         events: { overheat: (data, ctx) => {} },              // the own Thing's events, once emitted
 *     };
 */
/** What a consumed VO delivers to the script: its subscribed events and observed property changes, by name. */
export interface VoScriptConsumed {
    events?: Record<string, (data: unknown, ctx: VoScriptContext) => unknown>;
    propertyChanges?: Record<string, (value: unknown, ctx: VoScriptContext) => unknown>;
}

export interface VoScript {
    setup?(ctx: VoScriptContext): unknown;
    properties?: Record<string, VoScriptProperty>;
    actions?: Record<string, (input: unknown, ctx: VoScriptContext) => unknown>;
    /** by consumed VO name (the descriptor's consumedVOs) */
    consumed?: Record<string, VoScriptConsumed>;
    /** called after each accepted change of the own Thing's property (a write, over any protocol, or setValue) */
    propertyChanges?: Record<string, (value: unknown, ctx: VoScriptContext) => unknown>;
    /** called after each emission of the own Thing's event */
    events?: Record<string, (data: unknown, ctx: VoScriptContext) => unknown>;
    [periodic: string]: unknown;
}

/** How a run without a script is named in problems. */
export const NO_SCRIPT = "(no script)";

/** A script that cannot be loaded or does not fit its TD and descriptor; names the export at fault. */
export class VoScriptError extends VoError {
    readonly kind = "invalid-input";

    constructor(
        readonly source: string,
        readonly problems: string[]
    ) {
        super(`invalid VO script ${source}:\n${problems.map((p) => `  ${source}: ${p}`).join("\n")}`);
    }
}

/** Loads a script module; its top-level code runs here. */
export function loadVoScript(file: string): VoScript {
    const resolved = path.resolve(file);
    let mod: unknown;
    try {
        // a script is loaded by path at run time, which an import statement cannot express
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        mod = require(resolved);
    } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const why = e.code === "MODULE_NOT_FOUND" && e.message.includes(resolved) ? "no such file" : e.message;
        throw new VoScriptError(file, [`cannot load: ${why}`]);
    }
    const script = (mod as { default?: unknown } | null)?.default ?? mod;
    if (script === null || typeof script !== "object") {
        throw new VoScriptError(file, ["must export an object (module.exports = { setup, properties, actions, ... })"]);
    }
    return script as VoScript;
}

const names = (o: object | undefined): string => {
    const keys = Object.keys(o ?? {});
    return keys.length === 0 ? "none" : keys.join(", ");
};

/**
 * Checks the script's exports against the TD it serves and the descriptor's periodic functions,
 * every problem at once, before anything is exposed.
 */
export function checkVoScript(
    script: VoScript,
    source: string,
    td: WoT.ExposedThingInit | undefined,
    periodic: Record<string, number>,
    consumedVOs: Record<string, ConsumedVoOptions> = {}
): void {
    const problems: string[] = [];
    if (script.setup !== undefined && typeof script.setup !== "function") problems.push("setup: must be a function");
    /** The entries of a handler map, or none when it cannot be checked against the TD (the reason noted). */
    const handlerEntries = (kind: "properties" | "actions", map: unknown, shape: string): [string, unknown][] => {
        if (map === undefined) return [];
        if (typeof map !== "object" || map === null) {
            problems.push(`${kind}: must be an object of ${shape}`);
            return [];
        }
        if (td === undefined) {
            problems.push(`${kind}: handlers need a Thing of the VO's own (--td); a proxied device's mirror forwards`);
            return [];
        }
        return Object.entries(map);
    };

    for (const [name, p] of handlerEntries("properties", script.properties, "{ read, write } by property name")) {
        const affordance = td!.properties?.[name];
        if (affordance === undefined) {
            problems.push(`properties.${name}: the TD has no such property (it has: ${names(td!.properties)})`);
            continue;
        }
        if (p === null || typeof p !== "object") {
            problems.push(`properties.${name}: must be an object with read and/or write functions`);
            continue;
        }
        for (const key of Object.keys(p)) {
            if (key !== "read" && key !== "write") problems.push(`properties.${name}.${key}: unknown key`);
            else if (typeof (p as Record<string, unknown>)[key] !== "function") {
                problems.push(`properties.${name}.${key}: must be a function`);
            }
        }
        if ((p as VoScriptProperty).write !== undefined && affordance.readOnly === true) {
            problems.push(`properties.${name}.write: the property is readOnly in the TD`);
        }
    }
    for (const [name, fn] of handlerEntries("actions", script.actions, "functions by action name")) {
        if (td!.actions?.[name] === undefined) {
            problems.push(`actions.${name}: the TD has no such action (it has: ${names(td!.actions)})`);
        } else if (typeof fn !== "function") {
            problems.push(`actions.${name}: must be a function`);
        }
    }
    for (const name of Object.keys(periodic)) {
        if (source === NO_SCRIPT) {
            problems.push(`${name}: periodicFunctions names it, but no script was given`);
        } else if (typeof script[name] !== "function") {
            problems.push(`${name}: periodicFunctions names it, but the script exports no function ${name}`);
        }
    }
    checkReactions(script, td, problems);
    checkConsumed(script, td, consumedVOs, problems);
    problems.push(...voWotNameProblems(Object.keys(script), td, consumedVOs, periodic));
    if (problems.length > 0) throw new VoScriptError(source, problems);
}

/** The `propertyChanges` and `events` exports: functions by the name of a property or event of the TD. */
function checkReactions(script: VoScript, td: WoT.ExposedThingInit | undefined, problems: string[]): void {
    for (const [kind, affordances, one] of [
        ["propertyChanges", "properties", "property"],
        ["events", "events", "event"],
    ] as const) {
        const map: unknown = script[kind];
        if (map === undefined) continue;
        if (map === null || typeof map !== "object" || Array.isArray(map)) {
            problems.push(`${kind}: must be an object of functions by ${one} name`);
            continue;
        }
        for (const [name, fn] of Object.entries(map)) {
            if (td === undefined) problems.push(`${kind}.${name}: needs a Thing of the VO's own (--td)`);
            else if (td[affordances]?.[name] === undefined) {
                problems.push(`${kind}.${name}: the TD has no such ${one} (it has: ${names(td[affordances])})`);
            } else if (typeof fn !== "function") problems.push(`${kind}.${name}: must be a function`);
        }
    }
}

/** The `consumed` export against the descriptor's consumedVOs, and what those serve against the TD. */
function checkConsumed(
    script: VoScript,
    td: WoT.ExposedThingInit | undefined,
    consumedVOs: Record<string, ConsumedVoOptions>,
    problems: string[]
): void {
    const consumed = script.consumed;
    if (consumed !== undefined && (consumed === null || typeof consumed !== "object")) {
        problems.push("consumed: must be an object of { events, propertyChanges } by consumed VO name");
    } else {
        for (const [vo, handlers] of Object.entries(consumed ?? {})) {
            const listed = consumedVOs[vo];
            if (listed === undefined) {
                problems.push(
                    `consumed.${vo}: the descriptor's consumedVOs has no ${vo} (it has: ${names(consumedVOs)})`
                );
                continue;
            }
            for (const kind of ["events", "propertyChanges"] as const) {
                for (const [name, fn] of Object.entries(handlers?.[kind] ?? {})) {
                    if (!(listed[kind] ?? []).includes(name)) {
                        problems.push(`consumed.${vo}.${kind}.${name}: consumedVOs.${vo}.${kind} does not list it`);
                    } else if (typeof fn !== "function") {
                        problems.push(`consumed.${vo}.${kind}.${name}: must be a function`);
                    }
                }
            }
        }
    }
    const MAPS = { properties: "properties", actions: "actions", events: "events" } as const;
    for (const [vo, c] of Object.entries(consumedVOs)) {
        for (const kind of Object.keys(MAPS) as (keyof typeof MAPS)[]) {
            for (const name of c.serves?.[kind] ?? []) {
                const at = `consumedVOs.${vo}.serves.${kind}.${name}`;
                if (td === undefined) problems.push(`${at}: needs the VO's own Thing (--td) to serve it`);
                else if (td[kind]?.[name] === undefined)
                    problems.push(`${at}: the TD has no such ${kind.slice(0, -1)}`);
                else if (
                    kind !== "events" &&
                    (script[kind] as Record<string, unknown> | undefined)?.[name] !== undefined
                ) {
                    problems.push(`${kind}.${name}: served by consumed VO ${vo}, the script cannot handle it too`);
                }
            }
        }
    }
}
