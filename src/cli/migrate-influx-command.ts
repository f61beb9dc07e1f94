/**
 * `node-wot-vo migrate-influx`: copies the records earlier releases wrote to InfluxDB (a measurement per Thing)
 * into the per-kind layout (a measurement per kind, the Thing as a tag) that InfluxDB 3's table limits need.
 *
 *     node-wot-vo migrate-influx [--config vo.yaml] [--progress influx-migration.json]
 */
import { parseArgs } from "node:util";
import { HttpError } from "@influxdata/influxdb-client";
import { VoError } from "../model/errors";
import { resolveInfluxDbOptions, type ResolvedInfluxDbOptions } from "../options/influxdb-options";
import { resolveOptions } from "../options/vo-options";
import { migrateLayout } from "../timeseries/influxdb/layout-migration";
import { loadDescriptorReport } from "./descriptor";

export const MIGRATE_INFLUX_USAGE = `  node-wot-vo migrate-influx [--config <descriptor.yaml>] [--progress <file>] [--page <points>]`;

export const MIGRATE_INFLUX_HELP = `  migrate-influx  copies the records of the per-thing InfluxDB layout (a measurement per Thing, earlier
                releases) into the per-kind layout of the same buckets (a measurement per kind, the Thing as a
                tag); timestamps and tags are kept, so a second run adds nothing. The server, org, buckets and
                token come from the descriptor's influxdb section, or without --config from INFLUX_URL,
                INFLUX_ORG and INFLUX_TOKEN_FILE / INFLUX_TOKEN; --progress (default
                influx-migration.json) records how far it got, and a run stopped anywhere resumes there`;

const DEFAULT_PROGRESS_FILE = "influx-migration.json";

export class MigrateInfluxCommandError extends VoError {
    readonly kind = "invalid-input";

    constructor(message: string) {
        super(`node-wot-vo migrate-influx: ${message}`);
    }
}

export interface MigrateInfluxCommand {
    config?: string;
    progress: string;
    page?: number;
}

export function parseMigrateInfluxCommand(argv: string[]): MigrateInfluxCommand {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            options: {
                config: { type: "string", short: "f" },
                progress: { type: "string" },
                page: { type: "string" },
            },
        });
    } catch (err) {
        throw new MigrateInfluxCommandError((err as Error).message);
    }
    const { config, progress, page } = parsed.values;
    if (page !== undefined && !/^[1-9]\d{0,5}$/.test(page)) {
        throw new MigrateInfluxCommandError(`--page: points per page, 1 to 999999, got ${JSON.stringify(page)}`);
    }
    if (progress === "") throw new MigrateInfluxCommandError("--progress: a file name is needed");
    return { config, progress: progress ?? DEFAULT_PROGRESS_FILE, page: page === undefined ? undefined : Number(page) };
}

/** The InfluxDB settings of the descriptor, or of the environment; the token never leaves them. */
function influxOptions(command: MigrateInfluxCommand, env: NodeJS.ProcessEnv): ResolvedInfluxDbOptions {
    if (command.config === undefined) {
        try {
            return resolveInfluxDbOptions({}, env);
        } catch (err) {
            throw new MigrateInfluxCommandError(`without --config, ${(err as Error).message}`);
        }
    }
    const { config } = loadDescriptorReport(command.config);
    const influxdb = resolveOptions(config.persistence, env).influxdb;
    if (influxdb === undefined) {
        throw new MigrateInfluxCommandError(`${command.config} records to no InfluxDB (influxdb is not enabled)`);
    }
    return influxdb;
}

/** Runs the migration, printing its progress with `out`; rejects naming what failed (never the token). */
export async function runMigrateInfluxCommand(
    command: MigrateInfluxCommand,
    out: (line: string) => void,
    env: NodeJS.ProcessEnv = process.env
): Promise<void> {
    const influxdb = influxOptions(command, env);
    out(`copying per-thing records to the per-kind layout on ${influxdb.url} (progress in ${command.progress})`);
    try {
        const { measurements, points } = await migrateLayout({
            influxdb,
            progressFile: command.progress,
            pagePoints: command.page,
            log: out,
        });
        out(
            `done: ${points} points of ${measurements} per-thing measurement(s) copied; they are left in place. ` +
                "VOs without influxdb.layout read and write the per-kind layout from their next start."
        );
    } catch (err) {
        if (err instanceof HttpError) {
            const why = err.statusCode === 401 || err.statusCode === 403 ? "the token was refused" : (err.body ?? "");
            throw new Error(`InfluxDB answered ${err.statusCode}: ${why}`);
        }
        throw err;
    }
}
