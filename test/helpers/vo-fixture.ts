import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Servient } from "@node-wot/core";
import { HttpServer } from "@node-wot/binding-http";
import type * as WoT from "wot-typescript-definitions";
import {
    setStaticAddress,
    VoCoapClientFactory,
    VoCoapServer,
    VoHttpClientFactory,
    VoPersistence,
    VoPersistenceOptions,
} from "../../src";

export const SENSOR_TD_PATH = path.join(
    __dirname,
    "..",
    "..",
    "..",
    "thing-descriptions",
    "environment-sensor.td.json"
);

export function sensorModel(): WoT.ExposedThingInit {
    return JSON.parse(fs.readFileSync(SENSOR_TD_PATH, "utf8"));
}

export function tempDir(prefix = "node-wot-vo-"): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface VoFixture {
    servient: Servient;
    wot: typeof WoT;
    vo: VoPersistence;
    dbPath: string;
    httpPort: number;
    coapPort: number;
    close(): Promise<void>;
}

/**
 * A real servient with HTTP and CoAP servers on 127.0.0.1 (free ports, or the HTTP port given: a VO
 * started again where clients knew it) and the plugin on a temporary file (or `options.sqlite.path`).
 */
export async function startVo(options: VoPersistenceOptions = {}, httpPort = 0): Promise<VoFixture> {
    setStaticAddress("127.0.0.1");
    const dir = tempDir();
    const dbPath = options.sqlite?.path ?? path.join(dir, "vo.sqlite");
    const servient = new Servient();
    const http = new HttpServer({ port: httpPort, address: "127.0.0.1" });
    // binding-coap 0.8.16 is typed against its own nested core copy.
    const coap = new VoCoapServer({ port: 0, address: "127.0.0.1" });
    servient.addServer(http);
    servient.addServer(coap as never);
    servient.addClientFactory(new VoHttpClientFactory()); // a VO proxies devices and follows redirects
    servient.addClientFactory(new VoCoapClientFactory() as never);
    const vo = await VoPersistence.attach(servient, {
        // recording tests count records exactly: the VO Thing and its self-check are off unless asked for
        vo: { thing: false, selfCheckIntervalMs: 0 },
        ...options,
        sqlite: { path: dbPath },
        recording: { flushIntervalMs: 20, ...options.recording },
    });
    const wot = await servient.start();
    return {
        servient,
        wot,
        vo,
        dbPath,
        httpPort: http.getPort(),
        coapPort: coap.getPort(),
        async close() {
            await servient.shutdown();
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** A Thing `urn:test:sensor` ("Sensor", at /sensor) with a numeric property `temperature` that reads 21.5. */
export async function exposeSensor(fx: VoFixture): Promise<WoT.ExposedThing> {
    const thing = await fx.wot.produce({
        id: "urn:test:sensor",
        title: "Sensor",
        properties: { temperature: { type: "number" } },
    } as WoT.ExposedThingInit);
    thing.setPropertyReadHandler("temperature", async () => 21.5);
    await thing.expose();
    return thing;
}

export interface ClientFixture {
    wot: typeof WoT;
    close(): Promise<void>;
}

/** A second servient that only consumes, over node-wot's HTTP and CoAP clients as this package fixes them. */
export async function startClient(): Promise<ClientFixture> {
    const servient = new Servient();
    servient.addClientFactory(new VoHttpClientFactory());
    servient.addClientFactory(new VoCoapClientFactory() as never);
    const wot = await servient.start();
    return { wot, close: () => servient.shutdown() };
}

/** The index of the first form of an affordance whose href uses `scheme` (and optionally `op`). */
export function formIndex(
    affordance: { forms: { href: string; op?: string | string[] }[] },
    scheme: string,
    op?: string
): number {
    const i = affordance.forms.findIndex(
        (f) => f.href.startsWith(`${scheme}:`) && (op === undefined || f.op === undefined || [f.op].flat().includes(op))
    );
    if (i < 0) throw new Error(`no ${scheme} form${op ? ` for ${op}` : ""}`);
    return i;
}

/** Polls `check` until it returns true or `timeoutMs` passes (bounded). */
export async function waitFor(
    check: () => Promise<boolean> | boolean,
    timeoutMs = 5000,
    what = "condition"
): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
