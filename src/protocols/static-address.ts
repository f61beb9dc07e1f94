import path from "node:path";
import { Helpers } from "@node-wot/core";

/**
 * Pins the address node-wot writes into TD forms. @node-wot/binding-coap 0.8.16 depends on
 * @node-wot/core 0.8.16 exactly, so npm nests a second core copy with its own Helpers: both must
 * be told, or CoAP forms point at another interface than the HTTP ones.
 */
export function setStaticAddress(address: string): void {
    Helpers.setStaticAddress(address);
    for (const helpers of nestedCoreHelpers()) helpers.setStaticAddress(address);
}

function nestedCoreHelpers(): (typeof Helpers)[] {
    let coapDir: string;
    try {
        coapDir = path.dirname(require.resolve("@node-wot/binding-coap/package.json"));
    } catch {
        return []; // no CoAP binding installed
    }
    const nested = require.resolve("@node-wot/core", { paths: [coapDir] });
    if (nested === require.resolve("@node-wot/core")) return [];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return [(require(nested) as { Helpers: typeof Helpers }).Helpers];
}
