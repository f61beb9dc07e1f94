import { spawn } from "node:child_process";
import path from "node:path";

export interface ServerProcess {
    pid: number;
    url: string;
    /** stops the server and returns its recorder counters (empty for the plain one) */
    stop(): Promise<Record<string, number>>;
}

/** Starts bench/servers/http-thing-server in its own process, so the plain run never loads node-wot-vo. */
export async function startServer(
    mode: "plain" | "record" | "influx",
    env: NodeJS.ProcessEnv = process.env
): Promise<ServerProcess> {
    const script = path.join(__dirname, "http-thing-server.js");
    const extra = process.env.BENCH_SERVER_NODE_OPTIONS?.split(" ").filter(Boolean) ?? [];
    const child = spawn(process.execPath, [...extra, script, ...(mode === "plain" ? [] : [`--${mode}`])], {
        stdio: ["ignore", "pipe", "inherit"],
        env,
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("server did not start in 20 s")), 20_000);
        child.stdout.on("data", () => {
            const m = /READY (\S+)/.exec(out);
            if (m) {
                clearTimeout(timer);
                resolve(`${m[1]}/properties/value`);
            }
        });
        child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
    });
    return {
        pid: child.pid!,
        url,
        stop: () =>
            new Promise((resolve) => {
                child.once("exit", () => resolve(JSON.parse(/STATS (.*)/.exec(out)?.[1] ?? "{}")));
                child.kill("SIGTERM");
            }),
    };
}
