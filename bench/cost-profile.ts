/**
 * Where the server CPU of one interaction goes, plain node-wot against node-wot-vo's protocol fixes alone
 * (`fixes`: its faces, no recorder) and against node-wot-vo recording into the embedded store, from V8 CPU profiles of the server's main thread (`--cpu-prof`) and the
 * process's total CPU time (all threads: the SQLite worker's too). Each protocol x operation x mode
 * runs in a fresh server process: a warm-up load, then a measured load of --seconds; the profile's
 * samples of the measured window are summed by where their code lives, per interaction handled.
 * The "other threads" row is the process CPU the main thread's profile does not hold (sqlite3's
 * worker, libuv's pool, V8's helper threads).
 *
 *   node dist/bench/cost-profile.js [--seconds 4] [--warmup 1] [--connections 10] [--protocols http,coap]
 *        [--ops read,write,action] [--functions 0]
 *
 * `--functions N` also lists, per protocol and operation, the N functions whose self time recording
 * raises most (record minus fixes, us per interaction), with the file and line they are in.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { load, Op, Protocol } from "./loads";
import { arg, listArg, printTable } from "./report";
import { ServerMode, startServer } from "./servers/spawn-server";

const seconds = arg("seconds", 4);
const warmup = arg("warmup", 1);
const connections = arg("connections", 10);
const protocols = listArg("protocols", ["http", "coap"] as const satisfies readonly Protocol[]);
const ops = listArg("ops", ["read", "write", "action"] as const satisfies readonly Op[]);
const functions = arg("functions", 0);
const MODES: ServerMode[] = ["plain", "fixes", "record"];

interface CpuProfile {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    startTime: number;
    endTime: number;
    samples: number[];
    timeDeltas: number[];
}

/** Where a frame's code lives, as the table names it. */
function categoryOf(functionName: string, url: string): string | undefined {
    if (functionName === "(idle)") return undefined;
    if (functionName === "(garbage collector)") return "garbage collection";
    if (functionName === "(program)") return "V8 and native (program)";
    const vo = /\/dist\/src\/([^/]+)\//.exec(url);
    if (vo) return `node-wot-vo ${vo[1]}/`;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (pkg) return pkg[1].startsWith("@node-wot/") ? pkg[1] : `${pkg[1]} (dependency)`;
    if (/^node:(async_hooks|internal\/async_(hooks|local_storage|context_frame))/.test(url)) {
        return "async context (node:async_hooks)";
    }
    if (url.startsWith("node:internal/worker") || url.startsWith("node:worker")) return "node.js worker plumbing";
    if (url.startsWith("node:")) return "node.js internals (streams, http, net, timers, ...)";
    return url === "" ? "V8 builtins (JSON, RegExp, ...)" : "other";
}

/** Microseconds of main-thread CPU, by where the code lives and by function. */
interface Measured {
    byCategory: Map<string, number>;
    byFunction: Map<string, number>;
}

/** Microseconds of main-thread CPU per category, and per function, in [from, to) of the profile's clock. */
function selfTimes(profile: CpuProfile, from: number, to: number): Measured {
    const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    const out = new Map<string, number>();
    const byFunction = new Map<string, number>();
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
        t += profile.timeDeltas[i];
        if (t < from || t >= to) continue;
        const frame = byId.get(profile.samples[i])!;
        const category = categoryOf(frame.functionName, frame.url);
        if (category === undefined) continue;
        // a sample stands for the time until the next one
        const dt = profile.timeDeltas[i + 1] ?? 0;
        out.set(category, (out.get(category) ?? 0) + dt);
        const where =
            frame.url === "" ? "" : ` ${frame.url.replace(/^.*\/(node_modules|dist)\//, "")}:${frame.lineNumber + 1}`;
        const fn = `${frame.functionName || "(anonymous)"}${where}`;
        byFunction.set(fn, (byFunction.get(fn) ?? 0) + dt);
    }
    return { byCategory: out, byFunction };
}

async function measure(mode: ServerMode, protocol: Protocol, op: Op): Promise<Measured> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-cost-"));
    process.env.BENCH_SERVER_NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${dir}`;
    const server = await startServer(mode);
    try {
        await load(protocol, server, op, warmup, connections);
        const before = await server.sample();
        const figures = await load(protocol, server, op, seconds, connections);
        const after = await server.sample();
        await server.stop();
        const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
        if (file === undefined) throw new Error(`no CPU profile written in ${dir}`);
        const profile = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as CpuProfile;
        const handled = after.handled - before.handled;
        if (!(handled > 0) || figures.errors > 0)
            throw new Error(`${mode} ${protocol} ${op}: ${handled} handled, ${figures.errors} errors`);
        // the measured load is the last thing before the stop: the profile's last --seconds, less the shutdown
        const end = profile.endTime - 300_000;
        const { byCategory, byFunction } = selfTimes(profile, end - seconds * 1_000_000, end);
        const perInteraction = new Map<string, number>();
        let main = 0;
        for (const [k, us] of byCategory) {
            perInteraction.set(k, us / handled);
            main += us;
        }
        const total = (after.cpuUs - before.cpuUs) / handled;
        perInteraction.set("other threads (sqlite3 worker, libuv, V8 helpers)", Math.max(0, total - main / handled));
        perInteraction.set("total process CPU", total);
        for (const [k, us] of byFunction) byFunction.set(k, us / handled);
        return { byCategory: perInteraction, byFunction };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function main(): Promise<void> {
    for (const protocol of protocols) {
        for (const op of ops) {
            const rows: Record<string, Record<string, number | string>> = {};
            const measured = new Map<ServerMode, Measured>();
            for (const mode of MODES) measured.set(mode, await measure(mode, protocol, op));
            const results = new Map([...measured].map(([mode, m]) => [mode, m.byCategory]));
            const keys = new Set([...results.values()].flatMap((m) => [...m.keys()]));
            for (const k of [...keys].sort(
                (a, b) => (results.get("record")!.get(b) ?? 0) - (results.get("record")!.get(a) ?? 0)
            )) {
                const plain = results.get("plain")!.get(k) ?? 0;
                const fixes = results.get("fixes")!.get(k) ?? 0;
                const record = results.get("record")!.get(k) ?? 0;
                if (plain < 0.05 && fixes < 0.05 && record < 0.05) continue;
                rows[k] = {
                    "plain us": plain.toFixed(1),
                    "fixes us": fixes.toFixed(1),
                    "record us": record.toFixed(1),
                    "+us fixes": (fixes - plain).toFixed(1),
                    "+us recording": (record - fixes).toFixed(1),
                    "+us": (record - plain).toFixed(1),
                };
            }
            printTable(
                `${protocol} ${op}: server CPU per interaction by where it goes (Node.js ${process.version})`,
                rows
            );
            if (functions > 0) printFunctions(`${protocol} ${op}`, measured);
        }
    }
}

/** The functions whose self time grows most with recording (record minus fixes). */
function printFunctions(title: string, measured: Map<ServerMode, Measured>): void {
    const fixes = measured.get("fixes")!.byFunction;
    const record = measured.get("record")!.byFunction;
    const names = new Set([...fixes.keys(), ...record.keys()]);
    const rows: Record<string, Record<string, string>> = {};
    for (const name of [...names]
        .map((n) => [n, (record.get(n) ?? 0) - (fixes.get(n) ?? 0)] as const)
        .sort((a, b) => b[1] - a[1])
        .slice(0, functions)
        .map(([n]) => n)) {
        rows[name.length > 90 ? `${name.slice(0, 87)}...` : name] = {
            "fixes us": (fixes.get(name) ?? 0).toFixed(2),
            "record us": (record.get(name) ?? 0).toFixed(2),
            "+us recording": ((record.get(name) ?? 0) - (fixes.get(name) ?? 0)).toFixed(2),
        };
    }
    printTable(`${title}: the ${functions} functions recording adds most self time to`, rows);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
