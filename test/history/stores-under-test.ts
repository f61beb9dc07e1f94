import type { VoPersistenceOptions } from "../../src";
import { freshBuckets, influxForTests, InfluxServer } from "../helpers/influxdb-server";

/** The VO's store: the embedded one, or a real InfluxDB (started for the suite, stopped after it). */
export interface StoreUnderTest {
    name: string;
    options(ctx: Mocha.Context): Promise<VoPersistenceOptions>;
    stop(): Promise<void>;
}

export const embedded: StoreUnderTest = {
    name: "embedded store",
    options: async () => ({}),
    stop: async () => undefined,
};

export function influx(): StoreUnderTest {
    let server: InfluxServer | undefined;
    return {
        name: "real InfluxDB",
        async options(ctx) {
            const found = await influxForTests(ctx);
            server = found.server;
            const { url, org, token } = found.connection;
            return { influxdb: { url, org, token, buckets: freshBuckets() } };
        },
        stop: async () => server?.stop(),
    };
}

/** The stores a history suite runs on: the embedded one, then a real InfluxDB. */
export function storesUnderTest(): StoreUnderTest[] {
    return [embedded, influx()];
}
