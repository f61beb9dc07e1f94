import createDebug from "debug";

/** The namespaces of every warning this package logs. */
export const WARNINGS = "node-wot-vo:*:warn";

/**
 * One logger per file, named like node-wot's own: `node-wot-vo:<folder>:<file>`. The library turns
 * nothing on: as with node-wot's namespaces, the host decides what it logs (`DEBUG=node-wot-vo:*:warn`
 * for the warnings), and importing the package leaves `DEBUG` as it was.
 */
export function createLogger(namespace: string): { debug: createDebug.Debugger; warn: createDebug.Debugger } {
    return {
        debug: createDebug(`node-wot-vo:${namespace}`),
        warn: createDebug(`node-wot-vo:${namespace}:warn`),
    };
}

/**
 * For a process this package owns (the CLI): its warnings on, so a store failure is never silent, beside
 * whatever `DEBUG` names; a `DEBUG` that names node-wot-vo itself is taken as it is.
 */
export function enableWarnings(): void {
    const enabled = process.env.DEBUG ?? "";
    if (enabled.includes("node-wot-vo")) return;
    createDebug.enable([enabled, WARNINGS].filter((s) => s.length > 0).join(","));
}
