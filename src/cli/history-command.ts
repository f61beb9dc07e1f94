/**
 * `node-wot-vo history`: what a VO's history resources answer, read straight from the store its
 * descriptor configures (the embedded SQLite store or InfluxDB), without the VO running.
 *
 *     node-wot-vo history --config vo.yaml --thing <id> --property <name> [--from -1h] [--every 1m --fn mean] [--csv]
 */
import { parseArgs } from "node:util";
import { resolveOptions } from "../options/vo-options";
import { GapLookup } from "../history/history-gaps";
import { StateHistory } from "../vo-state/state-history";
import { HistoryService } from "../history/history-service";
import { parseHistoryParams } from "../history/history-params";
import type { AffordanceKind } from "../model/interaction-record";
import { refusalOf } from "../model/refusal";
import { normalizeHistoryQuery } from "../history/history-query";
import { openStores } from "../timeseries/open-stores";
import type { TimeSeriesStore } from "../timeseries/time-series-store";
import { loadDescriptorReport } from "./descriptor";
import { VoError } from "../model/errors";

export const HISTORY_USAGE = `  node-wot-vo history --config <descriptor.yaml> --thing <id> (--property | --action | --event) <name>
      [--from <time>] [--to <time>] [--limit <n>] [--order oldest|newest] [--cursor <next>]
      [--op read,write,change,invoke,emit] [--ok] [--every <duration> --fn mean|min|max|count|first|last|sum] [--csv]`;

/** A history command line that cannot be answered: exit status 2, the parameter named. */
export class HistoryCommandError extends VoError {
    readonly kind = "invalid-input";

    constructor(message: string) {
        super(`node-wot-vo history: ${message}`);
    }
}

/** A history request read from the command line. */
export interface HistoryCommand {
    config: string;
    thing: string;
    kind: AffordanceKind;
    name: string;
    /** the history resource's query parameters, as a client would send them */
    query: URLSearchParams;
    csv: boolean;
}

const PARAMS = ["from", "to", "limit", "order", "cursor", "op", "every", "fn"] as const;
const KIND_FLAGS = { property: "property", action: "action", event: "event" } as const;

export function parseHistoryCommand(argv: string[]): HistoryCommand {
    let parsed: ReturnType<typeof parse>;
    try {
        parsed = parse(argv);
    } catch (err) {
        throw new HistoryCommandError((err as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length > 0) throw new HistoryCommandError(`unexpected ${positionals.join(" ")}`);
    if (values.config === undefined) throw new HistoryCommandError("--config: the VO's descriptor is needed");
    if (values.thing === undefined || values.thing === "")
        throw new HistoryCommandError("--thing: the Thing's id is needed");
    const kinds = (Object.keys(KIND_FLAGS) as AffordanceKind[]).filter((k) => values[k] !== undefined);
    if (kinds.length !== 1) {
        throw new HistoryCommandError(
            kinds.length === 0
                ? "--property, --action or --event: name the affordance"
                : `--${kinds.join(", --")}: one affordance at a time`
        );
    }
    const kind = kinds[0];
    const query = new URLSearchParams();
    for (const p of PARAMS) if (values[p] !== undefined) query.set(p, values[p]);
    if (values.ok === true) query.set("ok", "true");
    return { config: values.config, thing: values.thing, kind, name: values[kind]!, query, csv: values.csv === true };
}

function parse(argv: string[]) {
    return parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            config: { type: "string", short: "f" },
            thing: { type: "string" },
            property: { type: "string" },
            action: { type: "string" },
            event: { type: "string" },
            from: { type: "string" },
            to: { type: "string" },
            limit: { type: "string" },
            order: { type: "string" },
            cursor: { type: "string" },
            op: { type: "string" },
            ok: { type: "boolean" },
            every: { type: "string" },
            fn: { type: "string" },
            csv: { type: "boolean" },
        },
    });
}

/** The store a descriptor records to, opened for reading only; `close` releases it. */
async function openStore(
    configFile: string
): Promise<{ store: TimeSeriesStore; gaps?: GapLookup; where: string; close(): Promise<void> }> {
    const { config } = loadDescriptorReport(configFile);
    const { db, store, where, close } = await openStores(resolveOptions(config.persistence), "read");
    // the VO's runs and the device's liveness (its gaps) are in its SQLite file, when it is on this machine
    return { store, gaps: db === undefined ? undefined : new GapLookup(new StateHistory(db)), where, close };
}

/** The parameter names of a refusal as the command line writes them (`fn: ...` -> `--fn: ...`). */
function asFlags(message: string): string {
    if (message.startsWith("from must be before to")) return `--from must be before --to${message.slice(22)}`;
    return message.replace(/^(from|to|limit|order|cursor|op|ok|every|fn)\b/, "--$1");
}

/**
 * Answers one history command: the body a history resource would answer, written with `out`; the next page's
 * cursor of a CSV answer with `note` (JSON answers carry it as `next`). Rejects with HistoryCommandError for a
 * bad parameter or an affordance nothing was recorded for, with anything else when the store cannot answer.
 */
export async function runHistoryCommand(
    command: HistoryCommand,
    out: (text: string) => void,
    note: (line: string) => void
): Promise<void> {
    const params = (() => {
        try {
            return parseHistoryParams(command.query);
        } catch (err) {
            throw new HistoryCommandError(asFlags((err as Error).message));
        }
    })();
    const { store, gaps, where, close } = await openStore(command.config);
    try {
        const { thing, kind, name } = command;
        let reply;
        try {
            const service = new HistoryService(store, gaps);
            reply = await service.answer(thing, kind, name, params, command.csv ? "csv" : "json");
        } catch (err) {
            if (refusalOf(err) === undefined || refusalOf(err)!.reason === "unavailable") throw err; // the store's trouble: exit 1
            throw new HistoryCommandError(asFlags((err as Error).message));
        }
        if (!(await everRecorded(store, thing, kind, name))) {
            throw new HistoryCommandError(
                `--${kind}: nothing was ever recorded for ${kind} ${JSON.stringify(name)} of Thing ${JSON.stringify(thing)} in ${where}`
            );
        }
        out(reply.body.endsWith("\n") ? reply.body : `${reply.body}\n`);
        if (command.csv && reply.next !== undefined) note(`next page: --cursor ${reply.next}`);
    } finally {
        await close();
    }
}

async function everRecorded(
    store: TimeSeriesStore,
    thing: string,
    kind: AffordanceKind,
    name: string
): Promise<boolean> {
    const any = await store.history(normalizeHistoryQuery({ thing, kind, name, limit: 1 }));
    return any.length > 0;
}
