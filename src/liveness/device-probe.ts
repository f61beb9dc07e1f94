import { urlHost } from "../address";
import { coapPing } from "./coap-ping";

/**
 * How a device is probed, from its URL: CoAP ping for coap://, an HTTP GET for http(s)://.
 * `push:` names a device that cannot be probed and only pushes to the VO (deployment type B):
 * its liveness is its pushes, and an interval without one counts as a failed probe.
 */
export interface DeviceProbe {
    readonly url: string;
    /** Resolves with what answered; rejects with a one-line reason. */
    probe(timeoutMs: number): Promise<string>;
}

export class InvalidDeviceUrlError extends Error {
    constructor(url: unknown, why: string) {
        super(`device URL ${JSON.stringify(url)} ${why}`);
        this.name = "InvalidDeviceUrlError";
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
    const host = urlHost(parsed);
    switch (parsed.protocol) {
        case "coap:": {
            const port = parsed.port === "" ? 5683 : Number(parsed.port);
            return {
                url,
                probe: async (timeoutMs) => `CoAP ${await coapPing(host, port, timeoutMs)} from ${parsed.host}`,
            };
        }
        case "http:":
        case "https:":
            return {
                url,
                probe: async (timeoutMs) => {
                    try {
                        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
                        await res.body?.cancel();
                        return `HTTP ${res.status} from ${parsed.host}`; // any answer means it is up
                    } catch (err) {
                        const e = err as Error & { cause?: { code?: string } };
                        const why =
                            e.name === "TimeoutError"
                                ? `no answer within ${timeoutMs} ms`
                                : (e.cause?.code ?? e.message);
                        throw new Error(`HTTP probe of ${parsed.host} failed: ${why}`);
                    }
                },
            };
        default:
            throw new InvalidDeviceUrlError(
                url,
                `has unsupported scheme ${parsed.protocol} (coap:, http: or push: expected)`
            );
    }
}
