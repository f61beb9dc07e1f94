/**
 * A node-wot servient serving one Thing over HTTP and CoAP (and with `--mqtt <broker URL>` over MQTT, with
 * `--ws` over WebSocket, the servers of protocols/mqtt and protocols/websocket in every mode), for load from another process: a
 * numeric read-only property `value`, a writable `setting` and an action `add`.
 * `--record` attaches node-wot-vo (embedded store in a temporary directory); `--influx` records into
 * InfluxDB instead (INFLUX_URL, INFLUX_ORG, INFLUX_TOKEN_FILE; spool in the temporary directory);
 * `--after-commit` answers writes and actions once their record is committed (recording.acknowledge),
 * `--synchronous-normal` sets SQLite synchronous NORMAL instead of that mode's FULL;
 * `--fixes` runs node-wot-vo's protocol faces (src/protocols: the fixes of binding-http and binding-coap, body
 * limits, refusal codes, the request's origin) with no recorder and no store, so a bench can tell the price of
 * those fixes from the price of recording; without any of these, node-wot-vo is not even loaded (all modes serve
 * CoAP with VoCoapServer, imported from its own module, so the servers differ only by what the flags add).
 * `--http-only` serves HTTP alone (no CoAP server: bench/footprint measures what a VO loads for what it serves).
 * `--prefill N` writes N interactions of 40 days ago into the embedded store before attaching (bench/purge), and
 * SIGUSR1 then runs a purge (`vo.purge()`) and prints `PURGED <rows deleted> <ms>`.
 * Prints `READY <http base> <coap base> [<ws base>] [<mqtt base>]` when listening; on SIGTERM prints `STATS <json>` (the recorder's
 * counters, interactions handled, CPU microseconds used) and exits; on SIGUSR2 prints it and goes on.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Servient } from "@node-wot/core";
import { HttpServer } from "@node-wot/binding-http";

async function main(): Promise<void> {
    const influx = process.argv.includes("--influx");
    const record = influx || process.argv.includes("--record");
    const fixes = process.argv.includes("--fixes");
    const servient = new Servient();
    const http = new HttpServer({ port: 0, address: "127.0.0.1" });
    servient.addServer(http);
    // each protocol's module (and its binding) is loaded only when its server is asked for
    const coap = process.argv.includes("--http-only")
        ? undefined
        : new (await import("../../src/protocols/coap/coap-server")).VoCoapServer({ port: 0, address: "127.0.0.1" });
    if (coap !== undefined) servient.addServer(coap as never);
    const broker = process.argv.includes("--mqtt") ? process.argv[process.argv.indexOf("--mqtt") + 1] : undefined;
    const mqtt =
        broker === undefined
            ? undefined
            : new (await import("../../src/protocols/mqtt/mqtt-broker-server")).VoMqttBrokerServer({ uri: broker });
    if (mqtt !== undefined) servient.addServer(mqtt as never);
    const ws = process.argv.includes("--ws")
        ? new (await import("../../src/protocols/websocket/ws-server")).VoWebSocketServer({
              port: 0,
              address: "127.0.0.1",
          })
        : undefined;
    if (ws !== undefined) servient.addServer(ws as never);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-bench-"));
    const prefill = process.argv.includes("--prefill")
        ? Number(process.argv[process.argv.indexOf("--prefill") + 1])
        : 0;
    if (prefill > 0) await (await import("./prefill")).prefillOld(path.join(dir, "bench.sqlite"), prefill);
    const vo = record
        ? await (
              await import("../../src")
          ).VoPersistence.attach(servient, {
              sqlite: {
                  path: path.join(dir, "bench.sqlite"),
                  synchronous: process.argv.includes("--synchronous-normal") ? "normal" : undefined,
              },
              influxdb: influx ? {} : undefined,
              recording: process.argv.includes("--after-commit") ? { acknowledge: "after-commit" } : undefined,
          })
        : undefined;
    if (fixes) {
        const [{ protocolFor }, { resolveOptions }] = await Promise.all([
            import("../../src/protocols"),
            import("../../src/options/vo-options"),
        ]);
        const hooks = { limits: resolveOptions({}).protocols };
        for (const server of servient.getServers()) {
            if (protocolFor(server.scheme)?.instrument(server, hooks) !== true)
                throw new Error(`${server.scheme}: no face`);
        }
    }
    const wot = await servient.start();
    const thing = await wot.produce({
        title: "BenchThing",
        properties: {
            value: { type: "number", readOnly: true },
            setting: { type: "number" },
        },
        actions: { add: { input: { type: "number" }, output: { type: "number" } } },
    } as never);
    let n = 0;
    let setting = 0;
    let handled = 0; // interactions that reached a handler
    thing.setPropertyReadHandler("value", async () => (handled++, n++));
    thing.setPropertyReadHandler("setting", async () => (handled++, setting));
    thing.setPropertyWriteHandler("setting", async (io) => {
        handled++;
        setting = (await io.value()) as number;
    });
    thing.setActionHandler("add", async (io) => (handled++, ((await io.value()) as number) + 1));
    // CPU time of the whole process (all threads: SQLite's and libuv's too), for CPU per interaction
    const counters = () => {
        const cpu = process.cpuUsage();
        const m = process.memoryUsage();
        const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
        const memory = { heapUsedMiB: mib(m.heapUsed), heapTotalMiB: mib(m.heapTotal), externalMiB: mib(m.external) };
        return JSON.stringify({ ...vo?.stats(), handled, cpuUs: cpu.user + cpu.system, ...memory });
    };
    await thing.expose();
    const extra = [
        ws === undefined ? "" : ` ws://127.0.0.1:${ws.getPort()}/benchthing`,
        broker === undefined ? "" : ` ${broker}/BenchThing`,
    ].join("");
    console.log(
        `READY http://127.0.0.1:${http.getPort()}/benchthing coap://127.0.0.1:${coap?.getPort() ?? 0}/benchthing${extra}`
    );
    // SIGUSR2: print the counters without stopping (for benches that sample while running)
    process.on("SIGUSR2", () => console.log(`STATS ${counters()}`));
    process.on("SIGUSR1", () => {
        const started = performance.now();
        const before = vo?.stats().retention.purgedRows ?? 0;
        void vo?.purge().then(() => {
            const rows = (vo?.stats().retention.purgedRows ?? 0) - before;
            console.log(`PURGED ${rows} ${(performance.now() - started).toFixed(0)}`);
        });
    });
    process.once("SIGTERM", async () => {
        await servient.shutdown();
        console.log(`STATS ${counters()}`);
        fs.rmSync(dir, { recursive: true, force: true });
        process.exit(0);
    });
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
