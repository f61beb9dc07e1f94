/**
 * Resident memory of a VO against a plain node-wot servient serving the same Thing, in the same run: each
 * server in its own process (bench/servers/http-thing-server), HTTP alone and HTTP with CoAP; RSS
 * (/proc/<pid>/status) after it has been idle --idle seconds, then after --reads HTTP reads of a property
 * (--concurrency at a time; a bounded count), then idle again.
 *
 *   node dist/bench/footprint.js [--reads 100000] [--concurrency 16] [--idle 3]
 */
import { arg, printTable, rssMiB } from "./report";
import { ServerMode, startServer } from "./servers/spawn-server";

const reads = arg("reads", 100_000);
const concurrency = arg("concurrency", 16);
const idleSeconds = arg("idle", 3);

const idle = () => new Promise((r) => setTimeout(r, idleSeconds * 1000));

/** `count` GETs of `url`, `concurrency` at a time; each must answer 200. */
async function load(url: string, count: number): Promise<void> {
    let next = 0;
    const worker = async () => {
        while (next < count) {
            next++;
            const res = await fetch(url);
            await res.arrayBuffer();
            if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
        }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
}

const CASES: [string, ServerMode, string[]][] = [
    ["plain node-wot, HTTP", "plain", ["--http-only"]],
    ["node-wot-vo, HTTP", "record", ["--http-only"]],
    ["plain node-wot, HTTP + CoAP", "plain", []],
    ["node-wot-vo, HTTP + CoAP", "record", []],
];

async function main(): Promise<void> {
    const rows: Record<string, Record<string, number | string>> = {};
    for (const [name, mode, flags] of CASES) {
        const server = await startServer(mode, process.env, {}, flags);
        try {
            await idle();
            const atStart = rssMiB(server.pid);
            await load(server.url, reads);
            const loaded = rssMiB(server.pid);
            await idle();
            const heap = await server.sample();
            rows[name] = {
                "idle MiB": atStart.toFixed(1),
                [`after ${reads} reads MiB`]: loaded.toFixed(1),
                "idle again MiB": rssMiB(server.pid).toFixed(1),
                "JS heap used / total MiB": `${heap.heapUsedMiB} / ${heap.heapTotalMiB}`,
            };
        } finally {
            await server.stop();
        }
    }
    const base = (name: string) => Number(rows[name]["idle MiB"]);
    const grown = (name: string) => Number(rows[name]["idle again MiB"]) - Number(rows[name]["idle MiB"]);
    for (const [name] of CASES) {
        const plain = name.replace("node-wot-vo", "plain node-wot");
        rows[name]["over plain, idle"] = (base(name) - base(plain)).toFixed(1);
        rows[name]["grown after load"] = grown(name).toFixed(1);
    }
    printTable(`Resident memory (Node.js ${process.version}, ${reads} HTTP reads, ${concurrency} at a time)`, rows);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
