import path from "node:path";
import * as core from "@node-wot/core";

/** Bindings that pin a core of their own (npm nests it): binding-coap and binding-mqtt 0.8.16, binding-websockets 0.9.0. */
const BINDINGS_WITH_OWN_CORE = ["@node-wot/binding-coap", "@node-wot/binding-mqtt", "@node-wot/binding-websockets"];

type Core = Pick<typeof core, "Helpers" | "ProtocolHelpers">;

let copies: Core[] | undefined;

/**
 * Every copy of @node-wot/core loaded by the bindings: the main one, then those nested under a binding. A fix
 * to a core helper must reach each, or one binding keeps the upstream behaviour.
 */
export function nodeWotCores(): Core[] {
    copies ??= [core, ...nestedCores()];
    return copies;
}

function nestedCores(): Core[] {
    const main = require.resolve("@node-wot/core");
    const files = new Set<string>();
    for (const binding of BINDINGS_WITH_OWN_CORE) {
        let dir: string;
        try {
            dir = path.dirname(require.resolve(`${binding}/package.json`));
        } catch {
            continue; // that binding is not installed
        }
        const nested = require.resolve("@node-wot/core", { paths: [dir] });
        if (nested !== main) files.add(nested);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return [...files].map((file) => require(file) as Core);
}
