import type * as WoT from "wot-typescript-definitions";
import type { ConsumedVoOptions } from "../options/proxy-options";

/**
 * A script written for vo-wot names its handlers by convention (`<property>_read_handler`, `<action>_handler`,
 * `<event>_<vo>_on_next`, ...): node-wot-vo would load it, serve empty answers and 500s, and never call them.
 * Each such export is a problem naming what it is in node-wot-vo's script.
 */
export function voWotNameProblems(
    exports: readonly string[],
    td: WoT.ExposedThingInit | undefined,
    consumedVOs: Record<string, ConsumedVoOptions>,
    periodic: Record<string, number>
): string[] {
    const properties = Object.keys(td?.properties ?? {});
    const actions = Object.keys(td?.actions ?? {});
    const events = Object.keys(td?.events ?? {});
    const problems: string[] = [];
    for (const name of exports) {
        if (Object.hasOwn(periodic, name)) continue; // named by the descriptor: a periodic function
        const instead = insteadOf(name, properties, actions, events, consumedVOs);
        if (instead !== undefined) problems.push(`${name}: a vo-wot handler name, never called here; ${instead}`);
    }
    return problems;
}

/** What a vo-wot-named export is in node-wot-vo's script, or undefined when the name is not one. */
function insteadOf(
    name: string,
    properties: string[],
    actions: string[],
    events: string[],
    consumedVOs: Record<string, ConsumedVoOptions>
): string | undefined {
    const of = (suffix: string, names: string[]) =>
        name.endsWith(suffix) && names.includes(name.slice(0, -suffix.length))
            ? name.slice(0, -suffix.length)
            : undefined;
    let p: string | undefined;
    if ((p = of("_read_handler", properties)) !== undefined) return `export properties: { ${p}: { read(ctx) {...} } }`;
    if ((p = of("_write_handler", properties)) !== undefined)
        return `export properties: { ${p}: { write(value, ctx) {...} } }`;
    if ((p = of("_init", properties)) !== undefined)
        return `give the initial value in setup: async setup(ctx) { await ctx.setValue("${p}", value) }`;
    if ((p = of("_handler", actions)) !== undefined) return `export actions: { ${p}: async (input, ctx) => {...} }`;
    for (const [vo, c] of Object.entries(consumedVOs)) {
        for (const [kind, listed] of [
            ["events", c.events ?? []],
            ["propertyChanges", c.propertyChanges ?? []],
        ] as const) {
            for (const suffix of ["_on_next", "_on_completed", "_on_error"]) {
                const target = of(`_${vo}${suffix}`, listed);
                if (target === undefined) continue;
                return suffix === "_on_next"
                    ? `export consumed: { ${vo}: { ${kind}: { ${target}: (value, ctx) => {...} } } }`
                    : `node-wot-vo logs the end and the errors of consumedVOs.${vo}'s ${kind} (no handler)`;
            }
        }
    }
    for (const suffix of ["_on_next", "_on_completed", "_on_error"]) {
        const own = of(suffix, [...properties, ...events]);
        if (own === undefined) continue;
        const kind = events.includes(own) ? "events" : "propertyChanges";
        return suffix === "_on_next"
            ? `export ${kind}: { ${own}: (${kind === "events" ? "data" : "value"}, ctx) => {...} }`
            : `the VO's own ${kind === "events" ? "events" : "property changes"} neither end nor fail; a failing handler is logged (no handler)`;
    }
    return undefined;
}
