import { ChildProcess, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freeTcpPort } from "./free-port";

/** Where scripts/influxdb.sh caches the influxd it builds (same defaults). */
export function influxdBinary(): string | undefined {
    if (process.env.INFLUXD_BIN) return process.env.INFLUXD_BIN;
    const cache = process.env.NODE_WOT_VO_CACHE ?? path.join(os.homedir(), ".cache", "node-wot-vo");
    const bin = path.join(cache, "influxdb", process.env.INFLUXDB_VERSION ?? "v2.8.0", "influxd");
    return fs.existsSync(bin) ? bin : undefined;
}

export interface InfluxConnection {
    url: string;
    org: string;
    token: string;
}

/**
 * A real influxd started by the tests on 127.0.0.1 with a temporary data directory, onboarded
 * with a random token; it can be killed and restarted on the same data and port.
 */
export class InfluxServer implements InfluxConnection {
    /** Servers started and not stopped yet: a leftover keeps mocha from exiting, so the root hook stops them. */
    static readonly running = new Set<InfluxServer>();
    readonly org = "wot";
    private child: ChildProcess | undefined;
    private log = "";

    private constructor(
        private readonly bin: string,
        readonly dir: string,
        readonly port: number,
        readonly token: string
    ) {}

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    static async start(bin: string): Promise<InfluxServer> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-influxd-"));
        const server = new InfluxServer(bin, dir, await freeTcpPort(), crypto.randomBytes(24).toString("hex"));
        InfluxServer.running.add(server);
        await server.launch();
        const res = await fetch(`${server.url}/api/v2/setup`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
                username: "wot",
                password: crypto.randomBytes(16).toString("hex"),
                org: server.org,
                bucket: "default",
                token: server.token,
            }),
        });
        if (res.status !== 201) throw new Error(`influxd onboarding failed: HTTP ${res.status} ${await res.text()}`);
        return server;
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

    async restart(): Promise<void> {
        await this.kill();
        await this.launch();
    }

    async stop(): Promise<void> {
        InfluxServer.running.delete(this);
        await this.kill("SIGTERM");
        fs.rmSync(this.dir, { recursive: true, force: true });
    }

    private async launch(): Promise<void> {
        const child = spawn(
            this.bin,
            [
                "--http-bind-address",
                `127.0.0.1:${this.port}`,
                "--bolt-path",
                path.join(this.dir, "influxd.bolt"),
                "--sqlite-path",
                path.join(this.dir, "influxd.sqlite"),
                "--engine-path",
                path.join(this.dir, "engine"),
                "--reporting-disabled",
                "--ui-disabled",
                "--log-level",
                "warn",
            ],
            { env: { ...process.env, INFLUXD_CONFIG_PATH: this.dir }, stdio: ["ignore", "pipe", "pipe"] }
        );
        this.child = child;
        child.stdout!.on("data", (d) => (this.log = (this.log + d).slice(-4000)));
        child.stderr!.on("data", (d) => (this.log = (this.log + d).slice(-4000)));
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
            if (child.exitCode !== null) throw new Error(`influxd exited at start: ${this.log}`);
            try {
                const res = await fetch(`${this.url}/health`);
                if (res.ok) return;
            } catch {
                // not listening yet
            }
            await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error(`influxd not healthy after 60 s: ${this.log}`);
    }
}

/**
 * The InfluxDB the tests use: INFLUX_URL (+ INFLUX_TOKEN or INFLUX_TOKEN_FILE, INFLUX_ORG) when set,
 * otherwise a server started from the cached binary. Without either, the suite is skipped with one
 * line saying how to get it, except under CI=true, where that is a failure.
 */
export async function influxForTests(
    ctx: Mocha.Context
): Promise<{ connection: InfluxConnection; server?: InfluxServer }> {
    if (process.env.INFLUX_URL) {
        const token =
            process.env.INFLUX_TOKEN ??
            (process.env.INFLUX_TOKEN_FILE ? fs.readFileSync(process.env.INFLUX_TOKEN_FILE, "utf8").trim() : "");
        return { connection: { url: process.env.INFLUX_URL, org: process.env.INFLUX_ORG ?? "wot", token } };
    }
    const server = await ownInfluxServer(ctx, " (or set INFLUX_URL and INFLUX_TOKEN)");
    return { connection: server, server };
}

/**
 * A server of the test's own, for tests that kill and restart it: needs the binary even when
 * INFLUX_URL is set. Skips (fails under CI=true) without it.
 */
let skipNoticeShown = false;

export async function ownInfluxServer(ctx: Mocha.Context, alternative = ""): Promise<InfluxServer> {
    const bin = influxdBinary();
    if (bin === undefined) {
        const how = `no influxd binary: run \`scripts/influxdb.sh install\`${alternative}`;
        if (process.env.CI === "true") throw new Error(how);
        if (!skipNoticeShown) console.log(`      (InfluxDB tests skipped: ${how})`);
        skipNoticeShown = true;
        ctx.skip();
    }
    return InfluxServer.start(bin!);
}

/** Bucket names of one test, so tests sharing a server never see each other's points. */
export function freshBuckets(): { properties: string; actions: string; events: string } {
    const id = crypto.randomBytes(4).toString("hex");
    return { properties: `p-${id}`, actions: `a-${id}`, events: `e-${id}` };
}
