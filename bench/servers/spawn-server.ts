import { spawn } from "node:child_process";
import path from "node:path";

export type ServerMode = "plain" | "fixes" | "record" | "influx";

export interface ServerProcess {
    pid: number;
    /** HTTP URL of the numeric property `value` */
    url: string;
    /** the Thing's HTTP base, e.g. http://127.0.0.1:41234/benchthing */
    http: string;
    /** the Thing's CoAP base, e.g. coap://127.0.0.1:41235/benchthing */
    coap: string;
    /** the Thing's WebSocket base, when started with `ws` */
    ws?: string;
    /** the Thing's MQTT base (broker URL and topic prefix), when started with `mqtt` */
    mqtt?: string;
    /** the server's counters now: the recorder's (none for the plain one), `handled`, `cpuUs` */
    sample(): Promise<Record<string, number>>;
    /** stops the server and returns its counters */
    stop(): Promise<Record<string, number>>;
    /** the first line of its output from now on that matches */
    waitFor(line: RegExp): Promise<RegExpExecArray>;
}

/** Starts bench/servers/http-thing-server in its own process, so the plain run never loads the recorder. */
export async function startServer(
    mode: ServerMode,
    env: NodeJS.ProcessEnv = process.env,
    extraProtocols: { mqttBroker?: string; ws?: boolean } = {},
    /** more flags for the server, e.g. --after-commit */
    flags: string[] = []
): Promise<ServerProcess> {
    const script = path.join(__dirname, "http-thing-server.js");
    const extra = process.env.BENCH_SERVER_NODE_OPTIONS?.split(" ").filter(Boolean) ?? [];
    const protocolArgs = [
        ...(extraProtocols.mqttBroker === undefined ? [] : ["--mqtt", extraProtocols.mqttBroker]),
        ...(extraProtocols.ws === true ? ["--ws"] : []),
    ];
    const child = spawn(
        process.execPath,
        [...extra, script, ...(mode === "plain" ? [] : [`--${mode}`]), ...protocolArgs, ...flags],
        {
            stdio: ["ignore", "pipe", "inherit"],
            env,
        }
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const [http, coap, ...more] = await new Promise<string[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("server did not start in 20 s")), 20_000);
        child.stdout.on("data", () => {
            const m = /READY (.*)\n/.exec(out);
            if (m) {
                clearTimeout(timer);
                resolve(m[1].split(" "));
            }
        });
        child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
    });
    const lastStats = () => JSON.parse([...out.matchAll(/STATS (.*)/g)].pop()?.[1] ?? "{}");
    return {
        pid: child.pid!,
        url: `${http}/properties/value`,
        http,
        coap,
        ws: more.find((u) => u.startsWith("ws:")),
        mqtt: more.find((u) => u.startsWith("mqtt:")),
        sample: () =>
            new Promise((resolve, reject) => {
                const seen = out.match(/STATS .*\n/g)?.length ?? 0;
                const timer = setTimeout(() => reject(new Error("server did not answer SIGUSR2 in 10 s")), 10_000);
                const onData = () => {
                    if ((out.match(/STATS .*\n/g)?.length ?? 0) <= seen) return;
                    clearTimeout(timer);
                    child.stdout.off("data", onData);
                    resolve(lastStats());
                };
                child.stdout.on("data", onData);
                child.kill("SIGUSR2");
            }),
        waitFor: (line) => {
            const from = out.length;
            return new Promise((resolve) => {
                const onData = () => {
                    const m = line.exec(out.slice(from));
                    if (m === null) return;
                    child.stdout.off("data", onData);
                    resolve(m);
                };
                child.stdout.on("data", onData);
            });
        },
        stop: () =>
            new Promise((resolve) => {
                child.once("exit", () => resolve(lastStats()));
                child.kill("SIGTERM");
            }),
    };
}
