import { createRequire } from "node:module";
import { Helpers } from "@node-wot/core";
import { CoapServer } from "@node-wot/binding-coap";
import { MdnsIntroducer } from "@node-wot/binding-coap/dist/mdns-introducer";
import { createLogger } from "../../log";
import { replaceMethod } from "../patches/replace-method";

const { debug, warn } = createLogger("protocols:coap:binding-coap-mdns");

/** The mDNS group and port (RFC 6762). */
export const MDNS_GROUP = "224.0.0.251";
export const MDNS_PORT = 5353;

/** The option of a VoCoapServer this file adds: DNS-SD announcement of its Things over mDNS. */
export interface MdnsOption {
    /** announce each exposed Thing as `_wot._udp.local` over mDNS, on the server's interface; default false */
    mdns?: boolean;
}

/** multicast-dns 7, as binding-coap requires it (the parts used here). */
interface MulticastDns {
    on(event: "query", listener: (query: unknown) => void): unknown;
    on(event: "warning" | "error", listener: (err: Error) => void): unknown;
    destroy(cb: (err?: Error) => void): void;
}
type MakeMdns = (opts: { type: "udp4"; ip: string; port: number; bind: string; interface?: string }) => MulticastDns;

/** The upstream introducer's fields and methods this file sets (private in its typings). */
interface IntroducerInternals {
    mdns: MulticastDns;
    mdnsEntries: Map<string, unknown>;
    ipAddressFamily: "IPv4";
    sendMdnsResponses(query: unknown): void;
    determineTarget(): string;
}

/** binding-coap's CoapServer fields its start() uses (private in its typings). */
interface ServerInternals {
    server: {
        once(event: "error", l: (err: Error) => void): unknown;
        off(event: "error", l: (err: Error) => void): unknown;
        on(event: "error", l: (err: Error) => void): unknown;
        listen(port: number, address: string | undefined, done: () => void): unknown;
    };
    port: number;
    address?: string;
    mdnsIntroducer?: MdnsIntroducer;
}

const WILDCARDS = new Set(["0.0.0.0", "::", ""]);

/**
 * binding-coap 0.8.16's CoapServer starts an mDNS responder in every `start()` (DNS-SD, node-wot pull
 * request 963), whatever it is configured with: its MdnsIntroducer hands the server's address to
 * multicast-dns as the multicast group (`ip`), not as the interface, so the responder binds UDP
 * `0.0.0.0:5353` on every interface, joins the group nowhere when an address is configured (127.0.0.1
 * is no group), and answers queries with the first non-loopback IPv4 address of the host, not the one
 * the TDs advertise. Here `start()` listens as upstream's does and starts the responder only when
 * `mdns` is true: bound to the mDNS group (so it takes nothing but mDNS), joined on the server's own
 * interface (every IPv4 interface when the server listens on all), answering with the address the TDs
 * advertise. Applied in VoCoapServer's constructor.
 */
export function announceOverMdnsOnlyWhenAsked(server: CoapServer, option: MdnsOption = {}): void {
    const self = server as unknown as ServerInternals;
    replaceMethod<() => Promise<void>>(
        server,
        "start",
        "coap-mdns-when-asked",
        () => () =>
            new Promise<void>((resolve, reject) => {
                self.server.once("error", reject);
                self.server.listen(self.port, self.address, () => {
                    self.server.off("error", reject);
                    self.server.on("error", (err) => warn("CoAP server on port %d failed: %s", self.port, err.message));
                    if (option.mdns === true) self.mdnsIntroducer = mdnsIntroducer(self.address);
                    resolve();
                });
            })
    );
}

/** Upstream's introducer (its records, answers and close) on a responder of this file's making. */
function mdnsIntroducer(address: string | undefined): MdnsIntroducer {
    const bindingDir = require.resolve("@node-wot/binding-coap/package.json");
    const makeMdns = createRequire(bindingDir)("multicast-dns") as MakeMdns;
    const iface = address === undefined || WILDCARDS.has(address) ? undefined : address;
    const intro = Object.create(MdnsIntroducer.prototype) as IntroducerInternals;
    intro.ipAddressFamily = "IPv4";
    intro.mdnsEntries = new Map();
    // bound to the group: Linux hands a socket bound to a unicast address no multicast datagram
    intro.mdns = makeMdns({ type: "udp4", ip: MDNS_GROUP, port: MDNS_PORT, bind: MDNS_GROUP, interface: iface });
    intro.mdns.on("query", (query) => intro.sendMdnsResponses(query));
    intro.mdns.on("warning", (err) => debug("mDNS: %s", err.message));
    intro.mdns.on("error", (err) => warn("mDNS responder on %s:%d: %s", MDNS_GROUP, MDNS_PORT, err.message));
    // the SRV target: where the TDs say the VO is
    replaceMethod<() => string>(
        intro,
        "determineTarget",
        "coap-mdns-srv-target",
        () => () => Helpers.getAddresses()[0].replace(/^\[(.*)\]$/, "$1")
    );
    debug("mDNS responder on %s, interface %s", MDNS_GROUP, iface ?? "every IPv4 one");
    return intro as unknown as MdnsIntroducer;
}
