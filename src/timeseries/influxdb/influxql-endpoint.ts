import { HttpError, type Transport } from "@influxdata/influxdb-client";

/** One series of an InfluxQL answer: the measurement, the tags it was grouped by, its rows. */
export interface InfluxQLSeries {
    name: string;
    tags?: Record<string, string>;
    columns: string[];
    /** absent (1.x) when the series has no row */
    values?: unknown[][];
}

/** The JSON every version's `/query` answers (not chunked). */
interface QueryAnswer {
    results?: { statement_id?: number; series?: InfluxQLSeries[]; error?: string }[];
    error?: string;
    message?: string;
}

/** A statement InfluxDB could not run, or a `/query` request it refused; the message names why, never the token. */
export class InfluxQLError extends Error {
    constructor(
        message: string,
        /** the HTTP status when InfluxDB refused the request itself */
        readonly status?: number
    ) {
        super(message);
    }
}

/**
 * Runs InfluxQL on the v1-compatible `/query` endpoint of database `db` (on 2.x OSS a bucket's name: its
 * virtual DBRP mapping needs no setup). POSTed as a form, so a long statement is not held to a URL's length;
 * the transport sends the `Authorization: Token` header and applies the client's timeout. Times come back as
 * RFC 3339 text with every nanosecond (no `epoch`: nanoseconds as JSON numbers would lose digits past 2^53).
 * Resolves to the series of each statement; rejects with an InfluxQLError naming what went wrong.
 */
export async function queryInfluxQL(transport: Transport, db: string, statement: string): Promise<InfluxQLSeries[][]> {
    const body = new URLSearchParams({ db, q: statement }).toString();
    let answer: QueryAnswer;
    try {
        answer = (await transport.request("/query", body, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        })) as QueryAnswer;
    } catch (err) {
        throw new InfluxQLError(requestFailure(err), err instanceof HttpError ? err.statusCode : undefined);
    }
    if (answer === null || typeof answer !== "object" || !Array.isArray(answer.results)) {
        throw new InfluxQLError(`InfluxDB /query answered no results${answer?.error ? `: ${answer.error}` : ""}`);
    }
    return answer.results.map((result) => {
        if (result.error !== undefined) throw new InfluxQLError(`InfluxQL: ${result.error}${hint(result.error)}`);
        return result.series ?? [];
    });
}

/** The first statement's series, for requests of one statement. */
export async function queryOne(transport: Transport, db: string, statement: string): Promise<InfluxQLSeries[]> {
    const [series = []] = await queryInfluxQL(transport, db, statement);
    return series;
}

/** 2.x answers a token that may write a bucket but not read it as if the bucket were missing. */
function hint(error: string): string {
    return error.startsWith("database not found") ? " (no such bucket, or the token may not read it)" : "";
}

function requestFailure(err: unknown): string {
    if (err instanceof HttpError) {
        const what = `InfluxDB /query answered ${err.statusCode}`;
        if (err.statusCode === 401 || err.statusCode === 403) {
            return `${what}: the token was refused for queries (it needs read access to the bucket)`;
        }
        const json = err.json as QueryAnswer | undefined;
        const why = json?.error ?? json?.message ?? err.body ?? err.statusMessage;
        return why ? `${what}: ${why}` : what;
    }
    const e = err as { code?: string; message?: string; name?: string };
    if (e.name === "RequestTimedOutError") return "InfluxDB did not answer the query in time";
    return `InfluxDB unreachable: ${e.code ?? e.message}`;
}

/** Each row of each series as an object: its columns by name, with the series' measurement and group tags. */
export function seriesRows(series: readonly InfluxQLSeries[]): Record<string, unknown>[] {
    return series.flatMap((s) =>
        (s.values ?? []).map((values) => {
            const row: Record<string, unknown> = { _measurement: s.name, ...s.tags };
            s.columns.forEach((name, i) => (row[name] = values[i]));
            return row;
        })
    );
}
