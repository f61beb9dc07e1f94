import type { IncomingMessage, ServerResponse } from "node:http";
import type { ExposedThing } from "@node-wot/core";
import { DASHBOARD_LIVE, DASHBOARD_STATE, DashboardHook } from "../protocol-face";
import { isSecured } from "../../model/thing-security";
import { answerText, authorized } from "./http-answers";
import { answerLive } from "./http-dashboard-live";
import type { HttpServerInternals } from "./http-server-internals";
import { decodePath, requestPath } from "./http-request-url";

/**
 * Whether a GET names the dashboard: its path, or the path without its trailing slash (redirected)
 * unless a Thing is served there (a Thing titled "dashboard" keeps its TD at /dashboard).
 */
export function isDashboardPath(
    server: HttpServerInternals,
    dashboard: DashboardHook,
    url: string | undefined
): boolean {
    // on every GET: no allocation unless the URL starts like the dashboard
    if (url === undefined) return false;
    if (url.startsWith(dashboard.path)) return true;
    const bare = dashboard.path.slice(0, -1);
    if (!url.startsWith(bare)) return false;
    const rest = url.slice(bare.length);
    return (rest === "" || rest.startsWith("?")) && !server.getThings().has(bare.slice(1));
}

/** The first Thing served here that asks for credentials: the dashboard (and health, metrics) ask for the same ones. */
export function guardingThing(server: HttpServerInternals): ExposedThing | undefined {
    for (const thing of server.getThings().values()) if (isSecured(thing)) return thing;
    return undefined;
}

/**
 * The VO's live lists, read from its state (the page gets them over its stream): reading them is not an
 * interaction with the status Thing (a client that reads its properties is recorded as ever), and they answer
 * nothing a reader of the dashboard cannot see on the page.
 */
async function answerState(state: () => Promise<unknown>, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = Buffer.from(JSON.stringify(await state()));
    res.writeHead(200, {
        "Content-Type": "application/json",
        "Content-Length": String(body.length),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    });
    res.end(req.method === "HEAD" ? undefined : body);
}

/**
 * The dashboard's files: the page at the path, the others by name under it; 304 for a matching
 * If-None-Match, gzip when the client takes it. Guarded like the Things when they ask for credentials.
 */
export async function serveDashboard(
    server: HttpServerInternals,
    dashboard: DashboardHook,
    req: IncomingMessage,
    res: ServerResponse
): Promise<void> {
    const path = requestPath(req.url);
    if (!path.startsWith(dashboard.path)) {
        res.writeHead(308, { Location: dashboard.path });
        res.end();
        return;
    }
    const guard = guardingThing(server);
    if (guard !== undefined && !(await authorized(server, guard, req, res))) return;
    const name = decodePath(path.slice(dashboard.path.length));
    if (name === undefined) return answerText(res, 400, `not a percent-encoded path: ${path}`);
    if (name === DASHBOARD_STATE && dashboard.state !== undefined) return answerState(dashboard.state, req, res);
    if (name === DASHBOARD_LIVE && dashboard.live !== undefined) return answerLive(dashboard.live, req, res);
    const asset = dashboard.asset(name);
    if (asset === undefined) return answerText(res, 404, `no dashboard file ${JSON.stringify(name)}`);
    const gzip = asset.gzipped !== undefined && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    // each encoding its own validator: the bytes differ
    const etag = gzip ? `${asset.etag.slice(0, -1)}-gzip"` : asset.etag;
    const headers: Record<string, string> = { ...asset.headers, ETag: etag, Vary: "Accept-Encoding" };
    if (req.headers["if-none-match"] === etag) {
        res.writeHead(304, headers);
        res.end();
        return;
    }
    const body = gzip ? asset.gzipped! : asset.body;
    if (gzip) headers["Content-Encoding"] = "gzip";
    headers["Content-Length"] = String(body.length);
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : body);
}
