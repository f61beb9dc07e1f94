/**
 * Addresses as the VO writes and reads them: `ip:port`, `[ipv6]:port`, or a bare address.
 * One place for the brackets, so origins, observers, device addresses and URLs agree.
 */

/**
 * An address as the host of a URI: IPv6 in brackets, once. node-wot's `Helpers.getAddresses()`
 * brackets the IPv6 addresses it finds on the interfaces but not a static one, so bracketing its
 * answers again gave `ws://[[fd00::2]]:...` forms on a host with a global IPv6 address, which
 * node-wot's own form matching then fails to parse (a crash at the next HTTP request).
 */
export function uriHost(address: string): string {
    return address.includes(":") && !address.startsWith("[") ? `[${address}]` : address;
}

/** `ip:port` (`[ip]:port` for IPv6), or the bare address without a port. */
export function formatAddress(address: string | undefined, port: number | undefined): string | undefined {
    if (address === undefined) return undefined;
    if (port === undefined) return address;
    return `${uriHost(address)}:${port}`;
}

/** The inverse of formatAddress; a bare IPv6 address (no brackets) is taken whole, without a port. */
export function parseAddress(text: string): { ip: string; port?: number } {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
    if (bracketed) return { ip: bracketed[1], port: bracketed[2] === undefined ? undefined : Number(bracketed[2]) };
    const withPort = /^([^:]+):(\d+)$/.exec(text);
    if (withPort) return { ip: withPort[1], port: Number(withPort[2]) };
    return { ip: text };
}

/** A URL's host without the brackets URL keeps around IPv6 literals. */
export function urlHost(url: URL): string {
    return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

/** Whether a URL's host is this machine itself (localhost, 127.0.0.0/8, ::1). */
export function isLoopbackUrl(url: URL): boolean {
    const host = urlHost(url).toLowerCase();
    return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
