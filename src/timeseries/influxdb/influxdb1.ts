import { HttpError, type Transport } from "@influxdata/influxdb-client";
import { quoteIdent } from "./influxql";
import { type InfluxQLError, queryOne } from "./influxql-endpoint";

/**
 * What differs on InfluxDB 1.x (1.8): no organisations and no buckets API. Its `/api/v2/write` takes a database
 * as the bucket (`db` or `db/rp`; without an rp, the database's default retention policy) and its token is
 * `username:password` (any text when auth is off); the store's reads are InfluxQL on `/query`, as on 2.x.
 */

/**
 * The server's major version from `/ping`'s `X-Influxdb-Version` header ("1.8.10", "v2.8.0"); undefined when it
 * names none (e.g. a proxy or a cloud service that answers `/ping` differently), which the store treats as 2.x.
 * Rejects only when the server cannot be reached.
 */
export async function serverMajorVersion(transport: Transport, signal?: AbortSignal): Promise<number | undefined> {
    let header: unknown;
    try {
        await transport.request("/ping", null, { method: "GET", signal }, (headers) => {
            header = headers["x-influxdb-version"];
        });
    } catch (err) {
        if (err instanceof HttpError) return undefined; // answered, but not as InfluxDB's /ping
        throw err;
    }
    const m = /^v?(\d+)\./.exec(typeof header === "string" ? header : "");
    return m ? Number(m[1]) : undefined;
}

/** The databases could not be looked up or created; the write path keeps the points in the spool and tries again. */
export class DatabaseSetupError extends Error {}

/**
 * Creates the databases that are missing, with a default retention policy of `retentionSeconds` (0: forever):
 * 1.x's counterpart of creating buckets. Existing databases are left as they are (their retention policies are the
 * operator's). Creating needs a user with ALL privileges; without one the error says what to create.
 */
export async function ensureDatabases(
    transport: Transport,
    names: readonly string[],
    retentionSeconds: number
): Promise<string[]> {
    const shown = await queryOne(transport, "", "SHOW DATABASES").catch((err: InfluxQLError) => {
        if (err.status === 401 || err.status === 403) {
            throw new DatabaseSetupError(
                `InfluxDB answered ${err.status}: the token was refused (check INFLUX_TOKEN / the token file; ` +
                    "on 1.x it is username:password)"
            );
        }
        throw new DatabaseSetupError(`cannot list the databases: ${err.message}`);
    });
    // 1.x leaves `values` out of a series without rows; a user without admin rights sees the databases it may use
    const existing = new Set(shown.flatMap((s) => (s.values ?? []).map((v) => String(v[0]))));
    const created: string[] = [];
    for (const name of names) {
        if (existing.has(name)) continue;
        const duration = retentionSeconds > 0 ? ` WITH DURATION ${retentionSeconds}s` : "";
        const statement = `CREATE DATABASE ${quoteIdent(name)}${duration}`;
        await queryOne(transport, "", statement).catch((err: Error) => {
            throw new DatabaseSetupError(
                `InfluxDB 1.x database ${JSON.stringify(name)} is missing and could not be created ` +
                    `(${err.message}): run ${statement} as an admin user, or give the VO's user ALL privileges`
            );
        });
        created.push(name);
    }
    return created;
}
