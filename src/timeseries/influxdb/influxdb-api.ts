import { VoError } from "../../model/errors";

/** A row of a Flux result: column name -> value. */
export type FluxRow = Record<string, unknown>;

/** The InfluxDB API a VO script reaches as `servient.influxdb`. */
export interface InfluxDbApi {
    /** Runs a Flux query and returns its rows. */
    executeQuery(flux: string): Promise<FluxRow[]>;
}

export class InfluxDbNotConfiguredError extends VoError {
    readonly kind = "invalid-input";

    constructor() {
        super(
            "InfluxDB is not configured for this VO: pass `influxdb` options (url, org, token) to VoPersistence.attach. " +
                "The time series are in the embedded SQLite store: use servient.vo.history() or servient.sqliteDb.executeQuery()."
        );
    }
}

/** Stands in for `servient.influxdb` when no InfluxDB is configured, so the mistake is named. */
export const notConfiguredInfluxDb: InfluxDbApi = {
    executeQuery: () => Promise.reject(new InfluxDbNotConfiguredError()),
};
