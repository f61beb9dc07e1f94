import path from "node:path";
import { Helpers } from "@node-wot/core";

/** Bindings that pin a core of their own (npm nests it): binding-coap and binding-mqtt 0.8.16, binding-websockets 0.9.0. */
const BINDINGS_WITH_OWN_CORE = ["@node-wot/binding-coap", "@node-wot/binding-mqtt", "@node-wot/binding-websockets"];

/**
 * Pins the address node-wot writes into TD forms. Each core copy has its own Helpers: all must be
 * told, or one binding's forms point at another interface than the HTTP ones.
 */
export function setStaticAddress(address: string): void {
    Helpers.setStaticAddress(address);
    for (const helpers of nestedCoreHelpers()) helpers.setStaticAddress(address);
}

function nestedCoreHelpers(): (typeof Helpers)[] {
    const main = require.resolve("@node-wot/core");
    const copies = new Set<string>();
    for (const binding of BINDINGS_WITH_OWN_CORE) {
        let dir: string;
        try {
            dir = path.dirname(require.resolve(`${binding}/package.json`));
        } catch {
            continue; // that binding is not installed
        }
        const nested = require.resolve("@node-wot/core", { paths: [dir] });
        if (nested !== main) copies.add(nested);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return [...copies].map((file) => (require(file) as { Helpers: typeof Helpers }).Helpers);
}
