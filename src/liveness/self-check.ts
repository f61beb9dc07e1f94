import { formatAddress } from "../model/address";
import { probeFor } from "./device-probe";

/**
 * `vo_status.status` codes (the original column), as vo-wot's `vo_status()` writes them: 1 the VO answers
 * (ok, or degraded: some check failed), 0 it failed. The `state` column says which of the three.
 */
export const VO_STATUS = { ok: 1, degraded: 1, failed: 0 } as const;
export type VoStatusName = keyof typeof VO_STATUS;

export interface CheckResult {
    ok: boolean;
    detail: string;
}

export interface SelfCheckResult {
    status: VoStatusName;
    code: number;
    time: Date;
    checks: Record<string, CheckResult>;
}

/** A protocol server as node-wot has it: scheme and port (and the address it was bound to, if any). */
export interface ServerUnderCheck {
    scheme: string;
    getPort(): number;
    address?: string;
}

export type StoreCheck = () => Promise<CheckResult> | CheckResult;

function loopbackFor(address: string | undefined): string {
    if (address === undefined || address === "" || address === "0.0.0.0") return "127.0.0.1";
    if (address === "::") return "::1";
    return address;
}

/** Asked the way a device is (device-probe): an HTTP GET of the server's root, a CoAP ping. */
async function checkServer(server: ServerUnderCheck, timeoutMs: number): Promise<CheckResult> {
    const port = server.getPort();
    if (!(port > 0)) return { ok: false, detail: "not listening" };
    const root = `${server.scheme}://${formatAddress(loopbackFor(server.address), port)}/`;
    try {
        return { ok: true, detail: await probeFor(root).probe(timeoutMs) };
    } catch (err) {
        return { ok: false, detail: (err as Error).message };
    }
}

/**
 * One self-check: every protocol server is asked through its real port (HTTP GET of its root,
 * CoAP ping), and every store check runs. ok when everything passes; failed when no server
 * answers or a store check named `critical` fails; degraded otherwise.
 */
export async function runSelfCheck(
    servers: readonly ServerUnderCheck[],
    stores: Record<string, StoreCheck>,
    timeoutMs: number,
    critical: readonly string[] = ["sqlite"]
): Promise<SelfCheckResult> {
    const checks: Record<string, CheckResult> = {};
    const serverResults = await Promise.all(servers.map((s) => checkServer(s, timeoutMs)));
    // keyed by scheme (scheme#n when there are several): a stopped server loses its port
    servers.forEach((s, i) => {
        const same = servers.filter((o) => o.scheme === s.scheme);
        checks[same.length > 1 ? `${s.scheme}#${same.indexOf(s) + 1}` : s.scheme] = serverResults[i];
    });
    for (const [name, check] of Object.entries(stores)) {
        try {
            checks[name] = await check();
        } catch (err) {
            checks[name] = { ok: false, detail: (err as Error).message };
        }
    }
    const failed = Object.entries(checks).filter(([, c]) => !c.ok);
    const noServer = servers.length > 0 && serverResults.every((r) => !r.ok);
    const status: VoStatusName =
        failed.length === 0
            ? "ok"
            : noServer || failed.some(([name]) => critical.includes(name))
              ? "failed"
              : "degraded";
    return { status, code: VO_STATUS[status], time: new Date(), checks };
}
