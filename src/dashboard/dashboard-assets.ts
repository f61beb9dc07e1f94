import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { DASHBOARD_PAGE } from "./dashboard-page";
import { DASHBOARD_STYLES } from "./dashboard-styles";

/**
 * Scripts only from this server, no inline script or style markup, data fetched from this server only:
 * names and values the page shows are data, and nothing they hold can run.
 */
export const DASHBOARD_CSP = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
].join("; ");

/** One file as served: its bytes, a gzipped copy when smaller, its headers and validator. */
export interface DashboardFile {
    body: Buffer;
    gzipped?: Buffer;
    headers: Record<string, string>;
    etag: string;
}

const TYPES: Record<string, string> = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
};

/** The page's own script modules, compiled from src/dashboard/client by its tsconfig. */
const CLIENT_DIR = path.join(__dirname, "client");

/** uPlot's browser build and its styles, from the package's dependency (no CDN). */
function uplotFile(name: string): Buffer {
    return fs.readFileSync(path.join(path.dirname(require.resolve("uplot/package.json")), "dist", name));
}

function asset(name: string, body: Buffer): DashboardFile {
    const gz = zlib.gzipSync(body, { level: 9 });
    return {
        body,
        gzipped: gz.length < body.length ? gz : undefined,
        etag: `"${crypto.createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
        headers: {
            "Content-Type": TYPES[name === "" ? ".html" : path.extname(name)] ?? "application/octet-stream",
            // the page revalidates each time (it names the other files); those are kept a while
            "Cache-Control": name === "" ? "no-cache" : "public, max-age=600",
            "Content-Security-Policy": DASHBOARD_CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    };
}

/** Every file of the dashboard, read and compressed once. */
export function loadDashboardAssets(): Map<string, DashboardFile> {
    const files = new Map<string, DashboardFile>();
    files.set("dashboard.css", asset("dashboard.css", Buffer.from(DASHBOARD_STYLES)));
    for (const name of ["uPlot.iife.min.js", "uPlot.min.css"]) files.set(name, asset(name, uplotFile(name)));
    let scripts: string[];
    try {
        scripts = fs.readdirSync(CLIENT_DIR).filter((f) => f.endsWith(".mjs"));
    } catch {
        scripts = [];
    }
    if (!scripts.includes("main.mjs")) {
        throw new Error(`the dashboard's scripts are missing from ${CLIENT_DIR} (npm run build compiles them)`);
    }
    for (const name of scripts) files.set(name, asset(name, fs.readFileSync(path.join(CLIENT_DIR, name))));
    const preload = scripts
        .filter((name) => name !== "main.mjs")
        .map((name) => `<link rel="modulepreload" href="${name}">`)
        .join("\n");
    files.set("", asset("", Buffer.from(DASHBOARD_PAGE.replace("<!--modulepreload-->", preload))));
    return files;
}

/** The dashboard as the HTTP server serves it (ServerHooks.dashboard): its path and its files by name. */
export function dashboardFiles(dashboardPath: string): {
    path: string;
    asset(name: string): DashboardFile | undefined;
} {
    let files: Map<string, DashboardFile> | undefined;
    return {
        path: dashboardPath,
        asset: (name) => (files ??= loadDashboardAssets()).get(name),
    };
}
