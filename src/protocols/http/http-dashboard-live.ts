import type { IncomingMessage, ServerResponse } from "node:http";
import type { DashboardLive } from "../protocol-face";
import { answerText } from "./http-answers";
import { requestQuery } from "./http-request-url";

/**
 * What a page's stream may hold unsent before the page is dropped: a page that does not read (a tab in the
 * background, a stalled network) costs the VO this much at most; EventSource reconnects by itself and the
 * page reads the history it missed.
 */
export const LIVE_MAX_BUFFERED_BYTES = 1 << 20;

/** How long EventSource waits before it reconnects a dropped stream. */
const RETRY_MS = 1000;

/**
 * The dashboard's live stream (`<dashboard>/live?thing=<id>&thing=<id>`): Server-Sent Events, one stream per
 * open page instead of each view polling. Served behind the dashboard's own guard, never recorded.
 */
export function answerLive(live: DashboardLive, req: IncomingMessage, res: ServerResponse): void {
    const things = new Set(requestQuery(req.url).getAll("thing"));
    if (things.size === 0 || things.has("")) {
        return answerText(res, 400, "live: name the Things to follow with ?thing=<id> (one or more)");
    }
    const headers = {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    };
    if (req.method === "HEAD") {
        res.writeHead(200, headers);
        res.end();
        return;
    }
    const client = {
        things,
        send(event: string, data: string): boolean {
            if (res.destroyed || res.writableEnded) return false;
            if (res.writableLength > LIVE_MAX_BUFFERED_BYTES) {
                res.destroy(); // too far behind: dropped, it reconnects and reads what it missed
                return false;
            }
            res.write(`event: ${event}\ndata: ${data}\n\n`);
            return true;
        },
        end: () => res.end(),
    };
    const remove = live.open(client);
    if (remove === undefined) return answerText(res, 503, "the VO is stopping");
    res.writeHead(200, headers);
    res.socket?.setNoDelay(true);
    res.write(`retry: ${RETRY_MS}\n\n`);
    res.on("close", remove);
}
