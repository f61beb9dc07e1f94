/**
 * `npm start`: the simulated CoAP sensor (examples/sensor-device.ts) and a VO proxying it
 * (examples/proxy-vo, run by the node-wot-vo CLI) recording into the embedded SQLite store, as two
 * processes; prints what to try with curl and a CoAP client. Ctrl-C stops both, the VO flushing first.
 * The device's death is part of the demo: it is reported and the VO keeps running, counting the device lost
 * until one listens on its port again. The VO's death ends the demo: it says how, stops the device, exits 1.
 *
 * Environment: DEMO_HTTP_PORT (8080), DEMO_COAP_PORT (5683), DEMO_DEVICE_PORT (5684),
 * DEMO_SQLITE_PATH (data/demo-vo.sqlite), DEMO_EXIT_AFTER_MS (run until stopped when unset).
 */
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";

const ROOT = path.join(__dirname, "..", "..");
const httpPort = Number(process.env.DEMO_HTTP_PORT ?? 8080);
const coapPort = Number(process.env.DEMO_COAP_PORT ?? 5683);
const devicePort = Number(process.env.DEMO_DEVICE_PORT ?? 5684);
const sqlitePath = path.resolve(process.env.DEMO_SQLITE_PATH ?? path.join(ROOT, "data", "demo-vo.sqlite"));

/** examples/proxy-vo/vo.yaml with the demo's ports and database. */
function demoDescriptor(): string {
    const doc = parseDocument(fs.readFileSync(path.join(ROOT, "examples", "proxy-vo", "vo.yaml"), "utf8"));
    doc.set("name", "demo-vo");
    doc.setIn(["http", "port"], httpPort);
    doc.setIn(["coap", "port"], coapPort);
    doc.setIn(["databaseConfig", "persistent", "sqlite", "path"], sqlitePath);
    doc.setIn(["proxy", "td"], `coap://127.0.0.1:${devicePort}/environmentsensor`);
    const file = path.join(path.dirname(sqlitePath), "demo-vo.yaml");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, doc.toString());
    return file;
}

function start(name: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env } });
    const prefix = (chunk: Buffer) =>
        chunk
            .toString()
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => `[${name}] ${l}\n`)
            .join("");
    child.stdout!.on("data", (d: Buffer) => process.stdout.write(prefix(d)));
    child.stderr!.on("data", (d: Buffer) => process.stderr.write(prefix(d)));
    return child;
}

interface Exit {
    code: number | null;
    signal: NodeJS.Signals | null;
}

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Resolves once the child has exited (and been reaped), at once when it already has. */
const exited = (child: ChildProcess) =>
    new Promise<Exit>((resolve) =>
        running(child)
            ? child.once("exit", (code, signal) => resolve({ code, signal }))
            : resolve({ code: child.exitCode, signal: child.signalCode })
    );

/** "vo (pid 1234) was killed by SIGKILL", "device (pid 1234) exited with code 1". */
const died = (name: string, child: ChildProcess, { code, signal }: Exit) =>
    `${name} (pid ${child.pid}) ${signal !== null ? `was killed by ${signal}` : `exited with code ${code}`}`;

/** How long a child has, after SIGTERM, before SIGKILL: the VO flushes its records in that time. */
const STOP_GRACE_MS = 10_000;

/** SIGTERM, then SIGKILL when the child outlives STOP_GRACE_MS. */
async function terminate(name: string, child: ChildProcess): Promise<Exit> {
    if (!running(child)) return exited(child);
    child.kill("SIGTERM");
    const timer = setTimeout(() => {
        process.stderr.write(
            `${name} (pid ${child.pid}) did not stop within ${STOP_GRACE_MS} ms of SIGTERM: SIGKILL\n`
        );
        child.kill("SIGKILL");
    }, STOP_GRACE_MS);
    const exit = await exited(child);
    clearTimeout(timer);
    return exit;
}

/** Resolves with true once the VO's TD is served, with false when the VO exits first (its exit is reported). */
async function waitForTd(url: string, vo: ChildProcess, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (running(vo)) {
        if (Date.now() >= deadline) throw new Error(`the VO did not serve ${url} within ${ms} ms`);
        try {
            // bounded: something else on the port that accepts and never answers must not stall the deadline
            const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
            if (res.ok) return true;
        } catch {
            // not listening yet
        }
        await new Promise((r) => setTimeout(r, 200));
    }
    return false;
}

function tryThis(base: string, coapBase: string): string[] {
    const json = "-H 'Content-Type: application/json'";
    return [
        `Dashboard: http://127.0.0.1:${httpPort}/dashboard/ (plots, liveness, action and event logs, live)`,
        "Try it (every interaction goes through the VO to the device):",
        "  read, write, invoke over HTTP",
        `    curl ${base}/properties/temperature`,
        `    curl -X PUT ${json} -d '"kitchen"' ${base}/properties/label`,
        `    curl -X POST ${json} -d '{"offset":0.5}' ${base}/actions/calibrate`,
        "  observe a property, subscribe to an event (long polls; overheat fires above 26 °C)",
        `    curl ${base}/properties/temperature/observable`,
        `    curl ${base}/events/overheat`,
        "  read and observe over CoAP (libcoap's coap-client)",
        `    coap-client -m get ${coapBase}/properties/temperature`,
        `    coap-client -m get -s 30 ${coapBase}/properties/temperature`,
        "  what was recorded, over HTTP (JSON, or CSV) and CoAP",
        `    curl '${base}/properties/temperature/history?from=-5m&order=newest&limit=5'`,
        `    curl -H 'Accept: text/csv' '${base}/properties/temperature/history?from=-1h&every=1m&fn=mean'`,
        `    coap-client -m get '${coapBase}/properties/temperature/history?limit=5'`,
        "  the device's liveness as the VO sees it",
        `    curl http://127.0.0.1:${httpPort}/vostatus/properties/device`,
        "Where the data goes: each interaction is a row of ts_point (the view ts_interaction reads it), the device's liveness goes to",
        `device_status and the VO's self-checks to vo_status, all in ${sqlitePath}`,
        `    sqlite3 ${sqlitePath} "SELECT datetime(ts/1e9,'unixepoch'), kind, name, op, protocol, stale, value FROM ts_interaction ORDER BY ts DESC LIMIT 10"`,
        "Stop the device's process and reads answer from the last recorded value, marked stale.",
        "Ctrl-C stops both, the VO flushing its records first.",
    ];
}

async function main(): Promise<void> {
    const children: { device?: ChildProcess; vo?: ChildProcess } = {};
    // set once the demo stops the children itself: their exits are then expected, not reported
    let stopping = false;
    /** Stops the VO (it flushes its records on SIGTERM), then the device, and exits. */
    const stop = async (why: string | undefined, failed: boolean): Promise<void> => {
        if (stopping) return;
        stopping = true;
        const voExit = children.vo && (await terminate("vo", children.vo));
        if (children.device) await terminate("device", children.device);
        if (why !== undefined) process.stdout.write(`demo stopped (${why})\n`);
        process.exit(failed || (voExit !== undefined && voExit.code !== 0) ? 1 : 0);
    };
    const fail = (why: string): Promise<void> => {
        process.stderr.write(`demo failed: ${why}\n`);
        return stop(undefined, true);
    };
    // installed first: a signal sent to the demo as it starts must not leave the device running
    process.once("SIGINT", () => void stop("SIGINT", false));
    process.once("SIGTERM", () => void stop("SIGTERM", false));

    const device = start("device", ["dist/examples/sensor-device.js"], { SENSOR_PORT: String(devicePort) });
    children.device = device;
    process.stdout.write(`device started (pid ${device.pid})\n`);
    // the VO fetches the device's TD as it starts: wait until the device says it listens
    let timer: NodeJS.Timeout | undefined;
    const listening = await new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 15_000);
        device.stdout!.on("data", (d: Buffer) => d.toString().includes("simulated") && resolve(true));
        device.once("exit", () => resolve(false));
    });
    clearTimeout(timer);
    if (stopping) return;
    if (!listening) {
        return fail(
            running(device)
                ? "the simulated device did not start within 15 s"
                : `${died("device", device, await exited(device))} before it listened`
        );
    }

    const vo = start(
        "vo",
        ["dist/src/cli/main.js", "run", "--config", demoDescriptor(), "examples/proxy-vo/script.js"],
        {}
    );
    children.vo = vo;
    process.stdout.write(`vo started (pid ${vo.pid})\n`);
    // the VO is the demo: without it there is nothing to watch, so stop the device and exit non-zero
    vo.once("exit", (code, signal) => {
        if (!stopping) void fail(`${died("vo", vo, { code, signal })}; stopping the device`);
    });
    // the device's loss is part of the demo: the VO keeps running, answers from its record, and recovers
    // when a device listens on the port again
    device.once("exit", (code, signal) => {
        if (stopping) return;
        process.stderr.write(
            `${died("device", device, { code, signal })}: the device exited, the VO keeps running and will ` +
                `count it as lost; start it again (SENSOR_PORT=${devicePort} node dist/examples/sensor-device.js) ` +
                "to watch the VO recover\n"
        );
    });

    const base = `http://127.0.0.1:${httpPort}/environmentsensorvo`;
    try {
        if (!(await waitForTd(base, vo, 20_000))) return; // the VO exited: its handler reports it
    } catch (err) {
        return fail((err as Error).message);
    }
    if (stopping) return;
    process.stdout.write(`${tryThis(base, `coap://127.0.0.1:${coapPort}/environmentsensorvo`).join("\n")}\n`);
    const exitAfter = Number(process.env.DEMO_EXIT_AFTER_MS ?? 0);
    if (exitAfter > 0) setTimeout(() => void stop("DEMO_EXIT_AFTER_MS", false), exitAfter);
}

void main();
