#!/usr/bin/env node
/**
 * `node-wot-vo`: runs a VO from a Thing Description, a YAML descriptor and a script.
 *
 *     node-wot-vo run --td thing-descriptions/x.td.json --config vo.yaml script.js
 *     node-wot-vo validate --td thing-descriptions/x.td.json --config vo.yaml [script.js]
 *     node-wot-vo migrate vo-wot-descriptor.yaml [-o vo.yaml]
 *     node-wot-vo history --config vo.yaml --thing <id> --property <name> [--from -1h] [--csv]
 *     node-wot-vo migrate-influx [--config vo.yaml] [--progress influx-migration.json]
 *     node-wot-vo copy-to-influx --config vo.yaml [--progress vo.sqlite.influx-copy.json]
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { enableWarnings } from "../log";
import { VoError } from "../model/errors";
import { DescriptorReport, loadDescriptorReport, readDescriptor, RunConfig } from "./descriptor";
import {
    COPY_TO_INFLUX_HELP,
    COPY_TO_INFLUX_USAGE,
    parseCopyToInfluxCommand,
    runCopyToInfluxCommand,
} from "./copy-to-influx-command";
import { HISTORY_USAGE, parseHistoryCommand, runHistoryCommand } from "./history-command";
import { migrateDescriptor } from "./migrate";
import {
    MIGRATE_INFLUX_HELP,
    MIGRATE_INFLUX_USAGE,
    parseMigrateInfluxCommand,
    runMigrateInfluxCommand,
} from "./migrate-influx-command";
import { loadRunInputs, runVo } from "./run-vo";
import { loadThingDescription } from "./td-validation";
import { mappingLine } from "./vo-wot-descriptor";

const USAGE = `usage:
  node-wot-vo run [--td <thing description.json>] [--config <descriptor.yaml>] [script.js]
  node-wot-vo validate [--td <thing description.json>] [--config <descriptor.yaml>] [script.js]
  node-wot-vo migrate <vo-wot descriptor.yaml> [-o <descriptor.yaml>]
${HISTORY_USAGE}
${MIGRATE_INFLUX_USAGE}
${COPY_TO_INFLUX_USAGE}

  --td, -t      the VO's own Thing (W3C TD 1.1, validated); its handlers come from the script
  --config, -f  the VO descriptor (see examples/descriptors/reference.yaml); without it the VO is
                named after the TD's title and takes every default
  script.js     exports setup(ctx), properties: { name: { read, write } }, actions: { name: fn }
                and the functions periodicFunctions names; a vo-wot descriptor is read as it is,
                and validate prints what each of its keys became
  migrate       writes node-wot-vo's own descriptor for a vo-wot one (to -o, or stdout)
  history       prints what the VO's history resource of that affordance answers (JSON, or CSV with
                --csv), read from the store the descriptor configures; the VO need not run
${MIGRATE_INFLUX_HELP}
${COPY_TO_INFLUX_HELP}

exit status: 0 stopped cleanly, 1 failed while running, 2 invalid command line, descriptor, TD or script`;

const out = (line: string) => void process.stdout.write(`${line}\n`);
const err = (line: string) => void process.stderr.write(`${line}\n`);

class UsageError extends VoError {
    readonly kind = "invalid-input";
}

interface Command {
    name: "run" | "validate" | "migrate";
    td?: string;
    config?: string;
    script?: string;
    output?: string;
}

function parseCommand(argv: string[]): Command | "help" {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            td: { type: "string", short: "t" },
            config: { type: "string", short: "f" },
            output: { type: "string", short: "o" },
            help: { type: "boolean", short: "h" },
        },
    });
    if (values.help === true || positionals.length === 0) return "help";
    const [name, ...rest] = positionals;
    if (name === "migrate") {
        if (rest.length !== 1 || values.td !== undefined || values.config !== undefined) {
            throw new UsageError("migrate takes one vo-wot descriptor: node-wot-vo migrate old.yaml [-o new.yaml]");
        }
        return { name, config: rest[0], output: values.output };
    }
    if (values.output !== undefined) throw new UsageError("-o/--output is for migrate only");
    if (name !== "run" && name !== "validate") throw new UsageError(`unknown command "${name}"`);
    if (rest.length > 1) throw new UsageError(`one script at most, got ${rest.length}: ${rest.join(" ")}`);
    if (values.td === undefined && values.config === undefined) {
        throw new UsageError("give --td <thing description>, --config <descriptor>, or both");
    }
    return { name, td: values.td, config: values.config, script: rest[0] };
}

/** The descriptor, or the defaults for a VO named after its TD's title. */
function reportOf(command: Command): DescriptorReport {
    if (command.config !== undefined) return loadDescriptorReport(command.config);
    const td = loadThingDescription(command.td!, { forProduce: true });
    const name =
        String(td.title ?? "vo")
            .replace(/[^A-Za-z0-9_.-]+/g, "-")
            .slice(0, 64) || "vo";
    return readDescriptor(`name: ${JSON.stringify(name)}\n`, path.join(process.cwd(), "(defaults)"));
}

async function run(command: Command): Promise<number> {
    const report = reportOf(command);
    const { config } = report;
    if (command.name === "migrate") {
        if (report.dialect !== "vo-wot") {
            throw new UsageError(`${command.config} is already a node-wot-vo descriptor (no vo-wot key in it)`);
        }
        const text = migrateDescriptor(report, command.config!, command.output);
        if (command.output === undefined) process.stdout.write(text);
        else {
            fs.writeFileSync(command.output, text);
            err(`node-wot-vo: wrote ${command.output}`);
        }
        return 0;
    }
    const warnings = report.mappings.filter((m) => m.kind === "warning");
    if (command.name === "validate") {
        loadRunInputs(config, command.td, command.script);
        if (report.dialect === "vo-wot") {
            out(`vo-wot descriptor ${command.config}: what each key became`);
            for (const m of report.mappings) out(`  ${mappingLine(m)}`);
        }
        for (const line of addressLines(config)) out(line);
        out(
            `valid: VO ${config.name}${command.td ? `, TD ${command.td}` : ""}${command.script ? `, script ${command.script}` : ""}`
        );
        return 0;
    }
    // node-wot calls subscription listeners without awaiting them: a script's listener that throws
    // must not take the VO, and the device it fronts, down with it
    process.on("unhandledRejection", (reason) =>
        err(
            `node-wot-vo: unhandled error, the VO keeps running: ${reason instanceof Error ? reason.message : String(reason)}`
        )
    );
    for (const m of warnings) err(`node-wot-vo: ${mappingLine(m)}`);
    const vo = await runVo({ config, tdFile: command.td, scriptFile: command.script, log: out });
    out(`VO ${config.name} is running.`);
    for (const line of addressLines(config)) out(`  ${line}`);
    for (const { title, urls } of vo.thingUrls()) out(`  ${title}: ${urls.join("  ")}`);
    out(`  time series: ${vo.vo.timeSeriesTarget}`);
    out(`  VO state (SQLite): ${config.persistence.sqlite.path}`);
    out("Ctrl-C (SIGINT) or SIGTERM flushes the records and stops.");
    const signal = await new Promise<string>((resolve) => {
        process.once("SIGINT", () => resolve("SIGINT"));
        process.once("SIGTERM", () => resolve("SIGTERM"));
    });
    await vo.stop();
    const s = vo.vo.stats();
    out(`Stopped (${signal}): ${s.recorded} interactions recorded, ${s.written} written, ${s.dropped} dropped.`);
    return 0;
}

/** Where the VO listens, on which ports, and what its TDs advertise: `validate` and `run` print it. */
function addressLines(config: RunConfig): string[] {
    const where =
        config.bind === "0.0.0.0"
            ? "0.0.0.0 (every IPv4 interface)"
            : config.bind === "::"
              ? ":: (every interface)"
              : config.bind;
    const ports = [
        config.httpPort === undefined ? undefined : `${config.https ? "HTTPS" : "HTTP"} ${config.httpPort}/tcp`,
        config.coapPort === undefined ? undefined : `CoAP ${config.coapPort}/udp`,
        config.mdns === true ? "mDNS 5353/udp" : undefined,
        config.persistence.websocket === undefined ? undefined : `WebSocket ${config.persistence.websocket.port}/tcp`,
        config.persistence.catalogue === undefined ? undefined : `catalogue ${config.persistence.catalogue.port}/tcp`,
    ].filter((p) => p !== undefined);
    return [
        `listens on ${where}${ports.length === 0 ? "" : `: ${ports.join(", ")}`}`,
        `advertises ${config.address} (the host of the TDs' forms)`,
    ];
}

/** `history` has options of its own: its command line is read apart from the others. */
async function history(argv: string[]): Promise<void> {
    await runHistoryCommand(parseHistoryCommand(argv), (text) => void process.stdout.write(text), err);
}

/** Commands with options of their own, read apart from the others. */
const OWN_COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
    history,
    "migrate-influx": (argv) => runMigrateInfluxCommand(parseMigrateInfluxCommand(argv), out),
    "copy-to-influx": (argv) => runCopyToInfluxCommand(parseCopyToInfluxCommand(argv), out),
};

export async function main(argv: string[]): Promise<number> {
    const own = OWN_COMMANDS[argv[0]];
    if (own !== undefined && Object.prototype.hasOwnProperty.call(OWN_COMMANDS, argv[0])) {
        try {
            await own(argv.slice(1));
            return 0;
        } catch (e) {
            return failed(e);
        }
    }
    let command: Command | "help";
    try {
        command = parseCommand(argv);
    } catch (e) {
        err(`node-wot-vo: ${(e as Error).message}\n${USAGE}`);
        return 2;
    }
    if (command === "help") {
        out(USAGE);
        return 0;
    }
    try {
        return await run(command);
    } catch (e) {
        return failed(e);
    }
}

/** The exit status of an error by its kind (2: invalid input, 1: failed while running), its message on stderr. */
function failed(e: unknown): number {
    const invalid = e instanceof VoError && e.kind === "invalid-input";
    err(invalid ? (e as Error).message : `node-wot-vo: ${(e as Error).message}`);
    return invalid ? 2 : 1;
}

if (require.main === module) {
    enableWarnings(); // this process is the CLI's own: its warnings go to stderr
    let finished = false;
    // nothing left to run while the command has not finished (a wait no timer or socket holds): say so, never 0
    process.once("beforeExit", () => {
        if (finished) return;
        err(
            "node-wot-vo: stopped with the command unfinished: nothing was left to wait on (a peer that never answered?)"
        );
        process.exit(1);
    });
    void main(process.argv.slice(2)).then((code) => {
        finished = true;
        process.exit(code);
    });
}
