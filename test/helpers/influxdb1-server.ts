import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ChildServer } from "./child-server";
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
export class Influx1Server extends ChildServer implements InfluxConnection {
    /** Servers started and not stopped yet: a leftover keeps mocha from exiting, so the root hook stops them. */
    static readonly running = new Set<Influx1Server>();
    /** ignored by 1.x, sent all the same */
    readonly org = "wot";
    readonly token = `admin:${crypto.randomBytes(16).toString("hex")}`;

    private constructor(
        bin: string,
        dir: string,
        port: number,
        private readonly rpcPort: number,
        /** false: Flux off (`flux-enabled = false`), as 1.8 ships: only InfluxQL answers */
        readonly flux: boolean
    ) {
        super(bin, dir, port);
    }

    static async start(bin: string, flux = true): Promise<Influx1Server> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-influxd1-"));
        const server = new Influx1Server(bin, dir, await freeTcpPort(), await freeTcpPort(), flux);
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

    protected forget(): void {
        Influx1Server.running.delete(this);
    }

    protected launch(): Promise<void> {
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
            // for executeQuery (Flux) unless asked off; every read of the store is InfluxQL
            INFLUXDB_HTTP_FLUX_ENABLED: String(this.flux),
        };
        return this.spawnUntilReady(
            ["run", "-config", config],
            env,
            "/ping",
            (status) => status === 204,
            "influxd 1.x"
        );
    }
}

let skipNoticeShown = false;

/** A 1.8 server of the test's own. Skips without the binary, except under CI=true, where that is a failure. */
export async function ownInflux1Server(ctx: Mocha.Context, options: { flux?: boolean } = {}): Promise<Influx1Server> {
    const bin = influxd1Binary();
    if (bin === undefined) {
        const how = `no influxd ${INFLUXDB1_VERSION} binary: run \`scripts/influxdb1.sh install\``;
        if (process.env.CI === "true") throw new Error(how);
        if (!skipNoticeShown) console.log(`      (InfluxDB 1.x tests skipped: ${how})`);
        skipNoticeShown = true;
        ctx.skip();
    }
    return Influx1Server.start(bin!, options.flux ?? true);
}
