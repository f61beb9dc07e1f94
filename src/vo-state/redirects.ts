import net from "node:net";
import { createLogger } from "../log";

const { debug } = createLogger("vo-state:redirects");

export class InvalidRedirectError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "InvalidRedirectError";
    }
}

const HOSTNAME =
    /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * A redirect target is where clients should go instead: `host`, `host:port` or `[v6]:port`
 * (an IP address or a DNS name). Returned normalized (`[::1]:8080`); anything else is refused.
 */
export function normalizeRedirectTarget(target: unknown, what = "redirect target"): string {
    if (typeof target !== "string") throw new InvalidRedirectError(`${what} must be a string`);
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(target.trim());
    const host = m?.[1] ?? m?.[2];
    const port = m?.[3] === undefined ? undefined : Number(m[3]);
    const hostOk =
        host !== undefined && (m?.[1] !== undefined ? net.isIPv6(host) : net.isIPv4(host) || HOSTNAME.test(host));
    if (!hostOk || (port !== undefined && (port < 1 || port > 65535))) {
        throw new InvalidRedirectError(`${what} ${JSON.stringify(target)} is not host, host:port or [IPv6]:port`);
    }
    const h = net.isIPv6(host!) ? `[${host}]` : host!;
    return port === undefined ? h : `${h}:${port}`;
}

interface HttpResponseLike {
    writeHead(status: number, headers: Record<string, string>): unknown;
    end(body?: string): unknown;
}
interface CoapResponseLike {
    code: string;
    setOption(name: string, value: string): unknown;
    end(body?: string): unknown;
}
interface RedirectableServer {
    scheme: string;
    getPort(): number;
    handleRequest?: (req: unknown, res: unknown) => unknown;
}

/**
 * While a redirect is active, requests are answered here instead of by the Things: HTTP with
 * 307 Temporary Redirect to the same path on the target (the method and body are kept by the
 * client), CoAP, which has no redirect, with 5.03 Service Unavailable and a payload naming the
 * target URL. Paths under `exempt` (the VO Thing, so the redirect can be lifted) are served.
 */
export class Redirects {
    private targets: string[] = [];
    private readonly wrapped = new WeakSet<object>();

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

    intercept(server: RedirectableServer): void {
        const original = server.handleRequest;
        if (typeof original !== "function" || this.wrapped.has(server)) return;
        this.wrapped.add(server);
        const scheme = server.scheme;
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        const redirects = this;
        server.handleRequest = function (this: unknown, req: unknown, res: unknown) {
            const target = redirects.current;
            const url = (req as { url?: string }).url ?? "/";
            const exempt = redirects.exempt();
            if (target === undefined || (exempt !== undefined && url.split("?")[0].startsWith(exempt))) {
                return original.call(this, req, res);
            }
            const where = `${scheme}://${withPort(target, server.getPort())}${url}`;
            if (scheme === "coap" || scheme === "coaps") {
                const r = res as CoapResponseLike;
                r.code = "5.03";
                r.setOption("Content-Format", "text/plain");
                r.end(`redirected: ${where}`);
            } else {
                (res as HttpResponseLike).writeHead(307, { Location: where, "Content-Type": "text/plain" });
                (res as HttpResponseLike).end(`redirected: ${where}\n`);
            }
            return undefined;
        };
    }
}

/** A target without a port keeps the port the client used. */
function withPort(target: string, port: number): string {
    return /:\d+$/.test(target) ? target : `${target}:${port}`;
}
