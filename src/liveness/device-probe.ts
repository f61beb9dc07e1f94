import { protocolFor } from "../protocols";
import { deviceUrl } from "../options/vo-state-options";

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
    const parsed = deviceUrl(url, path);
    if (parsed.protocol === "push:") {
        return {
            url,
            probe: async () => {
                throw new Error("no push from the device within the interval");
            },
        };
    }
    const protocol = protocolFor(parsed.protocol)!; // deviceUrl allows only the schemes of PROTOCOL_SCHEMES
    return { url, probe: (timeoutMs) => protocol.probe(parsed, timeoutMs) };
}
