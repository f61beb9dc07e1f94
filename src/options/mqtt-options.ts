import { envValue, fileText, invalidOption, positiveInteger, section, text, url } from "./option-checks";

/** `mqtt` in the attach options: the broker the VO exposes its Things through. */
export interface MqttOptions {
    /** mqtt://host:port or mqtts://host:port; credentials never in the URL */
    broker: string;
    /** name of an environment variable holding the broker user name */
    usernameEnv?: string;
    /** name of an environment variable holding the password, or */
    passwordEnv?: string;
    /** a file holding it (its content, trailing newline trimmed) */
    passwordFile?: string;
    /** the VO's client id at the broker */
    clientId?: string;
    /** mqtts:// only: a PEM file of the certificates the broker's must chain to (a private CA); default Node.js's */
    caFile?: string;
    /** how long start waits for the broker before serving the other protocols without it; default 3000 ms */
    connectTimeoutMs?: number;
}

/** The broker connection of `mqtt`, credentials read and defaults filled in: the VO's MQTT server's config. */
export interface ResolvedMqttOptions {
    /** the broker: mqtt://host:port (default port 1883) or mqtts://host:port */
    uri: string;
    username?: string;
    password?: string;
    /** the VO's own client id at the broker; default one made by mqtt.js */
    clientId?: string;
    /** mqtts://: the certificates (PEM) the broker's is checked against, instead of Node.js's own list */
    ca?: string;
    /** how long `start()` waits for the first connection before the VO serves without MQTT */
    connectTimeoutMs: number;
}

/** how long start waits for the broker before serving the other protocols without it */
export const DEFAULT_MQTT_CONNECT_TIMEOUT_MS = 3000;

const BROKER = { schemes: ["mqtt:", "mqtts:"], what: "an mqtt:// or mqtts:// URL like mqtt://127.0.0.1:1883" };
const CREDENTIALS_IN_URL =
    "holds credentials: secrets never belong in options, name them with mqtt.usernameEnv and mqtt.passwordEnv or mqtt.passwordFile";

/** Checks the options and reads the credentials; errors name the option, never a secret. */
export function resolveMqttOptions(o: MqttOptions, env: NodeJS.ProcessEnv = process.env): ResolvedMqttOptions {
    section(o, "mqtt", "a mapping like { broker: mqtt://127.0.0.1:1883 }");
    const u = url(o.broker, "mqtt.broker", { ...BROKER, noCredentials: CREDENTIALS_IN_URL });
    if (o.passwordEnv !== undefined && o.passwordFile !== undefined) {
        throw invalidOption("mqtt", "give one of mqtt.passwordEnv and mqtt.passwordFile, not both");
    }
    const fromEnv = (key: "usernameEnv" | "passwordEnv") => {
        const name = text(o[key], `mqtt.${key}`, undefined);
        return name === undefined ? undefined : envValue(name, `mqtt.${key}`, env);
    };
    let password = fromEnv("passwordEnv");
    const passwordFile = text(o.passwordFile, "mqtt.passwordFile", undefined);
    if (passwordFile !== undefined) password = fileText(passwordFile, "mqtt.passwordFile").replace(/\r?\n$/, "");
    let ca: string | undefined;
    const caFile = text(o.caFile, "mqtt.caFile", undefined);
    if (caFile !== undefined) {
        if (u.protocol !== "mqtts:") {
            throw invalidOption(
                "mqtt.caFile",
                `is for a broker reached over TLS: mqtt.broker is ${u.protocol}//, use mqtts://`
            );
        }
        ca = fileText(caFile, "mqtt.caFile");
    }
    return {
        uri: `${u.protocol}//${u.host}`,
        username: fromEnv("usernameEnv"),
        password,
        clientId: text(o.clientId, "mqtt.clientId", undefined),
        ...(ca === undefined ? {} : { ca }),
        connectTimeoutMs: positiveInteger(o.connectTimeoutMs, "mqtt.connectTimeoutMs", DEFAULT_MQTT_CONNECT_TIMEOUT_MS),
    };
}
