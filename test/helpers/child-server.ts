import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * A server the tests run as a child process on 127.0.0.1, in a temporary directory of its own (InfluxDB 2.x and
 * 1.x): started until a readiness URL answers, killed, restarted on the same data and ports, stopped and removed.
 */
export abstract class ChildServer {
    private child: ChildProcess | undefined;
    private log = "";
    abstract readonly token: string;

    protected constructor(
        protected readonly bin: string,
        readonly dir: string,
        readonly port: number
    ) {}

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    /** Writes the token to a 0600 file in the server's directory and returns its path. */
    tokenFile(): string {
        const file = path.join(this.dir, "token");
        fs.writeFileSync(file, `${this.token}\n`, { mode: 0o600 });
        return file;
    }

    async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
        const child = this.child;
        if (child === undefined || child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill(signal);
        await exited;
        this.child = undefined;
    }

    /** Killed and started again on the same data and ports. */
    async restart(): Promise<void> {
        await this.kill();
        await this.launch();
    }

    async stop(): Promise<void> {
        this.forget();
        await this.kill("SIGTERM");
        fs.rmSync(this.dir, { recursive: true, force: true });
    }

    /** Takes the server off its class's list of running ones (the root hook stops what is left there). */
    protected abstract forget(): void;

    protected abstract launch(): Promise<void>;

    /** Spawns the binary and waits (at most 60 s) until `readyPath` answers `ready`; fails with its log if not. */
    protected async spawnUntilReady(
        args: string[],
        env: NodeJS.ProcessEnv,
        readyPath: string,
        ready: (status: number) => boolean,
        name: string
    ): Promise<void> {
        const child = spawn(this.bin, args, { env, stdio: ["ignore", "pipe", "pipe"] });
        this.child = child;
        child.stdout!.on("data", (d) => (this.log = (this.log + d).slice(-4000)));
        child.stderr!.on("data", (d) => (this.log = (this.log + d).slice(-4000)));
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
            if (child.exitCode !== null) throw new Error(`${name} exited at start: ${this.log}`);
            try {
                if (ready((await fetch(`${this.url}${readyPath}`)).status)) return;
            } catch {
                // not listening yet
            }
            await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error(`${name} not answering ${readyPath} after 60 s: ${this.log}`);
    }
}
