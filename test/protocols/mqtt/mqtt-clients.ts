import crypto from "node:crypto";
import * as mqtt from "mqtt";
import type { MqttClient } from "mqtt";

/** A real MQTT 5 client (the `mqtt` package) against the test broker, stating its id as a user property. */
export class TestMqttClient {
    private constructor(
        readonly client: MqttClient,
        readonly id: string
    ) {}

    static async connect(url: string, id = `tester-${crypto.randomBytes(3).toString("hex")}`): Promise<TestMqttClient> {
        const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: id, reconnectPeriod: 0 });
        return new TestMqttClient(client, id);
    }

    /** The next message on `topic` (a retained one comes at once), within `timeoutMs`. */
    async next(topic: string, timeoutMs = 5000, accept: (body: Buffer) => boolean = () => true): Promise<Buffer> {
        let onMessage: ((t: string, body: Buffer) => void) | undefined;
        let timer: NodeJS.Timeout | undefined;
        try {
            const got = new Promise<Buffer>((resolve, reject) => {
                onMessage = (t, body) => {
                    if (t === topic && accept(body)) resolve(body);
                };
                this.client.on("message", onMessage);
                timer = setTimeout(() => reject(new Error(`no message on ${topic} within ${timeoutMs} ms`)), timeoutMs);
            });
            await this.client.subscribeAsync(topic, { qos: 1 });
            return await got;
        } finally {
            clearTimeout(timer);
            if (onMessage) this.client.off("message", onMessage);
            await this.client.unsubscribeAsync(topic).catch(() => undefined);
        }
    }

    /** Publishes `body` to `topic` (no answer expected). */
    async publish(topic: string, body: string | Buffer, statesId = true): Promise<void> {
        await this.client.publishAsync(topic, body, {
            qos: 1,
            properties: statesId ? { userProperties: { "client-id": this.id } } : undefined,
        });
    }

    /** An MQTT 5 request: publishes with a Response Topic and waits for the VO's answer. */
    async request(topic: string, body: string | Buffer, timeoutMs = 5000): Promise<{ status: number; body: Buffer }> {
        const responseTopic = `replies/${this.id}/${crypto.randomBytes(4).toString("hex")}`;
        const correlationData = crypto.randomBytes(8);
        let onMessage: ((t: string, b: Buffer, p: mqtt.IPublishPacket) => void) | undefined;
        let timer: NodeJS.Timeout | undefined;
        try {
            const got = new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
                onMessage = (t, b, packet) => {
                    if (t !== responseTopic) return;
                    if (!correlationData.equals(packet.properties?.correlationData ?? Buffer.alloc(0))) return;
                    const status = packet.properties?.userProperties?.status;
                    resolve({ status: Number(Array.isArray(status) ? status[0] : status), body: b });
                };
                this.client.on("message", onMessage);
                timer = setTimeout(() => reject(new Error(`no answer on ${topic} within ${timeoutMs} ms`)), timeoutMs);
            });
            await this.client.subscribeAsync(responseTopic, { qos: 1 });
            await this.client.publishAsync(topic, body, {
                qos: 1,
                properties: { responseTopic, correlationData, userProperties: { "client-id": this.id } },
            });
            return await got;
        } finally {
            clearTimeout(timer);
            if (onMessage) this.client.off("message", onMessage);
            await this.client.unsubscribeAsync(responseTopic).catch(() => undefined);
        }
    }

    end(): Promise<void> {
        return this.client.endAsync(true);
    }
}

/** A form's topic: its href's path, as a client takes it (binding-mqtt's MqttClient does the same). */
export function topicOf(href: string): string {
    return new URL(href).pathname.slice(1);
}
