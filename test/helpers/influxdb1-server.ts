import { ChildProcess, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freeTcpPort } from "./free-port";
import type { InfluxConnection } from "./influxdb-server";

export const INFLUXDB1_VERSION = process.env.INFLUXDB1_VERSION ?? "v1.8.10";

/** Where scripts/influxdb1.sh caches the influxd 1.8 it builds (same defaults). */
export function influxd1Binary(): string | undefined {
    if (process.env.INFLUXD1_BIN) return process.env.INFLUXD1_BIN;
    const cache = process.env.NODE_WOT_VO_CACHE ?? path.join(os.homedir(), ".cache", "node-wot-vo");
    const bin = path.join(cache, "influxdb", INFLUXDB1_VERSION, "influxd");
    return fs.existsSync(bin) ? bin : undefined;
}

/**
 * A real InfluxDB 1.8 started by the tests on 127.0.0.1 with a temporary data directory, set up as an operator
 * would: authentication on, one admin user (created by the first query, as 1.x allows while it has no user),
 * whose `username:password` is the token the store sends. Configured through its INFLUXDB_* environment
 * variables over an empty config file, so no config of the machine is read. It can be killed and restarted on the
 * same data and ports.
 */
export class Influx1Server implements InfluxConnection {
    /** Servers started and not stopped yet: a leftover keeps mocha from exiting, so the root hook stops them. */
    static readonly running = new Set<Influx1Server>();
    /** ignored by 1.x, sent all the same */
    readonly org = "wot";
    readonly token = `admin:${crypto.randomBytes(16).toString("hex")}`;
    private child: ChildProcess | undefined;
    private log = "";

    private constructor(
        private readonly bin: string,
        readonly dir: string,
        readonly port: number,
        private readonly rpcPort: number
    ) {}

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    static async start(bin: string): Promise<Influx1Server> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-influxd1-"));
        const server = new Influx1Server(bin, dir, await freeTcpPort(), await freeTcpPort());
        Influx1Server.running.add(server);
        await server.launch();
        const password = server.token.slice("admin:".length);
        const res = await fetch(`${server.url}/query`, {
            method: "POST",
            body: new URLSearchParams({ q: `CREATE USER "admin" WITH PASSWORD '${password}' WITH ALL PRIVILEGES` }),
        });
        if (res.status !== 200) throw new Error(`influxd 1.x set-up failed: HTTP ${res.status} ${await res.text()}`);
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

    /** Killed and started again on the same data and ports. */
    async restart(): Promise<void> {
        await this.kill();
        await this.launch();
    }

    async stop(): Promise<void> {
        Influx1Server.running.delete(this);
        await this.kill("SIGTERM");
        fs.rmSync(this.dir, { recursive: true, force: true });
    }

    private async launch(): Promise<void> {
        const config = path.join(this.dir, "influxdb.conf");
        fs.writeFileSync(config, "");
        const env = {
            ...process.env,
            INFLUXDB_META_DIR: path.join(this.dir, "meta"),
            INFLUXDB_DATA_DIR: path.join(this.dir, "data"),
            INFLUXDB_DATA_WAL_DIR: path.join(this.dir, "wal"),
            INFLUXDB_HTTP_BIND_ADDRESS: `127.0.0.1:${this.port}`,
            INFLUXDB_BIND_ADDRESS: `127.0.0.1:${this.rpcPort}`, // backup/restore RPC, on by default
            INFLUXDB_HTTP_AUTH_ENABLED: "true",
            INFLUXDB_REPORTING_DISABLED: "true",
            INFLUXDB_HTTP_LOG_ENABLED: "false",
            INFLUXDB_DATA_QUERY_LOG_ENABLED: "false",
            INFLUXDB_LOGGING_LEVEL: "warn",
            INFLUXDB_HTTP_FLUX_ENABLED: "true", // for executeQuery (Flux); every read of the store is InfluxQL
        };
        const child = spawn(this.bin, ["run", "-config", config], { env, stdio: ["ignore", "pipe", "pipe"] });
        this.child = child;
        child.stdout!.on("data", (d) => (this.log = (this.log + d).slice(-4000)));
        child.stderr!.on("data", (d) => (this.log = (this.log + d).slice(-4000)));
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
            if (child.exitCode !== null) throw new Error(`influxd 1.x exited at start: ${this.log}`);
            try {
                if ((await fetch(`${this.url}/ping`)).status === 204) return;
            } catch {
                // not listening yet
            }
            await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error(`influxd 1.x not answering /ping after 60 s: ${this.log}`);
    }
}

let skipNoticeShown = false;

/** A 1.8 server of the test's own. Skips without the binary, except under CI=true, where that is a failure. */
export async function ownInflux1Server(ctx: Mocha.Context): Promise<Influx1Server> {
    const bin = influxd1Binary();
    if (bin === undefined) {
        const how = `no influxd ${INFLUXDB1_VERSION} binary: run \`scripts/influxdb1.sh install\``;
        if (process.env.CI === "true") throw new Error(how);
        if (!skipNoticeShown) console.log(`      (InfluxDB 1.x tests skipped: ${how})`);
        skipNoticeShown = true;
        ctx.skip();
    }
    return Influx1Server.start(bin!);
}
