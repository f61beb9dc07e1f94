/**
 * A purge of a million rows that nobody notices: a VO (its own process, embedded store) whose file holds
 * --rows interactions from 40 days ago (past the default 30-day retention) answers sequential HTTP reads of a
 * property and its history (the newest 10 points: a read of the database itself, which a purge step holds); the
 * p50/p99/max of --reads of each with no purge running, then while `vo.purge()` deletes the old rows (SIGUSR1 to
 * the server), and the rows deleted per second.
 *
 *   node dist/bench/purge.js [--rows 1000000] [--reads 2000]
 */
import http from "node:http";
import { arg, printTable } from "./report";
import { startServer } from "./servers/spawn-server";

const rows = arg("rows", 1_000_000);
const reads = arg("reads", 2000);

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(url: string): Promise<number> {
    const t = performance.now();
    return new Promise((resolve, reject) => {
        http.get(url, { agent }, (res) => {
            res.resume();
            res.on("end", () =>
                res.statusCode === 200 ? resolve(performance.now() - t) : reject(new Error(`${res.statusCode}`))
            );
        }).on("error", reject);
    });
}

const pct = (xs: number[], p: number): number =>
    [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function main(): Promise<void> {
    const server = await startServer("record", process.env, {}, ["--http-only", "--prefill", String(rows)]);
    try {
        const history = `${server.url}/history?limit=10&order=newest`;
        const quiet: number[] = [];
        const quietHistory: number[] = [];
        for (let i = 0; i < reads; i++) {
            quiet.push(await get(server.url));
            quietHistory.push(await get(history));
        }
        const done = server.waitFor(/PURGED (\d+) (\d+)/);
        process.kill(server.pid, "SIGUSR1");
        const during: number[] = [];
        const duringHistory: number[] = [];
        let finished: RegExpExecArray | undefined;
        void done.then((m) => (finished = m));
        // reads for as long as the purge runs (bounded: 10 minutes, 100 000 reads)
        const until = Date.now() + 600_000;
        while (finished === undefined && Date.now() < until && during.length < 100_000) {
            during.push(await get(server.url));
            duringHistory.push(await get(history));
        }
        const m = finished ?? (await done);
        const [deleted, ms] = [Number(m[1]), Number(m[2])];
        const row = (xs: number[]) => ({
            reads: xs.length,
            "p50 ms": pct(xs, 0.5).toFixed(2),
            "p99 ms": pct(xs, 0.99).toFixed(2),
            "max ms": Math.max(...xs).toFixed(2),
        });
        printTable(
            `HTTP reads of a property and of its history, one at a time, while ${rows} old rows are purged (Node.js ${process.version})`,
            {
                "property read, no purge running": row(quiet),
                "property read, during the purge": row(during),
                "history read, no purge running": row(quietHistory),
                "history read, during the purge": row(duringHistory),
            }
        );
        console.log(`\npurge: ${deleted} rows deleted in ${ms} ms, ${Math.round(deleted / (ms / 1000))} rows/s`);
        console.log(
            JSON.stringify({
                bench: "purge",
                rows,
                deleted,
                ms,
                read: { quiet: row(quiet), during: row(during) },
                history: { quiet: row(quietHistory), during: row(duringHistory) },
            })
        );
    } finally {
        await server.stop();
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
