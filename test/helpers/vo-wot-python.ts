import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** The python of the virtual environment scripts/vo-wot.sh installs vo-wot in (same defaults), or VO_WOT_PYTHON. */
export function voWotPythonPath(): string | undefined {
    if (process.env.VO_WOT_PYTHON) return process.env.VO_WOT_PYTHON;
    const cache = process.env.NODE_WOT_VO_CACHE ?? path.join(os.homedir(), ".cache", "node-wot-vo");
    const venv = path.join(cache, "vo-wot-venv", process.env.VO_WOT_VERSION ?? "0.19.0");
    // the marker is written last: an environment without it is a broken install
    if (!fs.existsSync(path.join(venv, ".node-wot-vo-installed"))) return undefined;
    const python = path.join(venv, "bin", "python");
    return fs.existsSync(python) ? python : undefined;
}

let skipNoticeShown = false;

/**
 * vo-wot's python for a test. Without it the test is skipped with one line, unless CI=true, where a
 * missing environment fails the test, naming the script that installs it.
 */
export function voWotPythonFor(ctx: Mocha.Context): string {
    const python = voWotPythonPath();
    if (python !== undefined) return python;
    const how = "no vo-wot virtual environment: run `scripts/vo-wot.sh install` (or set VO_WOT_PYTHON)";
    if (process.env.CI === "true") throw new Error(how);
    if (!skipNoticeShown) console.log(`      (vo-wot client tests skipped: ${how})`);
    skipNoticeShown = true;
    ctx.skip();
}

/** Runs a Python script with vo-wot's python: what it printed and its exit code, bounded by `timeoutMs`. */
export function runPython(
    python: string,
    script: string,
    args: string[],
    timeoutMs = 60_000
): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        execFile(python, [script, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
            if (err !== null && typeof err.code !== "number") return reject(err);
            resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr });
        });
    });
}
