import { createLogger } from "../log";
import { RequestRefusedError } from "../model/refusal";
import { hostPort } from "../options/option-checks";

const { debug } = createLogger("vo-state:redirects");

/**
 * A target that is not an address. The client's fault when it came in a write of the VO Thing's
 * `redirects`: answered 400 / 4.00 naming the entry (a plain Error would be a 500 / 5.00).
 */
export class InvalidRedirectError extends RequestRefusedError {
    constructor(message: string) {
        super("bad-request", message);
    }
}

/**
 * A redirect target is where clients should go instead: `host`, `host:port` or `[v6]:port`
 * (an IP address or a DNS name). Returned normalized (`[::1]:8080`); anything else is refused.
 */
export function normalizeRedirectTarget(target: unknown, what = "redirect target"): string {
    if (typeof target !== "string") throw new InvalidRedirectError(`${what} must be a string`);
    const normalized = hostPort(target); // the check of the `redirects` option
    if (normalized === undefined) {
        throw new InvalidRedirectError(`${what} ${JSON.stringify(target)} is not host, host:port or [IPv6]:port`);
    }
    return normalized;
}

/**
 * While a redirect is active, requests go to the same path on the target instead of to the Things
 * (each protocol answers that its own way: protocols/<name>/*-answers). Paths under `exempt` (the
 * VO Thing, so the redirect can be lifted) are served.
 */
export class Redirects {
    private targets: string[] = [];

    constructor(private readonly exempt: () => string | undefined) {}

    get current(): string | undefined {
        return this.targets[0];
    }

    get all(): string[] {
        return [...this.targets];
    }

    set(targets: readonly string[]): void {
        this.targets = targets.map((t, i) => normalizeRedirectTarget(t, `redirect target ${i}`));
        debug("redirects now %o", this.targets);
    }

    /** Where a request for `path` on a server of `scheme` listening on `port` must go, or undefined to serve it. */
    redirectFor(scheme: string, port: number, path: string): string | undefined {
        const target = this.targets[0];
        if (target === undefined) return undefined;
        const exempt = this.exempt();
        if (exempt !== undefined && path.split("?")[0].startsWith(exempt)) return undefined;
        return `${scheme}://${withPort(target, port)}${path}`;
    }
}

/** A target without a port keeps the port the client used. */
function withPort(target: string, port: number): string {
    return /:\d+$/.test(target) ? target : `${target}:${port}`;
}
