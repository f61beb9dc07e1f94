import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Where scripts/promtool.sh caches the promtool it builds (same defaults), or PROMTOOL_BIN. */
export function promtoolBinary(): string | undefined {
    if (process.env.PROMTOOL_BIN) return process.env.PROMTOOL_BIN;
    const cache = process.env.NODE_WOT_VO_CACHE ?? path.join(os.homedir(), ".cache", "node-wot-vo");
    const bin = path.join(cache, "promtool", process.env.PROMETHEUS_VERSION ?? "v0.316.0", "promtool");
    return fs.existsSync(bin) ? bin : undefined;
}

/**
 * promtool for a test: skipped, saying so, only with NODE_WOT_VO_QUICK_TESTS=1 (and not under CI=true);
 * otherwise a missing promtool fails the test, naming the script that installs it.
 */
export function promtoolFor(ctx: Mocha.Context): string {
    const bin = promtoolBinary();
    if (bin !== undefined) return bin;
    const how = "no promtool: run `scripts/promtool.sh install` (or set PROMTOOL_BIN)";
    if (process.env.NODE_WOT_VO_QUICK_TESTS === "1" && process.env.CI !== "true") {
        console.log(`      (promtool check skipped with NODE_WOT_VO_QUICK_TESTS=1: ${how})`);
        ctx.skip();
    }
    throw new Error(how);
}

/** `promtool check metrics` on an exposition (stdin): its exit code and everything it printed. */
export function checkMetrics(bin: string, exposition: string): Promise<{ code: number; output: string }> {
    return new Promise((resolve, reject) => {
        const child = execFile(bin, ["check", "metrics"], { timeout: 30_000 }, (err, stdout, stderr) => {
            const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
            if (err !== null && typeof err.code !== "number") return reject(err);
            resolve({ code, output: `${stdout}${stderr}` });
        });
        child.stdin!.end(exposition);
    });
}
