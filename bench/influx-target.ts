import fs from "node:fs";
import { InfluxConnection, influxdBinary, InfluxServer } from "../test/helpers/influxdb-server";

/** The InfluxDB a bench uses, with the environment a server process needs to record into it. */
export interface InfluxTarget {
    connection: InfluxConnection;
    /** INFLUX_URL, INFLUX_ORG and INFLUX_TOKEN_FILE (or INFLUX_TOKEN) for bench/servers */
    env: NodeJS.ProcessEnv;
    /** set when the bench started its own influxd (test/helpers), which it must stop */
    server?: InfluxServer;
}

/**
 * INFLUX_URL (+ INFLUX_TOKEN or INFLUX_TOKEN_FILE, INFLUX_ORG) when set, otherwise a fresh influxd
 * from the binary `scripts/influxdb.sh install` caches; undefined when there is neither.
 * `own`: always a fresh influxd (for benches that kill it), never INFLUX_URL.
 */
export async function influxTarget(own = false): Promise<InfluxTarget | undefined> {
    if (process.env.INFLUX_URL && !own) {
        const token =
            process.env.INFLUX_TOKEN ??
            (process.env.INFLUX_TOKEN_FILE ? fs.readFileSync(process.env.INFLUX_TOKEN_FILE, "utf8").trim() : "");
        const connection = { url: process.env.INFLUX_URL, org: process.env.INFLUX_ORG ?? "wot", token };
        return { connection, env: process.env };
    }
    const bin = influxdBinary();
    if (bin === undefined) return undefined;
    const server = await InfluxServer.start(bin);
    const env = {
        ...process.env,
        INFLUX_URL: server.url,
        INFLUX_ORG: server.org,
        INFLUX_TOKEN_FILE: server.tokenFile(),
    };
    return { connection: server, env, server };
}
