import * as mqtt from "mqtt";

/**
 * Asks a broker whether it is up: a fresh connection, answered by CONNACK. With a topic (the URL's
 * path), a device publishing there is asked too: the probe waits for a message on it (a retained one
 * answers at once).
 */
export function mqttProbe(url: URL, timeoutMs: number): Promise<string> {
    const topic = decodeURIComponent(url.pathname.replace(/^\/+/, ""));
    const broker = `${url.protocol}//${url.host}`;
    return new Promise((resolve, reject) => {
        const client = mqtt.connect(broker, {
            connectTimeout: timeoutMs,
            reconnectPeriod: 0,
            username: url.username === "" ? undefined : decodeURIComponent(url.username),
            password: url.password === "" ? undefined : decodeURIComponent(url.password),
        });
        let settled = false;
        const finish = (err: Error | undefined, answer?: string): void => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            client.end(true);
            if (err === undefined) resolve(answer as string);
            else reject(err);
        };
        const timer = setTimeout(
            () =>
                finish(
                    new Error(
                        topic === ""
                            ? `no CONNACK within ${timeoutMs} ms`
                            : `no message on ${topic} within ${timeoutMs} ms`
                    )
                ),
            timeoutMs
        );
        client.on("error", (err) => finish(new Error(`broker ${url.host}: ${err.message}`)));
        client.on("close", () => finish(new Error(`broker ${url.host} closed the connection`)));
        client.on("connect", () => {
            if (topic === "") return finish(undefined, `MQTT CONNACK from ${url.host}`);
            client.on("message", () => finish(undefined, `MQTT message on ${topic} at ${url.host}`));
            client.subscribe(topic, (err) => {
                if (err) finish(new Error(`broker ${url.host} refused the subscription to ${topic}: ${err.message}`));
            });
        });
    });
}
