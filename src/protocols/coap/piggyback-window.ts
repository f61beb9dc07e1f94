import { genAck } from "coap/dist/lib/helpers";
import { replaceMethod, replaceValue } from "../patches/replace-method";

/** coap-packet's Packet, as node-coap hands it over. */
type Packet = Parameters<typeof genAck>[0];

/**
 * How long an answer to a confirmable request may take and still go piggybacked on the ACK. node-coap
 * sends an empty ACK after 50 ms and the answer later in a CON of its own (a separate response, RFC 7252
 * section 5.2.2). libcoap up to 4.3.4 (Debian's 4.3.1 `coap-client` among them) loses a separate
 * response that goes on block-wise: "large body receive internal issue", and no block after the first
 * (obgm/libcoap issue 1595, fixed by pull requests 1440 and 1600). A history page from InfluxDB takes
 * longer than 50 ms on a busy machine. A client retransmits a CON after ACK_TIMEOUT (2 s) times a random
 * factor of at least 1, so an answer within 1 s reaches every client that keeps RFC 7252's defaults
 * before it asks again; a duplicate that comes sooner gets the empty ACK at once (`ackDuplicates`).
 */
export const PIGGYBACK_WINDOW_MS = 1000;

/** EXCHANGE_LIFETIME (RFC 7252 section 4.8.2): no duplicate of a request comes later than this. */
const EXCHANGE_LIFETIME_MS = 247_000;

interface NodeCoapServer {
    _options: { piggybackReplyMs?: number };
    _handle(packet: Packet, rsinfo: { address: string; port: number }): unknown;
}

/** node-coap's answer to one request (OutgoingMessage) while its handler runs. */
interface PendingAnswer {
    _ackTimer?: NodeJS.Timeout | null;
    _request?: Packet;
    _packet?: { confirmable?: boolean; ack?: boolean; messageId?: number };
    _send?(answer: unknown, packet: Packet): void;
    once(event: string, listener: () => void): unknown;
}

const keyOf = (address: string, port: number, messageId: number | undefined): string =>
    `${address}|${port}|${messageId}`;

const installed = new WeakMap<object, Map<string, PendingAnswer>>();

/** Sets the window on `server`, and makes it answer duplicates of a request still being handled. */
export function widenPiggybackWindow(server: object): void {
    if (installed.has(server)) return;
    const pending = new Map<string, PendingAnswer>();
    installed.set(server, pending);
    const s = server as NodeCoapServer;
    replaceValue(s._options, "piggybackReplyMs", "node-coap-piggyback-window", PIGGYBACK_WINDOW_MS);
    // RFC 7252 section 4.5: a duplicate CON is acknowledged again and its request processed only once.
    // node-coap finds duplicates among the messages it has sent; one of a request still being handled
    // (nothing sent yet) ran the handler a second time: an action invoked twice.
    replaceMethod<NodeCoapServer["_handle"]>(
        s,
        "_handle",
        "node-coap-duplicate-in-progress",
        (handle) => (packet, rsinfo) => {
            const answer =
                packet.confirmable === true && packet.ack !== true && packet.reset !== true
                    ? pending.get(keyOf(rsinfo.address, rsinfo.port, packet.messageId))
                    : undefined;
            if (answer === undefined) return handle.call(s, packet, rsinfo);
            ackNow(answer);
            return undefined;
        }
    );
}

/**
 * Registers the answer to `request` from `rsinfo` as pending until it is sent, for `widenPiggybackWindow`.
 * Only answers that can go piggybacked (node-coap's plain answers to a CON) are kept.
 */
export function trackPendingAnswer(
    server: object,
    rsinfo: { address: string; port: number } | undefined,
    answer: unknown
): void {
    const pending = installed.get(server);
    const a = answer as PendingAnswer;
    if (pending === undefined || rsinfo === undefined || a._request === undefined || !a._ackTimer) return;
    const key = keyOf(rsinfo.address, rsinfo.port, a._request.messageId);
    pending.set(key, a);
    const forget = (): void => {
        if (pending.get(key) === a) pending.delete(key);
        clearTimeout(timer);
    };
    const timer = setTimeout(forget, EXCHANGE_LIFETIME_MS).unref();
    a.once("finish", forget);
    a.once("close", forget);
}

/** The empty ACK, sent now: once the window is given up the answer follows as a CON, as node-coap does. */
function ackNow(a: PendingAnswer): void {
    if (a._request === undefined || a._send === undefined) return;
    if (a._ackTimer) {
        clearTimeout(a._ackTimer);
        a._ackTimer = null;
        a._send(a, genAck(a._request));
        if (a._packet !== undefined) {
            a._packet.confirmable = true;
            a._packet.ack = false;
            delete a._packet.messageId;
        }
    } else {
        a._send(a, genAck(a._request)); // the ACK went out already and was lost: again
    }
}
