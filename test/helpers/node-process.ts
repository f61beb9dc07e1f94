import { ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
import { Database, SqlParams } from "../../src/sqlite/database";
import { waitFor } from "./vo-fixture";

/** The repository root (tests run from dist/test). */
export const ROOT = path.join(__dirname, "..", "..", "..");
export const CLI = path.join(ROOT, "dist", "src", "cli", "main.js");

/** A Node.js child process whose output is kept, for examples and the CLI. */
export class NodeProcess {
    /** Processes started and not exited yet: the root hook kills leftovers so mocha can exit. */
    static readonly running = new Set<NodeProcess>();
    output = "";
    private readonly exit: Promise<number | null>;

    constructor(
        readonly args: string[],
        env: NodeJS.ProcessEnv = {},
        cwd = ROOT,
        /** the node executable: this one unless another Node.js is asked for (see `nodeOfVersion`) */
        node = process.execPath
    ) {
        this.child = spawn(node, args, { cwd, env: { ...process.env, ...env } });
        this.child.stdout!.on("data", (d) => (this.output += d));
        this.child.stderr!.on("data", (d) => (this.output += d));
        NodeProcess.running.add(this);
        this.exit = new Promise((resolve) =>
            this.child.once("exit", (code) => {
                NodeProcess.running.delete(this);
                resolve(code);
            })
        );
    }

    readonly child: ChildProcess;

    get running(): boolean {
        return this.child.exitCode === null && this.child.signalCode === null;
    }

    /** Waits for `text` in the output; fails with the output so far, or early when the process exits. */
    async waitForOutput(text: string | RegExp, ms = 15_000): Promise<void> {
        const seen = () => (typeof text === "string" ? this.output.includes(text) : text.test(this.output));
        try {
            await waitFor(
                () => {
                    if (seen()) return true;
                    if (!this.running) throw new Error(`exited (${this.child.exitCode})`);
                    return false;
                },
                ms,
                `${JSON.stringify(String(text))} from node ${this.args.join(" ")}`
            );
        } catch (err) {
            throw new Error(`${(err as Error).message}\n--- output:\n${this.output}`);
        }
    }

    /** Sends the signal and resolves with the exit code. */
    async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
        if (this.running) this.child.kill(signal);
        return this.exited();
    }

    exited(): Promise<number | null> {
        return this.exit;
    }
}

/**
 * The node executable of a Node.js version, fetched once from the npm registry into the project's cache by
 * `scripts/node-lts.sh` (the official binaries); the running one when it is that version already.
 */
export function nodeOfVersion(version: string): Promise<string> {
    if (process.version === `v${version}`) return Promise.resolve(process.execPath);
    const script = path.join(ROOT, "scripts", "node-lts.sh");
    return new Promise((resolve, reject) =>
        execFile(
            script,
            ["-p", "process.execPath"],
            { env: { ...process.env, NODE_LTS_VERSION: version }, timeout: 5 * 60_000 },
            (err, stdout, stderr) =>
                err ? reject(new Error(`${script}: ${stderr || err.message}`)) : resolve(stdout.trim())
        )
    );
}

/** Writes a copy of an example descriptor with some keys changed (ports, paths) to `file`. */
export function descriptorCopy(example: string, file: string, changes: [string[], unknown][]): string {
    const doc = parseDocument(fs.readFileSync(path.join(ROOT, example), "utf8"));
    for (const [keyPath, value] of changes) doc.setIn(keyPath, value);
    fs.writeFileSync(file, doc.toString());
    return file;
}

/** The rows of one query on a VO's SQLite file, opened for this query only (the VO keeps writing to it). */
export async function queryFile<T = unknown>(file: string, sql: string, params: SqlParams = []): Promise<T[]> {
    const db = await Database.open(file);
    try {
        return await db.all<T>(sql, params);
    } finally {
        await db.close();
    }
}

/** The device's liveness as a VO's status Thing tells it (alive, suspect, lost, ...). */
export async function deviceStateAt(httpPort: number): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${httpPort}/vostatus/properties/device`);
    return ((await res.json()) as { state: string }).state;
}
