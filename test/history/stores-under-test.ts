import type { VoPersistenceOptions } from "../../src";
import { freshBuckets, influxForTests, InfluxServer } from "../helpers/influxdb-server";
import { Influx1Server, ownInflux1Server } from "../helpers/influxdb1-server";

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

/** A real InfluxDB 1.8 of the suite's own, authentication on (the VO creates its databases). */
export function influx1(): StoreUnderTest {
    let server: Influx1Server | undefined;
    return {
        name: "real InfluxDB 1.8",
        async options(ctx) {
            server = await ownInflux1Server(ctx);
            const { url, org, token } = server;
            return { influxdb: { url, org, token, buckets: freshBuckets() } };
        },
        stop: async () => server?.stop(),
    };
}

/** The stores a history suite runs on: the embedded one, then a real InfluxDB 2.x, then a real InfluxDB 1.8. */
export function storesUnderTest(): StoreUnderTest[] {
    return [embedded, influx(), influx1()];
}
