/**
 * `node-wot-vo copy-to-influx`: copies the history of the embedded store (the VO's SQLite file) into InfluxDB,
 * for a VO that moves its time series there.
 *
 *     node-wot-vo copy-to-influx --config vo.yaml [--progress <file>]
 *     INFLUX_TOKEN_FILE=token node-wot-vo copy-to-influx --sqlite vo.sqlite --influx-url http://host:8086 [--org wot]
 */
import { parseArgs } from "node:util";
import { HttpError } from "@influxdata/influxdb-client";
import { VoError } from "../model/errors";
import type { ResolvedInfluxDbOptions } from "../options/influxdb-options";
import { resolveOptions } from "../options/vo-options";
import { CopyInputError, copyToInflux } from "../timeseries/copy-to-influx";
import { loadDescriptorReport } from "./descriptor";

export const COPY_TO_INFLUX_USAGE = `  node-wot-vo copy-to-influx [--config <descriptor.yaml>] [--sqlite <file>] [--influx-url <url>] [--org <org>]
                            [--progress <file>] [--page <points>]`;

export const COPY_TO_INFLUX_HELP = `  copy-to-influx  copies every record of the embedded store (the VO's SQLite file) into InfluxDB, in the
                per-kind layout a VO recording to InfluxDB writes; timestamps and tags are kept, so a second
                run adds nothing. The file is the descriptor's sqlite.path, or --sqlite; the server, org,
                buckets and token come from the descriptor's influxdb section, else from --influx-url,
                --org, INFLUX_URL, INFLUX_ORG and INFLUX_TOKEN_FILE / INFLUX_TOKEN (never a flag);
                --progress (default <file>.influx-copy.json) records how far it got, and a run stopped
                anywhere resumes there. The VO's own tables (vo_status, device_status, vo_run) stay in
                the SQLite file, which a VO on InfluxDB keeps using`;

export class CopyToInfluxCommandError extends VoError {
    readonly kind = "invalid-input";

    constructor(message: string) {
        super(`node-wot-vo copy-to-influx: ${message}`);
    }
}

export interface CopyToInfluxCommand {
    config?: string;
    sqlite?: string;
    influxUrl?: string;
    org?: string;
    progress?: string;
    page?: number;
}

export function parseCopyToInfluxCommand(argv: string[]): CopyToInfluxCommand {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            options: {
                config: { type: "string", short: "f" },
                sqlite: { type: "string" },
                "influx-url": { type: "string" },
                org: { type: "string" },
                progress: { type: "string" },
                page: { type: "string" },
            },
        });
    } catch (err) {
        throw new CopyToInfluxCommandError((err as Error).message);
    }
    const { config, sqlite, org, progress, page } = parsed.values;
    if (page !== undefined && !/^[1-9]\d{0,5}$/.test(page)) {
        throw new CopyToInfluxCommandError(`--page: points per page, 1 to 999999, got ${JSON.stringify(page)}`);
    }
    for (const [flag, v] of Object.entries({
        config,
        sqlite,
        org,
        progress,
        "influx-url": parsed.values["influx-url"],
    })) {
        if (v === "") throw new CopyToInfluxCommandError(`--${flag}: a value is needed`);
    }
    if (config === undefined && sqlite === undefined) {
        throw new CopyToInfluxCommandError("give --config <descriptor> or --sqlite <file>: the SQLite file to copy");
    }
    return {
        config,
        sqlite,
        influxUrl: parsed.values["influx-url"],
        org,
        progress,
        page: page === undefined ? undefined : Number(page),
    };
}

/** The SQLite file and InfluxDB settings: the descriptor's, flags and the environment over them. */
function settings(
    command: CopyToInfluxCommand,
    env: NodeJS.ProcessEnv
): { sqlite: string; influxdb: ResolvedInfluxDbOptions } {
    const flags = { url: command.influxUrl, org: command.org };
    // a bad option or descriptor is named by its own error (status 2)
    if (command.config === undefined) {
        return { sqlite: command.sqlite!, influxdb: resolveOptions({ influxdb: flags }, env).influxdb! };
    }
    const { persistence } = loadDescriptorReport(command.config).config;
    const given = persistence.influxdb ?? flags;
    const influxdb = { ...given, url: command.influxUrl ?? given.url, org: command.org ?? given.org };
    const resolved = resolveOptions({ ...persistence, influxdb }, env);
    return { sqlite: command.sqlite ?? resolved.sqlitePath, influxdb: resolved.influxdb! };
}

/** Runs the copy, printing its progress with `out`; rejects naming what failed (never the token). */
export async function runCopyToInfluxCommand(
    command: CopyToInfluxCommand,
    out: (line: string) => void,
    env: NodeJS.ProcessEnv = process.env
): Promise<void> {
    const { sqlite, influxdb } = settings(command, env);
    if (influxdb.layout === "per-thing") {
        throw new CopyToInfluxCommandError(
            "influxdb.layout is per-thing, and the copy writes the per-kind layout: run migrate-influx and drop the option first"
        );
    }
    const progressFile = command.progress ?? `${sqlite}.influx-copy.json`;
    out(`copying the history in ${sqlite} to ${influxdb.url} (progress in ${progressFile})`);
    try {
        const r = await copyToInflux({
            sqliteFile: sqlite,
            influxdb,
            progressFile,
            pagePoints: command.page,
            log: out,
        });
        if (r.beyondRetention > 0) {
            out(
                `${r.beyondRetention} point(s) older than their bucket's retention were dropped by InfluxDB ` +
                    "(to keep them, lengthen the bucket's retention and run the copy again without its progress file)"
            );
        }
        out(
            `done: ${r.copied} point(s) of ${r.series} series copied in ${r.seconds.toFixed(1)} s. ` +
                `The VO's own state (vo_status, device_status, vo_run: its gaps) stays in ${sqlite}, ` +
                "which the VO keeps using with InfluxDB; the records stay there too until you remove the file's copy."
        );
    } catch (err) {
        if (err instanceof CopyInputError) throw new CopyToInfluxCommandError(err.message);
        if (err instanceof HttpError) {
            const why = err.statusCode === 401 || err.statusCode === 403 ? "the token was refused" : (err.body ?? "");
            throw new Error(`InfluxDB answered ${err.statusCode}: ${why}`);
        }
        const code = (err as { code?: string }).code;
        if (code !== undefined && !(err instanceof VoError)) {
            throw new Error(`InfluxDB at ${influxdb.url} unreachable: ${code}`);
        }
        throw err;
    }
}
