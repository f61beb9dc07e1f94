import { Readable } from "node:stream";
import { MqttBrokerServer } from "@node-wot/binding-mqtt";
import { Content, ContentSerdes, ExposedThing, Form } from "@node-wot/core";
import * as mqtt from "mqtt";
import type { IClientPublishOptions, IPublishPacket, MqttClient } from "mqtt";
import { formatAddress, urlHost } from "../../model/address";
import type { Protocol } from "../../model/interaction-record";
import { refusalOf, RequestRefusedError, REFUSAL_STATUS } from "../../model/refusal";
import { RequestOrigin, runAsRequest } from "../../model/request-context";
import { createLogger } from "../../log";
import { DEFAULT_PROTOCOL_LIMITS, ServerHooks } from "../protocol-face";
import { drain } from "../protocol-drain";
import { messageOrigin } from "./mqtt-origin";
import { affordanceTopic, parseRequestTopic, requestFilters, thingTopic, TopicRequest } from "./mqtt-topics";
import { DEFAULT_MQTT_CONNECT_TIMEOUT_MS, ResolvedMqttOptions } from "../../options/mqtt-options";
import { bindingLoaded } from "../node-wot-cores";
import { valueOf } from "../vo-wot-content";
import {
    isVoWotTopic,
    serveVoWotMessage,
    VO_WOT_FILTERS,
    voWotEmission,
    VoWotMqttHost,
    voWotTopic,
    voWotUpdate,
} from "./vo-wot-mqtt-dialect";

// binding-mqtt and its copy of node-wot's core load with this module (on demand): fixes and patch checks reach them
bindingLoaded();

const { debug, warn } = createLogger("protocols:mqtt:mqtt-broker-server");

/** The `mqtt` option resolved (options/mqtt-options.ts), or made by hand; connectTimeoutMs may be left out. */
export interface VoMqttServerConfig extends Omit<ResolvedMqttOptions, "connectTimeoutMs"> {
    connectTimeoutMs?: number;
    /** pause between reconnection attempts while the broker is away; default 1000 */
    reconnectPeriodMs?: number;
}

/** The VO's connection to its broker, as the self-check reports it. */
export interface BrokerConnection {
    broker: string;
    connected: boolean;
    /** since when it is (dis)connected, ms since the epoch */
    since: number;
    lastError?: string;
    things: number;
}

interface Listener {
    kind: "property" | "event";
    name: string;
    formIndex: number;
    fn: (content: Content) => Promise<void>;
}

interface Exposure {
    /** the unique name the Thing's topics start with (its title, suffixed when taken) */
    name: string;
    thing: ExposedThing;
    listeners: Listener[];
}

/** Servers by broker URL, so the self-check can ask the VO's own connection rather than a new one. */
const servers = new Set<VoMqttBrokerServer>();

export function brokerConnectionFor(url: URL): BrokerConnection | undefined {
    for (const s of servers) {
        const c = s.connection();
        if (c.broker === formatAddress(urlHost(url), url.port === "" ? defaultPort(url.protocol) : Number(url.port))) {
            return c;
        }
    }
    return undefined;
}

function defaultPort(scheme: string): number {
    return scheme.startsWith("mqtts") ? 8883 : 1883;
}

/**
 * Exposes Things over MQTT through a broker, with binding-mqtt's topic layout and forms, fixing what
 * its MqttBrokerServer 0.8.16 gets wrong:
 * - `start()` rejects when the broker is down, which fails `servient.start()` and with it every other
 *   protocol; here the VO serves without MQTT, reconnects, and re-announces everything when it is back
 * - it adds one `message` listener per exposed Thing, so with two Things every write runs twice
 * - topics are matched against undecoded names, so names with spaces, `%`, `/` never answer
 * - a write's `handleWriteProperty` promise is not awaited: a write the Thing refuses (a payload invalid
 *   for the property) is an unhandled rejection, which ends the process
 * - `readproperty` subscribes to a topic the binding publishes only on a change, and never retained,
 *   so a read waits until the value changes; here the value is published retained (when the VO
 *   connects, after each write over MQTT, on each change, and on a read request)
 * - `observeproperty` is advertised for properties that are not observable
 * - credentials given as `user` / `psw` are never handed to mqtt.js (which reads `username`/`password`)
 * - an action's output is dropped; here it is published to the MQTT 5 Response Topic when one is given
 * - `stop()` unsubscribes a topic it never subscribed ("*") and leaves its listeners on the Things
 */
export class VoMqttBrokerServer extends MqttBrokerServer {
    private readonly settings: Required<Omit<VoMqttServerConfig, "username" | "password" | "clientId" | "ca">> &
        VoMqttServerConfig;
    private readonly brokerUrl: URL;
    private readonly brokerAddress: string;
    private client: MqttClient | undefined;
    private readonly exposures = new Map<string, Exposure>();
    private state: { connected: boolean; since: number; lastError?: string } = { connected: false, since: Date.now() };
    private hooks: ServerHooks | undefined;
    /** messages being served, so stop() answers them before the recorder closes */
    private readonly inFlight = new Set<Promise<unknown>>();

    constructor(config: VoMqttServerConfig) {
        const uri = config.uri.includes("://") ? config.uri : `mqtt://${config.uri}`;
        super({ uri });
        this.settings = { connectTimeoutMs: DEFAULT_MQTT_CONNECT_TIMEOUT_MS, reconnectPeriodMs: 1000, ...config, uri };
        this.brokerUrl = new URL(uri);
        const port = this.brokerUrl.port === "" ? defaultPort(this.brokerUrl.protocol) : Number(this.brokerUrl.port);
        this.brokerAddress = formatAddress(urlHost(this.brokerUrl), port) as string;
        const internals = this as unknown as { scheme: string; port: number; address: string };
        internals.scheme = this.brokerUrl.protocol === "mqtts:" ? "mqtts" : "mqtt";
        // the broker's address and port, so the self-check asks the broker (see mqtt-face)
        internals.port = port;
        internals.address = urlHost(this.brokerUrl);
    }

    /** the limits and the refusal sink the VO serves by (set once by mqtt-face's instrument) */
    setHooks(hooks: ServerHooks): void {
        this.hooks = hooks;
    }

    connection(): BrokerConnection {
        return { broker: this.brokerAddress, ...this.state, things: this.exposures.size };
    }

    override async start(): Promise<void> {
        if (this.client !== undefined) return;
        servers.add(this);
        const client = mqtt.connect(this.settings.uri, {
            protocolVersion: 5,
            username: this.settings.username,
            password: this.settings.password,
            clientId: this.settings.clientId,
            ca: this.settings.ca,
            connectTimeout: this.settings.connectTimeoutMs,
            reconnectPeriod: this.settings.reconnectPeriodMs,
            resubscribe: false, // every (re)connect subscribes and publishes afresh (announce)
            clean: true,
        });
        this.client = client;
        client.on("message", (topic, payload, packet) => this.onMessage(topic, payload, packet));
        client.on("connect", () => {
            this.state = { connected: true, since: Date.now() };
            debug("connected to %s", this.brokerAddress);
            for (const e of this.exposures.values()) void this.announce(e);
        });
        client.on("error", (err) => {
            this.state.lastError = err.message;
            debug("broker %s: %s", this.brokerAddress, err.message);
        });
        client.on("close", () => {
            if (this.state.connected) {
                this.state = { connected: false, since: Date.now(), lastError: "connection closed" };
                warn("MQTT broker %s went away; reconnecting", this.brokerAddress);
            }
        });
        await new Promise<void>((resolve) => {
            const done = (): void => {
                clearTimeout(timer);
                client.off("connect", done);
                client.off("error", done);
                client.off("close", done);
                resolve();
            };
            const timer = setTimeout(done, this.settings.connectTimeoutMs);
            client.once("connect", done);
            client.once("error", done);
            client.once("close", done);
        });
        if (!this.state.connected) {
            warn(
                "MQTT broker %s is not reachable (%s): the VO serves its other protocols and connects when it is back",
                this.brokerAddress,
                this.state.lastError ?? "no answer"
            );
        }
    }

    override async stop(): Promise<void> {
        servers.delete(this);
        await drain(this.inFlight);
        this.state.connected = false; // the close that follows is ours, not the broker going away
        for (const e of this.exposures.values()) this.release(e, "MQTT server stopped");
        this.exposures.clear();
        const client = this.client;
        this.client = undefined;
        if (client !== undefined) await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
        this.state = { connected: false, since: Date.now(), lastError: "stopped" };
    }

    override async destroy(thingId: string): Promise<boolean> {
        for (const [name, e] of this.exposures) {
            if (e.thing.id !== thingId) continue;
            this.release(e, "Thing destroyed");
            this.exposures.delete(name);
            if (this.state.connected) {
                // an empty retained message clears what the broker keeps for the Thing
                this.publish(thingTopic(name), Buffer.alloc(0), { retain: true });
                for (const p of Object.keys(e.thing.properties)) {
                    this.publish(affordanceTopic(name, "properties", p), Buffer.alloc(0), { retain: true });
                }
            }
            return true;
        }
        return false;
    }

    // typed against binding-mqtt's own copy of core; the servient hands this core's ExposedThing
    override async expose(exposed: Parameters<MqttBrokerServer["expose"]>[0]): Promise<void> {
        const thing = exposed as unknown as ExposedThing;
        let name = thing.title;
        for (let n = 2; this.exposures.has(name); n++) name = `${thing.title}_${n}`;
        const exposure: Exposure = { name, thing, listeners: [] };
        this.exposures.set(name, exposure);
        const base = `${this.settings.uri.replace(/\/+$/, "")}/`;
        const own = this.ownRequest();

        for (const [p, property] of Object.entries(thing.properties)) {
            const topic = affordanceTopic(name, "properties", p);
            if (property.writeOnly !== true) {
                const form = new Form(base + topic, ContentSerdes.DEFAULT);
                form.op =
                    property.observable === true
                        ? ["readproperty", "observeproperty", "unobserveproperty"]
                        : ["readproperty"];
                property.forms.push(form);
                const formIndex = property.forms.length - 1;
                const fn = async (content: Content): Promise<void> => {
                    const body = await content.toBuffer();
                    this.publish(topic, body, { retain: true });
                    if (this.voWot) await this.publishVoWot("property", thing.title, p, content.type, body);
                };
                if (property.observable === true) {
                    exposure.listeners.push({ kind: "property", name: p, formIndex, fn });
                    await runAsRequest(own, () => thing.handleObserveProperty(p, fn, { formIndex })).catch((err) =>
                        warn("%s: cannot observe %s for MQTT: %s", thing.title, p, (err as Error).message)
                    );
                }
            }
            if (property.readOnly !== true) {
                const form = new Form(`${base}${topic}/writeproperty`, ContentSerdes.DEFAULT);
                form.op = ["writeproperty"];
                property.forms.push(form);
            }
        }
        for (const [a, action] of Object.entries(thing.actions)) {
            const form = new Form(base + affordanceTopic(name, "actions", a), ContentSerdes.DEFAULT);
            form.op = ["invokeaction"];
            action.forms.push(form);
        }
        for (const [ev, event] of Object.entries(thing.events)) {
            const topic = affordanceTopic(name, "events", ev);
            const form = new Form(base + topic, ContentSerdes.DEFAULT) as Form & Record<string, unknown>;
            form["mqv:qos"] = "1";
            form.op = ["subscribeevent", "unsubscribeevent"];
            event.forms.push(form);
            const formIndex = event.forms.length - 1;
            const fn = async (content: Content): Promise<void> => {
                const body = content === undefined ? Buffer.alloc(0) : await content.toBuffer();
                this.publish(topic, body, { qos: 1 });
                if (this.voWot) await this.publishVoWot("event", thing.title, ev, content?.type, body);
            };
            exposure.listeners.push({ kind: "event", name: ev, formIndex, fn });
            await runAsRequest(own, () => thing.handleSubscribeEvent(ev, fn, { formIndex })).catch((err) =>
                warn("%s: cannot subscribe %s for MQTT: %s", thing.title, ev, (err as Error).message)
            );
        }
        debug("exposes %s as %s/*", thing.title, thingTopic(name));
        if (this.state.connected) await this.announce(exposure);
    }

    /** Subscribes the Thing's request topics and publishes its TD and property values, retained. */
    private async announce(e: Exposure): Promise<void> {
        const client = this.client;
        if (client === undefined) return;
        try {
            await client.subscribeAsync(requestFilters(e.name), { qos: 1 });
            if (this.voWot) await client.subscribeAsync(VO_WOT_FILTERS, { qos: 2 });
            this.publish(thingTopic(e.name), Buffer.from(JSON.stringify(e.thing.getThingDescription())), {
                retain: true,
            });
            for (const [p, property] of Object.entries(e.thing.properties)) {
                if (property.writeOnly !== true) await this.publishValue(e, p);
            }
        } catch (err) {
            warn("%s not announced at %s: %s", e.name, this.brokerAddress, (err as Error).message);
        }
    }

    /**
     * Reads a property and publishes the value retained. The read is the broker's (its subscribers
     * are served from the retained value), or with `forClient` the requesting client's, whose
     * refusal then propagates.
     */
    private async publishValue(e: Exposure, p: string, forClient = false): Promise<Buffer> {
        const property = e.thing.properties[p];
        const formIndex = Math.max(
            0,
            property.forms.findIndex((f) => f.href.startsWith(this.settings.uri))
        );
        const read = (): Promise<Content> => e.thing.handleReadProperty(p, { formIndex });
        let content: Content;
        if (forClient) content = await read();
        else {
            const own = await runAsRequest(this.ownRequest(), read).catch((err: Error) => {
                debug("%s/%s not published: %s", e.name, p, err.message);
                return undefined;
            });
            if (own === undefined) return Buffer.alloc(0);
            content = own;
        }
        const body = await content.toBuffer();
        this.publish(affordanceTopic(e.name, "properties", p), body, { retain: true });
        return body;
    }

    private publish(topic: string, body: Buffer, options: IClientPublishOptions): void {
        if (this.client === undefined || !this.state.connected) return; // announced again on reconnect
        this.client.publish(topic, body, { qos: 1, ...options }, (err) => {
            if (err) debug("publish %s failed: %s", topic, err.message);
        });
    }

    /** The VO's own listeners speak for the broker: its subscribers are the observers, unseen by the VO. */
    private ownRequest(endReason?: string): RequestOrigin {
        return { protocol: this.scheme as Protocol, origin: this.brokerAddress, endReason };
    }

    private release(e: Exposure, reason: string): void {
        for (const l of e.listeners) {
            runAsRequest(this.ownRequest(reason), () => {
                try {
                    if (l.kind === "property")
                        e.thing.handleUnobserveProperty(l.name, l.fn, { formIndex: l.formIndex });
                    else e.thing.handleUnsubscribeEvent(l.name, l.fn, { formIndex: l.formIndex });
                } catch (err) {
                    debug("release %s: %s", l.name, (err as Error).message);
                }
            });
        }
    }

    /** vo-wot's topics and envelopes are spoken too (vo-wot-mqtt-dialect.ts) */
    private get voWot(): boolean {
        return this.hooks?.limits.voWot === true;
    }

    /** A change or an emission on vo-wot's topic, in its envelope. */
    private async publishVoWot(
        kind: "property" | "event",
        title: string,
        name: string,
        type: string | undefined,
        body: Buffer
    ): Promise<void> {
        let value: unknown;
        try {
            value =
                body.length === 0
                    ? null
                    : await valueOf(new Content(type ?? ContentSerdes.DEFAULT, Readable.from([body])), undefined);
        } catch (err) {
            return debug("%s/%s not published for vo-wot: %s", title, name, (err as Error).message);
        }
        if (kind === "property")
            this.publish(voWotTopic("property/updates", title, name), voWotUpdate(value), { qos: 0 });
        else this.publish(voWotTopic("event", title, name), voWotEmission(name, value), { qos: 0 });
    }

    private voWotHost(): VoWotMqttHost {
        return {
            things: () => [...this.exposures.values()].map((e) => e.thing),
            publish: (topic, body, qos) => this.publish(topic, body, { qos }),
            hooks: () => this.hooks,
            protocol: this.scheme as Protocol,
            broker: this.brokerAddress,
            formIndex: (a) =>
                Math.max(
                    0,
                    a.forms.findIndex((f) => f.href.startsWith(this.settings.uri))
                ),
        };
    }

    private onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
        if (this.voWot && isVoWotTopic(topic)) {
            const served = serveVoWotMessage(this.voWotHost(), topic, payload, packet);
            this.inFlight.add(served);
            void served
                .catch((err: Error) => debug("vo-wot message on %s: %s", topic, err.message))
                .finally(() => this.inFlight.delete(served));
            return;
        }
        const request = parseRequestTopic(topic);
        const exposure = request === undefined ? undefined : this.exposures.get(request.thing);
        if (request === undefined || exposure === undefined) {
            debug("message on %s names nothing exposed here", topic);
            return;
        }
        const origin: RequestOrigin = {
            protocol: this.scheme as Protocol,
            origin: messageOrigin(packet, this.brokerAddress),
        };
        const served = runAsRequest(origin, () => this.serve(exposure, request, payload, packet));
        this.inFlight.add(served);
        void served.catch(() => undefined).finally(() => this.inFlight.delete(served));
        served.then(
            (answer) => this.reply(packet, 200, answer),
            (err: unknown) => {
                const refusal = refusalOf(err);
                const status = refusal === undefined ? 500 : REFUSAL_STATUS[refusal.reason];
                const message = (err as Error).message;
                debug("%s %s/%s refused (%d): %s", request.kind, exposure.name, request.name, status, message);
                this.reply(packet, status, Buffer.from(JSON.stringify({ error: message, status })));
            }
        );
    }

    /** Serves one request; resolves with what the answer carries, rejects with why it was refused. */
    private async serve(e: Exposure, r: TopicRequest, payload: Buffer, packet: IPublishPacket): Promise<Buffer> {
        const thing = e.thing;
        const kind = r.kind === "invokeaction" ? "action" : "property";
        const affordance = kind === "action" ? thing.actions[r.name] : thing.properties[r.name];
        const limit = this.hooks?.limits.maxBodyBytes ?? DEFAULT_PROTOCOL_LIMITS.maxBodyBytes;
        let refusal: RequestRefusedError | undefined;
        if (affordance === undefined) {
            refusal = new RequestRefusedError("not-found", `${thing.title} has no ${kind} "${r.name}"`);
        } else if (payload.length > limit) {
            refusal = new RequestRefusedError(
                "payload-too-large",
                `payload of ${payload.length} bytes is over the limit of ${limit} bytes`
            );
        }
        if (refusal !== undefined) {
            this.hooks?.refused?.({
                thing: thing.id,
                kind,
                name: r.name,
                op: r.kind,
                protocol: this.scheme as Protocol,
                origin: messageOrigin(packet, this.brokerAddress),
                error: refusal,
            });
            throw refusal;
        }
        const formIndex = Math.max(
            0,
            affordance.forms.findIndex((f) => f.href.startsWith(this.settings.uri))
        );
        const type = packet.properties?.contentType ?? ContentSerdes.DEFAULT;
        if (r.kind === "readproperty") {
            if (thing.properties[r.name].writeOnly === true) {
                throw new RequestRefusedError("method-not-allowed", `property "${r.name}" is write-only`);
            }
            return this.publishValue(e, r.name, true);
        }
        const input = new Content(type, Readable.from(payload.length === 0 ? [] : [payload]));
        if (r.kind === "writeproperty") {
            await thing.handleWriteProperty(r.name, input, { formIndex });
            if (thing.properties[r.name].writeOnly !== true) void this.publishValue(e, r.name);
            return Buffer.alloc(0);
        }
        const output = await thing.handleInvokeAction(r.name, input, { formIndex });
        return output === undefined || output === null ? Buffer.alloc(0) : output.toBuffer();
    }

    /** Answers an MQTT 5 request (one with a Response Topic); a message without one gets no answer. */
    private reply(packet: IPublishPacket, status: number, body: Buffer): void {
        const responseTopic = packet.properties?.responseTopic;
        if (responseTopic === undefined || this.client === undefined) return;
        this.client.publish(responseTopic, body, {
            qos: 1,
            properties: {
                correlationData: packet.properties?.correlationData,
                contentType: "application/json",
                userProperties: { status: String(status) },
            },
        });
    }
}
