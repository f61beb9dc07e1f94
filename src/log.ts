import createDebug from "debug";

/** One logger per file, named like node-wot's own: `node-wot-vo:<folder>:<file>`. */
export function createLogger(namespace: string): { debug: createDebug.Debugger; warn: createDebug.Debugger } {
    return {
        debug: createDebug(`node-wot-vo:${namespace}`),
        // Warnings are on by default so store failures are never silent.
        warn: createDebug(`node-wot-vo:${namespace}:warn`),
    };
}

const enabled = process.env.DEBUG ?? "";
if (!enabled.includes("node-wot-vo")) {
    createDebug.enable([enabled, "node-wot-vo:*:warn"].filter((s) => s.length > 0).join(","));
}
