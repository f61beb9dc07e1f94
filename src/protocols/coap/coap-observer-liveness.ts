import { replaceMethod } from "../patches/replace-method";

/**
 * Whether a CoAP observer is still there, told by its acknowledgements. node-coap 1.4.1 gives up on a
 * confirmable notification nobody acknowledges only when its exchange times out, EXCHANGE_LIFETIME (247 s)
 * after it was sent (retry_send.js), retransmitting it meanwhile; only then does it end the observe stream.
 * A killed observer so stayed an observer for about four minutes, notified all along. Here an observation
 * ends as soon as one of its confirmable notifications has gone unacknowledged for `timeoutMs` (RFC 7641
 * section 4.5 lets a server drop an observer whose notification was not acknowledged), and its pending
 * retransmissions are dropped; a Reset answering any notification ends it too (section 3.6).
 */

interface PacketLike {
    ack?: boolean;
    reset?: boolean;
    confirmable?: boolean;
    messageId?: number;
}
interface RemoteInfo {
    address: string;
    port: number;
}
/** node-coap's Server: `_handle` takes each parsed datagram; `_lru` holds the messages it retransmits. */
export interface NodeCoapServerLike {
    _handle(packet: PacketLike, rsinfo: RemoteInfo): void;
    _lru?: { delete(key: string): unknown };
}
/** node-coap's ObserveWriteStream: `_send` generates and sends each packet (and fills in its message id). */
export interface NotificationStream {
    _send(stream: unknown, packet: PacketLike): void;
}

export type ObserverEnd = "client gone" | "reset";

type Answer = "ack" | "reset";
/** By `address:port/messageId`: who waits for the answer to that message. */
const waiting = new WeakMap<object, Map<string, (answer: Answer) => void>>();

/** Routes the acknowledgements and resets a server receives to the observation that sent the message. */
function answersOf(server: NodeCoapServerLike): Map<string, (answer: Answer) => void> {
    let routes = waiting.get(server);
    if (routes !== undefined) return routes;
    const map = (routes = new Map());
    waiting.set(server, map);
    replaceMethod<NodeCoapServerLike["_handle"]>(
        server,
        "_handle",
        "coap-observer-acks",
        (handle) => (packet, rsinfo) => {
            if ((packet.ack === true || packet.reset === true) && packet.messageId !== undefined) {
                map.get(`${rsinfo.address}:${rsinfo.port}/${packet.messageId}`)?.(
                    packet.reset === true ? "reset" : "ack"
                );
            }
            handle.call(server, packet, rsinfo);
        }
    );
    return map;
}

/** Resets kept for this many of the latest non-confirmable notifications (they are not acknowledged). */
const RECENT_NON = 8;

/**
 * Watches the notifications `stream` sends to `client`; calls `ended` once when the observer is gone or
 * reset it. Returns the function that stops watching (call it when the observation ends for any reason).
 */
export function watchObserver(
    server: NodeCoapServerLike,
    stream: NotificationStream,
    client: RemoteInfo,
    timeoutMs: number,
    ended: (why: ObserverEnd) => void
): () => void {
    const routes = answersOf(server);
    const keyOf = (mid: number) => `${client.address}:${client.port}/${mid}`;
    const unacknowledged = new Map<number, number>(); // message id -> sent at (ms), oldest first
    const recent: number[] = [];
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;

    const send = stream._send;
    replaceMethod<NotificationStream["_send"]>(stream, "_send", "coap-observer-liveness", () => (s, packet) => {
        send.call(stream, s, packet);
        const mid = packet.messageId;
        if (stopped || packet.ack === true || packet.reset === true || typeof mid !== "number") return;
        routes.set(keyOf(mid), (answer) => {
            if (answer === "reset") return finish("reset");
            unacknowledged.delete(mid);
            routes.delete(keyOf(mid));
        });
        if (packet.confirmable === true) {
            unacknowledged.set(mid, Date.now());
            arm();
        } else {
            recent.push(mid);
            if (recent.length > RECENT_NON) routes.delete(keyOf(recent.shift()!));
        }
    });

    function arm(): void {
        if (timer !== undefined || stopped) return;
        const oldest = unacknowledged.values().next();
        if (oldest.done === true) return;
        timer = setTimeout(check, Math.max(0, oldest.value + timeoutMs - Date.now()));
        timer.unref();
    }
    function check(): void {
        timer = undefined;
        const oldest = unacknowledged.values().next();
        if (oldest.done === true) return;
        if (Date.now() - oldest.value >= timeoutMs) finish("client gone");
        else arm();
    }
    function finish(why: ObserverEnd): void {
        if (stopped) return;
        stop();
        ended(why);
    }
    function stop(): void {
        if (stopped) return;
        stopped = true;
        clearTimeout(timer);
        for (const mid of [...unacknowledged.keys(), ...recent]) {
            routes.delete(keyOf(mid));
            // node-coap would retransmit an unacknowledged notification to the gone client for up to 45 s more
            if (unacknowledged.has(mid)) server._lru?.delete(keyOf(mid));
        }
        stream._send = send;
    }
    return stop;
}
