/**
 * Server CPU per interaction split by thread, from `perf` (the native side the V8 profiler does not see): the
 * main thread, the libuv pool threads that ran sqlite3's work (any sample in node_sqlite3.node), and the other
 * threads (V8's GC and compiler helpers). Each mode runs in a fresh bench server (`--perf-basic-prof`), loaded for
 * --warmup then --seconds while `perf record -F <hz> -p <pid>` samples it.
 *
 *   node dist/bench/thread-split.js [--seconds 4] [--warmup 1] [--connections 10] [--hz 1999]
 *        [--protocols http,coap] [--ops read,write,action] [--modes plain,fixes,record]
 * Needs Linux perf (Debian: linux-perf) and the right to profile the server (root, or perf_event_paranoid <= 1).
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { load, Op, Protocol } from "./loads";
import { arg, listArg, printTable } from "./report";
import { ServerMode, startServer } from "./servers/spawn-server";

const seconds = arg("seconds", 4);
const warmup = arg("warmup", 1);
const connections = arg("connections", 10);
const hz = arg("hz", 1999);
const protocols = listArg("protocols", ["http", "coap"] as const satisfies readonly Protocol[]);
const ops = listArg("ops", ["read", "write", "action"] as const satisfies readonly Op[]);
const modes = listArg("modes", ["plain", "fixes", "record"] as const satisfies readonly ServerMode[]);

type Split = { main: number; sqlite: number; other: number };

/** Samples per thread and whether the thread ran sqlite3's code, from `perf report --sort pid,dso`. */
function threads(data: string): Map<number, { samples: number; sqlite: boolean }> {
    const text = execFileSync("perf", ["report", "-i", data, "--sort", "pid,dso", "-n", "--stdio"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
        maxBuffer: 64 * 1024 * 1024,
    });
    const out = new Map<number, { samples: number; sqlite: boolean }>();
    for (const line of text.split("\n")) {
        // "    51.61%          4530      529:node     node"
        const m = /^\s*[\d.]+%\s+(\d+)\s+(\d+):\S+\s+(.*)$/.exec(line);
        if (m === null) continue;
        const t = out.get(Number(m[2])) ?? { samples: 0, sqlite: false };
        t.samples += Number(m[1]);
        if (m[3].includes("node_sqlite3")) t.sqlite = true;
        out.set(Number(m[2]), t);
    }
    return out;
}

async function measure(mode: ServerMode, protocol: Protocol, op: Op): Promise<Split> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-threads-"));
    const data = path.join(dir, "perf.data");
    // --perf-basic-prof also makes V8 write its code log, by default into the working directory: into dir instead
    process.env.BENCH_SERVER_NODE_OPTIONS = `--perf-basic-prof --no-logfile-per-isolate --logfile=${path.join(dir, "v8.log")}`;
    const server = await startServer(mode);
    try {
        await load(protocol, server, op, warmup, connections);
        const before = await server.sample();
        const perf = spawn(
            "perf",
            ["record", "-F", String(hz), "-p", String(server.pid), "-o", data, "--", "sleep", String(seconds)],
            {
                stdio: "ignore",
            }
        );
        const exited = new Promise<number | null>((resolve) => perf.on("exit", resolve));
        const figures = await load(protocol, server, op, seconds, connections);
        const after = await server.sample();
        const code = await exited;
        if (code !== 0) throw new Error(`perf record exited with ${code}: is perf installed and allowed here?`);
        const handled = after.handled - before.handled;
        if (!(handled > 0) || figures.errors > 0)
            throw new Error(`${mode} ${protocol} ${op}: ${handled} handled, ${figures.errors} errors`);
        const usPerSample = 1_000_000 / hz;
        const split: Split = { main: 0, sqlite: 0, other: 0 };
        for (const [tid, t] of threads(data)) {
            const us = (t.samples * usPerSample) / handled;
            if (tid === server.pid) split.main += us;
            else if (t.sqlite) split.sqlite += us;
            else split.other += us;
        }
        return split;
    } finally {
        await server.stop().catch(() => undefined);
        fs.rmSync(dir, { recursive: true, force: true });
        fs.rmSync(path.join(os.tmpdir(), `perf-${server.pid}.map`), { force: true }); // --perf-basic-prof's symbols
    }
}

async function main(): Promise<void> {
    const summary: Record<string, Record<string, Split>> = {};
    for (const protocol of protocols) {
        for (const op of ops) {
            const rows: Record<string, Record<string, string>> = {};
            for (const mode of modes) {
                const s = await measure(mode, protocol, op);
                (summary[`${protocol} ${op}`] ??= {})[mode] = s;
                rows[mode] = {
                    "main thread us": s.main.toFixed(1),
                    "sqlite3 pool threads us": s.sqlite.toFixed(1),
                    "other threads us": s.other.toFixed(1),
                    "total us": (s.main + s.sqlite + s.other).toFixed(1),
                };
            }
            printTable(
                `${protocol} ${op}: server CPU per interaction by thread (perf -F ${hz}, Node.js ${process.version})`,
                rows
            );
        }
    }
    console.log(
        JSON.stringify({ bench: "thread-split", seconds, warmup, connections, hz, node: process.version, summary })
    );
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
