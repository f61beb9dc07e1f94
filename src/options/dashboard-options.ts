import { invalidOption, shown } from "./option-checks";

/** Where the VO's HTTP server serves the dashboard (`dashboard` in the attach options), or false: not at all. */
export type DashboardOptions = false | { path?: string };

export type ResolvedDashboardOptions = false | { path: string };

export const DEFAULT_DASHBOARD_PATH = "/dashboard/";

/** "/dashboard/" from "/dashboard" or "/dashboard/"; throws naming the problem. */
export function resolveDashboardOptions(o: DashboardOptions | undefined): ResolvedDashboardOptions {
    if (o === false) return false;
    if (o === undefined) return { path: DEFAULT_DASHBOARD_PATH };
    if (o === null || typeof o !== "object") {
        throw invalidOption("dashboard", `must be false or { path }, got ${shown(o)}`);
    }
    const path = o.path ?? DEFAULT_DASHBOARD_PATH;
    // one or more plain segments: "/" alone would hide every Thing, and ?, # or % would never match a request
    if (typeof path !== "string" || !/^(\/[A-Za-z0-9._~-]+)+\/?$/.test(path)) {
        throw invalidOption(
            "dashboard.path",
            `must be a path like "/dashboard/" (letters, digits, . _ ~ -), got ${shown(path)}`
        );
    }
    return { path: path.endsWith("/") ? path : `${path}/` };
}
