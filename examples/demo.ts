/**
 * `npm start`: the simulated CoAP sensor (examples/sensor-device.ts) and a VO proxying it
 * (examples/proxy-vo, run by the node-wot-vo CLI) recording into the embedded SQLite store, as two
 * processes; prints what to try with curl and a CoAP client. Ctrl-C stops both, the VO flushing first.
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

const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve) =>
        child.exitCode !== null || child.signalCode !== null
            ? resolve(child.exitCode)
            : child.once("exit", (code) => resolve(code))
    );

/** Resolves once the VO's TD is served, or rejects when the VO exits first. */
async function waitForTd(url: string, vo: ChildProcess, ms: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    let exitedEarly = false;
    vo.once("exit", () => (exitedEarly = true));
    while (Date.now() < deadline && !exitedEarly) {
        try {
            const res = await fetch(url);
            if (res.ok) return (await res.json()) as Record<string, unknown>;
        } catch {
            // not listening yet
        }
        await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(exitedEarly ? "the VO exited" : `the VO did not serve ${url} within ${ms} ms`);
}

function tryThis(base: string, coapBase: string): string[] {
    const json = "-H 'Content-Type: application/json'";
    return [
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
        "  the device's liveness as the VO sees it",
        `    curl http://127.0.0.1:${httpPort}/vostatus/properties/device`,
        "Where the data goes: each interaction is a row of ts_interaction, the device's liveness goes to",
        `device_status and the VO's self-checks to vo_status, all in ${sqlitePath}`,
        `    sqlite3 ${sqlitePath} "SELECT datetime(ts/1e9,'unixepoch'), kind, name, op, protocol, stale, value FROM ts_interaction ORDER BY ts DESC LIMIT 10"`,
        "Stop the device's process and reads answer from the last recorded value, marked stale.",
        "Ctrl-C stops both, the VO flushing its records first.",
    ];
}

async function main(): Promise<void> {
    const device = start("device", ["dist/examples/sensor-device.js"], { SENSOR_PORT: String(devicePort) });
    // the VO fetches the device's TD as it starts: wait until the device says it listens
    let timer: NodeJS.Timeout | undefined;
    const listening = await new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 15_000);
        device.stdout!.on("data", (d: Buffer) => d.toString().includes("simulated") && resolve(true));
        device.once("exit", () => resolve(false));
    });
    clearTimeout(timer);
    if (!listening) {
        process.stderr.write("demo failed: the simulated device did not start\n");
        device.kill("SIGKILL");
        process.exit(1);
    }
    const vo = start(
        "vo",
        ["dist/src/cli/main.js", "run", "--config", demoDescriptor(), "examples/proxy-vo/script.js"],
        {}
    );
    let stopping = false;
    const stop = async (why: string): Promise<void> => {
        if (stopping) return;
        stopping = true;
        vo.kill("SIGTERM");
        const voCode = await exited(vo);
        device.kill("SIGTERM");
        await exited(device);
        process.stdout.write(`demo stopped (${why})\n`);
        process.exit(voCode === 0 ? 0 : 1);
    };
    process.once("SIGINT", () => void stop("SIGINT"));
    process.once("SIGTERM", () => void stop("SIGTERM"));
    device.once("exit", (code) => {
        if (!stopping) process.stderr.write(`the device exited (${code}); the VO now counts it as lost\n`);
    });

    const base = `http://127.0.0.1:${httpPort}/environmentsensorvo`;
    try {
        await waitForTd(base, vo, 20_000);
    } catch (err) {
        process.stderr.write(`demo failed: ${(err as Error).message}\n`);
        device.kill("SIGTERM");
        process.exit(1);
    }
    process.stdout.write(`${tryThis(base, `coap://127.0.0.1:${coapPort}/environmentsensorvo`).join("\n")}\n`);
    const exitAfter = Number(process.env.DEMO_EXIT_AFTER_MS ?? 0);
    if (exitAfter > 0) setTimeout(() => void stop("DEMO_EXIT_AFTER_MS"), exitAfter);
}

void main();
