import { nodeWotCores } from "./node-wot-cores";

/**
 * Pins the address node-wot writes into TD forms. Each core copy has its own Helpers: all must be
 * told, or one binding's forms point at another interface than the HTTP ones.
 */
export function setStaticAddress(address: string): void {
    for (const { Helpers } of nodeWotCores()) Helpers.setStaticAddress(address);
}
