import { PROTOCOLS, protocolFor } from "../protocols";
import { InvalidOptionsError } from "../model/errors";

/**
 * How a device is probed, from its URL: as its protocol does (CoAP ping, HTTP GET, ...).
 * `push:` names a device that cannot be probed and only pushes to the VO (deployment type B):
 * its liveness is its pushes, and an interval without one counts as a failed probe.
 */
export interface DeviceProbe {
    readonly url: string;
    /** Resolves with what answered; rejects with a one-line reason. */
    probe(timeoutMs: number): Promise<string>;
}

export class InvalidDeviceUrlError extends InvalidOptionsError {
    constructor(url: unknown, why: string) {
        super(`device URL ${JSON.stringify(url)} ${why}`);
    }
}

export function probeFor(url: string): DeviceProbe {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        throw new InvalidDeviceUrlError(url, "is not a URL (expected coap://host[:port] or http://host[:port]/path)");
    }
    if (parsed.protocol === "push:") {
        return {
            url,
            probe: async () => {
                throw new Error("no push from the device within the interval");
            },
        };
    }
    if (parsed.hostname === "") throw new InvalidDeviceUrlError(url, "has no host");
    const protocol = protocolFor(parsed.protocol);
    if (protocol === undefined) {
        const known = PROTOCOLS.flatMap((p) => p.schemes.map((s) => `${s}:`)).join(", ");
        throw new InvalidDeviceUrlError(url, `has unsupported scheme ${parsed.protocol} (${known} or push: expected)`);
    }
    return { url, probe: (timeoutMs) => protocol.probe(parsed, timeoutMs) };
}
