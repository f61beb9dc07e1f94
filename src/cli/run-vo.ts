import { ExposedThing, Servient } from "@node-wot/core";
import type { HttpServer } from "@node-wot/binding-http";
import type * as WoT from "wot-typescript-definitions";
import { lazyCoapClientFactory } from "../protocols/lazy-client-factory";
import { voWotConsumable } from "../protocols/vo-wot-forms";
import type { VoCoapServer } from "../protocols/coap/coap-server";
import { VoHttpClientFactory, VoHttpsClientFactory } from "../protocols/http/http-client-factory";
import { addProtocolServers } from "../protocols/protocol-servers";
import { setStaticAddress } from "../protocols/static-address";
import { VoPersistence } from "../plugin";
import { consumeVos, serveFromConsumed, subscribeConsumed } from "../proxy/consumed-vos";
import { attachDevicePush } from "../proxy/device-push";
import { DeviceProxy } from "../proxy/device-proxy";
import type { RunConfig } from "./descriptor";
import { loadThingDescription } from "./td-validation";
import { ScriptProperties } from "./script-properties";
import { reactToOwnEvents } from "./script-reactions";
import { checkVoScript, loadVoScript, NO_SCRIPT, VoScript, VoScriptContext } from "./vo-script";
import { VoError } from "../model/errors";

export interface RunVoOptions {
    config: RunConfig;
    /** the VO's own Thing; validated against the W3C TD 1.1 schema */
    tdFile?: string;
    scriptFile?: string;
    /** where the VO's messages go (default stdout) */
    log?: (line: string) => void;
}

/** A VO started by `runVo`; `stop()` flushes the records and shuts it down. */
export interface RunningVo {
    servient: Servient;
    wot: typeof WoT;
    vo: VoPersistence;
    thing?: WoT.ExposedThing;
    proxy?: DeviceProxy;
    httpPort?: number;
    coapPort?: number;
    /** where each exposed Thing's TD is served, by Thing title */
    thingUrls(): { title: string; urls: string[] }[];
    stop(): Promise<void>;
}

const BASIC_SCHEME = "basic_sc";
const BEARER_SCHEME = "bearer_sc";

/** The descriptor, TD and script are each valid but do not go together. */
export class InvalidRunError extends VoError {
    readonly kind = "invalid-input";
}

/**
 * Loads the TD and the script of a run and checks that they fit each other and the descriptor;
 * what `node-wot-vo validate` checks, and `runVo` before anything starts.
 */
export function loadRunInputs(
    config: RunConfig,
    tdFile: string | undefined,
    scriptFile: string | undefined
): { init: WoT.ExposedThingInit | undefined; script: VoScript } {
    const init =
        tdFile === undefined ? undefined : (loadThingDescription(tdFile, { forProduce: true }) as WoT.ExposedThingInit);
    const script: VoScript = scriptFile === undefined ? {} : loadVoScript(scriptFile);
    checkVoScript(script, scriptFile ?? NO_SCRIPT, init, config.periodic, config.consumedVOs);
    if (config.push !== undefined && init === undefined) {
        throw new InvalidRunError("the descriptor's push needs the VO's own Thing (--td) for the device to write to");
    }
    return { init, script };
}

/**
 * Runs a VO from its descriptor, its own TD and its script: servers, recording, device proxy and
 * push, script handlers and periodic functions. Anything invalid fails before a port is opened.
 */
export async function runVo(options: RunVoOptions): Promise<RunningVo> {
    const { config } = options;
    const log = options.log ?? ((line: string) => void process.stdout.write(`${line}\n`));
    const { init, script } = loadRunInputs(config, options.tdFile, options.scriptFile);
    const { servient, http, coap } = servientWithServers(config);
    const { vo, produced } = await attachRecording(servient, config);
    const life = new RunLifecycle(servient, log);
    try {
        const wot = await servient.start();
        const properties = new ScriptProperties(init, script, log);
        const ctx: VoScriptContext = {
            servient,
            wot,
            vo,
            sqliteDb: vo.sqliteDb,
            influxdb: vo.influxdb,
            config,
            log,
            consumedVOs: {},
            getValue: (name) => properties.get(name),
            setValue: (name, value) => properties.set(name, value),
        };
        const thing = await startThings({ config, init, script, log, vo, wot, ctx, properties, life });
        life.timers.push(...startPeriodicFunctions(config.periodic, script, ctx, log));
        return {
            servient,
            wot,
            vo,
            thing,
            proxy: life.proxy,
            httpPort: http?.getPort(),
            coapPort: coap?.getPort(),
            thingUrls: () => produced.map((t) => thingUrls(t.getThingDescription() as WoT.ThingDescription)),
            stop: life.stop,
        };
    } catch (err) {
        await life.stop().catch(() => undefined);
        throw err;
    }
}

/**
 * The servient with the descriptor's HTTP and CoAP servers and the clients a VO consumes with; its MQTT and
 * WebSocket servers are options of the recording (`persistence`), added by `VoPersistence.attach`.
 */
function servientWithServers(config: RunConfig): { servient: Servient; http?: HttpServer; coap?: VoCoapServer } {
    setStaticAddress(config.address);
    const servient = new Servient();
    const security = config.security.scheme === "nosec" ? undefined : [{ scheme: config.security.scheme }];
    const { http, coap } = addProtocolServers(servient, {
        http:
            config.httpPort === undefined
                ? undefined
                : {
                      port: config.httpPort,
                      address: config.bind,
                      security: security as never,
                      serverCert: config.https?.certFile,
                      serverKey: config.https?.keyFile,
                  },
        coap:
            config.coapPort === undefined
                ? undefined
                : { port: config.coapPort, address: config.bind, mdns: config.mdns },
    });
    servient.addClientFactory(new VoHttpClientFactory());
    servient.addClientFactory(new VoHttpsClientFactory());
    servient.addClientFactory(lazyCoapClientFactory()); // binding-coap loads only if CoAP is spoken
    return { servient, http, coap };
}

/** Opens the stores and attaches the recorders; every Thing produced from then on is listed and secured. */
async function attachRecording(
    servient: Servient,
    config: RunConfig
): Promise<{ vo: VoPersistence; produced: ExposedThing[] }> {
    const vo = await VoPersistence.attach(servient, config.persistence);
    const produced: ExposedThing[] = [];
    watchThings(servient, config.security, produced);
    return { vo, produced };
}

/**
 * What a started VO undoes when it stops, in this order: consuming, the periodic functions, the
 * subscriptions to consumed VOs, the script's teardown, the device proxy, the servient. Each stage
 * adds to it as it starts, so a run that fails halfway stops what it had started.
 */
class RunLifecycle {
    readonly timers: NodeJS.Timeout[] = [];
    readonly subscriptions: WoT.Subscription[] = [];
    readonly consuming = new AbortController();
    teardown: unknown;
    proxy?: DeviceProxy;
    private stopping?: Promise<void>;

    constructor(
        private readonly servient: Servient,
        private readonly log: (line: string) => void
    ) {}

    /** Stops the VO once; later calls wait for the same stop. */
    readonly stop = (): Promise<void> => (this.stopping ??= this.shutDown());

    private async shutDown(): Promise<void> {
        this.consuming.abort();
        for (const t of this.timers) clearInterval(t);
        for (const sub of this.subscriptions) await sub.stop().catch(() => undefined);
        if (typeof this.teardown === "function") {
            try {
                await (this.teardown as () => unknown)();
            } catch (err) {
                this.log(`script teardown failed: ${(err as Error).message}`);
            }
        }
        await this.proxy?.close();
        await this.servient.shutdown(); // also flushes and closes the stores
    }
}

/** What the stages of a started servient share. */
interface RunStage {
    config: RunConfig;
    init: WoT.ExposedThingInit | undefined;
    script: VoScript;
    log: (line: string) => void;
    vo: VoPersistence;
    wot: typeof WoT;
    ctx: VoScriptContext;
    properties: ScriptProperties;
    life: RunLifecycle;
}

/**
 * The consumed VOs first (the VO's Thing may serve from them), then the VO's own Thing, the
 * subscriptions to the consumed VOs, the device proxy and the script's setup; the Thing is exposed
 * last, with what the device pushes, so no request finds it half set up.
 */
async function startThings(run: RunStage): Promise<WoT.ExposedThing | undefined> {
    const { config, script, ctx, life } = run;
    ctx.consumedVOs = await consumeAtStart(run);
    const thing = run.init === undefined ? undefined : await produceOwnThing(run, run.init);
    life.subscriptions.push(...(await followConsumed(run, thing)));
    if (config.proxy !== undefined) {
        life.proxy = await DeviceProxy.start(run.wot, run.vo, config.proxy, preparedForClients);
        ctx.mirror = life.proxy.mirror;
        ctx.device = life.proxy.device;
    }
    if (script.setup !== undefined) life.teardown = await script.setup(ctx);
    if (thing !== undefined) {
        await thing.expose();
        if (config.push !== undefined) attachDevicePush(thing, run.vo, config.push);
    }
    return thing;
}

/** A TD as the VO's clients consume it: a vo-wot TD's forms marked for vo-wot's bodies (vo-wot-forms.ts). */
const preparedForClients = (td: WoT.ThingDescription): WoT.ThingDescription => voWotConsumable(td).td;

/** Consumes the descriptor's consumedVOs; the VO is not ready (/readyz) until every one is consumed. */
async function consumeAtStart({ config, vo, wot, log, life }: RunStage): Promise<Record<string, WoT.ConsumedThing>> {
    const consumedVOs = config.consumedVOs ?? {};
    const pending = new Set(Object.keys(consumedVOs));
    if (pending.size > 0) {
        vo.health.add("readyz", "consumedVOs", () =>
            pending.size === 0
                ? { ok: true, detail: `${Object.keys(consumedVOs).join(", ")} consumed` }
                : { ok: false, detail: `not consumed yet: ${[...pending].join(", ")}`, retryAfterSeconds: 1 }
        );
    }
    const wrap = (t: WoT.ConsumedThing, name: string) => (pending.delete(name), vo.recordConsumed(t));
    return consumeVos(wot, consumedVOs, wrap, log, life.consuming.signal, preparedForClients);
}

/** The VO's own Thing with the script's properties and actions and what it serves from consumed VOs. */
async function produceOwnThing(run: RunStage, init: WoT.ExposedThingInit): Promise<WoT.ExposedThing> {
    const { ctx } = run;
    const thing = await run.wot.produce(init);
    ctx.thing = thing;
    run.properties.serve(thing, ctx);
    reactToOwnEvents(thing, run.script, ctx, run.log);
    setScriptActions(thing, init, run.script, ctx);
    serveFromConsumed(thing, ctx.consumedVOs, run.config.consumedVOs ?? {});
    return thing;
}

/** The consumed VOs' events and property changes, to the script's handlers and the events the Thing relays. */
function followConsumed(
    { config, script, ctx }: RunStage,
    thing: WoT.ExposedThing | undefined
): Promise<WoT.Subscription[]> {
    return subscribeConsumed(ctx.consumedVOs, config.consumedVOs ?? {}, {
        event: (name, event, data) => script.consumed?.[name]?.events?.[event]?.(data, ctx),
        propertyChange: (name, property, value) => script.consumed?.[name]?.propertyChanges?.[property]?.(value, ctx),
        served: (_name, event, data) => thing?.emitEvent(event, data as WoT.InteractionInput),
    });
}

/** The descriptor's periodic functions, each run every so many ms, a slow run not stacked on itself. */
function startPeriodicFunctions(
    periodic: RunConfig["periodic"],
    script: VoScript,
    ctx: VoScriptContext,
    log: (line: string) => void
): NodeJS.Timeout[] {
    return Object.entries(periodic).map(([name, ms]) => {
        const fn = script[name] as (c: VoScriptContext) => unknown;
        let running = false;
        return setInterval(async () => {
            if (running) return; // a slow run is not stacked on itself
            running = true;
            try {
                await fn(ctx);
            } catch (err) {
                log(`periodic function ${name} failed: ${(err as Error).message}`);
            } finally {
                running = false;
            }
        }, ms);
    });
}

/** The script's action handlers. */
function setScriptActions(
    thing: WoT.ExposedThing,
    init: WoT.ExposedThingInit,
    script: VoScript,
    ctx: VoScriptContext
): void {
    for (const [name, fn] of Object.entries(script.actions ?? {})) {
        const hasInput = init.actions?.[name]?.input !== undefined;
        thing.setActionHandler(name, async (params) => {
            const input = hasInput ? await params.value() : undefined;
            return ((await fn(input, ctx)) ?? undefined) as WoT.InteractionInput;
        });
    }
}

/**
 * Every Thing the servient produces (the VO's own, the mirror, the VO status Thing, any a script
 * produces) is listed, and with basic or bearer security gets its security definition and the VO's
 * credentials before it is exposed, so none is left open by accident.
 */
function watchThings(servient: Servient, security: RunConfig["security"], produced: ExposedThing[]): void {
    const addThing = servient.addThing.bind(servient);
    servient.addThing = (thing: ExposedThing): boolean => {
        const added = addThing(thing); // gives the Thing its id when it has none
        produced.push(thing);
        if (security.scheme === "basic") {
            thing.securityDefinitions = { [BASIC_SCHEME]: { scheme: "basic", in: "header" } };
            thing.security = BASIC_SCHEME;
            servient.addCredentials({ [thing.id]: { username: security.username, password: security.password } });
        } else if (security.scheme === "bearer") {
            // what protocols/http/http-bearer checks a request's token against, per Thing
            const jwt = security.jwtPublicKey;
            thing.securityDefinitions = {
                [BEARER_SCHEME]: { scheme: "bearer", in: "header", format: jwt === undefined ? "opaque" : "jwt" },
            } as never;
            thing.security = BEARER_SCHEME;
            for (const token of security.tokens ?? []) servient.addCredentials({ [thing.id]: { token } });
            if (jwt !== undefined) servient.addCredentials({ [thing.id]: { publicKey: jwt } });
        }
        return added;
    };
}

/**
 * The TD URL of a Thing per scheme, taken from its forms (`…/<thing>/properties/x` -> `…/<thing>`);
 * the shortest, as servers also answer under the URL-encoded id.
 */
function thingUrls(td: WoT.ThingDescription): { title: string; urls: string[] } {
    const byScheme = new Map<string, string>();
    for (const kind of ["properties", "actions", "events"] as const) {
        for (const affordance of Object.values(td[kind] ?? {})) {
            for (const form of (affordance as { forms?: { href: string }[] }).forms ?? []) {
                const cut = form.href.search(/\/(properties|actions|events)\//);
                if (cut <= 0) continue;
                const url = form.href.slice(0, cut);
                const scheme = url.slice(0, url.indexOf(":"));
                const known = byScheme.get(scheme);
                if (known === undefined || url.length < known.length) byScheme.set(scheme, url);
            }
        }
    }
    return { title: td.title, urls: [...byScheme.values()].sort().reverse() };
}
