import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ChildServer } from "./child-server";
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
export class InfluxServer extends ChildServer implements InfluxConnection {
    /** Servers started and not stopped yet: a leftover keeps mocha from exiting, so the root hook stops them. */
    static readonly running = new Set<InfluxServer>();
    readonly org = "wot";

    private constructor(
        bin: string,
        dir: string,
        port: number,
        readonly token: string
    ) {
        super(bin, dir, port);
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

    protected forget(): void {
        InfluxServer.running.delete(this);
    }

    protected launch(): Promise<void> {
        return this.spawnUntilReady(
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
            { ...process.env, INFLUXD_CONFIG_PATH: this.dir },
            "/health",
            (status) => status >= 200 && status < 300,
            "influxd"
        );
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
