import { uriHost } from "../model/address";
import { nodeWotCores, onEveryCore } from "./node-wot-cores";

/**
 * Pins the address node-wot writes into TD forms. Each core copy has its own Helpers: all must be
 * told, or one binding's forms point at another interface than the HTTP ones. An IPv6 address is
 * bracketed here: the bindings write a static address into their hrefs as it is (`http://::1:8080`).
 */
export function setStaticAddress(address: string): void {
    pinned = uriHost(address);
    onEveryCore(pinAddress);
}

let pinned: string | undefined;

function pinAddress(): void {
    if (pinned !== undefined) for (const { Helpers } of nodeWotCores()) Helpers.setStaticAddress(pinned);
}
