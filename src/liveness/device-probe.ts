import { PROTOCOLS, protocolFor } from "../protocols";
import { invalidOption, shown } from "../options/option-checks";

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

/** The probe of a device's URL; a URL no protocol probes is refused as the option at `path`. */
export function probeFor(url: string, path = "vo.device.url"): DeviceProbe {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        throw invalidOption(
            path,
            `${shown(url)} is not a URL (expected coap://host[:port], http://host[:port]/path or push:)`
        );
    }
    if (parsed.protocol === "push:") {
        return {
            url,
            probe: async () => {
                throw new Error("no push from the device within the interval");
            },
        };
    }
    if (parsed.hostname === "") throw invalidOption(path, `${shown(url)} has no host`);
    const protocol = protocolFor(parsed.protocol);
    if (protocol === undefined) {
        const known = PROTOCOLS.flatMap((p) => p.schemes.map((s) => `${s}:`)).join(", ");
        throw invalidOption(
            path,
            `${shown(url)} has unsupported scheme ${parsed.protocol} (${known} or push: expected)`
        );
    }
    return { url, probe: (timeoutMs) => protocol.probe(parsed, timeoutMs) };
}
