import type { IncomingMessage, ServerResponse } from "node:http";
import type { HealthProbe, HealthReport } from "../../model/health-report";
import type { HealthHook } from "../protocol-face";
import { chooseMediaType } from "./http-accept";
import { guardingThing } from "./http-dashboard";
import { refuseMethod } from "./http-method-not-allowed";
import { authorized } from "./http-answers";
import type { HttpServerInternals } from "./http-server-internals";
import { requestPath } from "./http-request-url";

export type HealthResource = HealthProbe | "metrics";

const RESOURCES = new Map<string, HealthResource>([
    ["/livez", "livez"],
    ["/readyz", "readyz"],
    ["/metrics", "metrics"],
]);
const ALLOW = "GET, HEAD, OPTIONS";

/**
 * The health resource a request's path names (`/livez`, `/readyz`, `/metrics` when metrics are on), or
 * undefined: one lookup on every request. A Thing served at the same path keeps it.
 */
export function healthResourceOf(
    server: HttpServerInternals,
    hook: HealthHook,
    url: string | undefined
): HealthResource | undefined {
    if (url === undefined) return undefined;
    const path = requestPath(url);
    const resource = RESOURCES.get(path);
    if (resource === undefined || (resource === "metrics" && hook.metrics === undefined)) return undefined;
    return server.getThings().has(path.slice(1)) ? undefined : resource;
}

/**
 * `/livez` and `/readyz` as Kubernetes answers them with `?verbose`: 200, or 503 with `Retry-After`, and
 * one line per check (`[+]name ok: ...`, `[-]name failed: ...`), JSON when Accept prefers it; `/metrics` in
 * Prometheus's text format. Guarded like the dashboard when a Thing asks for credentials; never recorded.
 */
export async function serveHealth(
    server: HttpServerInternals,
    hook: HealthHook,
    resource: HealthResource,
    req: IncomingMessage,
    res: ServerResponse
): Promise<void> {
    if (req.method === "OPTIONS") {
        res.writeHead(204, { Allow: ALLOW });
        res.end();
        return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") return refuseMethod(req, res, ALLOW);
    const guard = guardingThing(server);
    if (guard !== undefined && !(await authorized(server, guard, req, res))) return;
    if (resource === "metrics") {
        const { contentType, body } = await hook.metrics!();
        res.writeHead(200, { "Content-Type": contentType, "Cache-Control": "no-store" });
        res.end(body);
        return;
    }
    const report = await hook.report(resource);
    const json = chooseMediaType(req.headers.accept, ["text/plain", "application/json"]) === "application/json";
    const headers: Record<string, string> = {
        "Content-Type": json ? "application/json" : "text/plain; charset=utf-8",
        "Cache-Control": "no-store",
        Vary: "Accept",
    };
    if (!report.ok) headers["Retry-After"] = String(report.retryAfterSeconds);
    res.writeHead(report.ok ? 200 : 503, headers);
    res.end(json ? JSON.stringify(report) : reportText(report));
}

/** Kubernetes' verbose form, each check with what it found. */
function reportText(report: HealthReport): string {
    const lines = report.checks.map((c) => `[${c.ok ? "+" : "-"}]${c.name} ${c.ok ? "ok" : "failed"}: ${c.detail}`);
    lines.push(`${report.probe} check ${report.ok ? "passed" : "failed"}`);
    return `${lines.join("\n")}\n`;
}
