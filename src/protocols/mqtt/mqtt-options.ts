import fs from "node:fs";
import type { VoMqttServerConfig } from "./mqtt-broker-server";
import { InvalidOptionsError } from "../../model/errors";

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

export class InvalidMqttOptionsError extends InvalidOptionsError {}

/** Checks the options and reads the credentials; errors name the option, never a secret. */
export function resolveMqttOptions(o: MqttOptions, env: NodeJS.ProcessEnv = process.env): VoMqttServerConfig {
    if (o === null || typeof o !== "object" || typeof o.broker !== "string") {
        throw new InvalidMqttOptionsError("node-wot-vo option mqtt.broker must be a URL like mqtt://127.0.0.1:1883");
    }
    let url: URL;
    try {
        url = new URL(o.broker);
    } catch {
        throw new InvalidMqttOptionsError(`node-wot-vo option mqtt.broker is not a URL: ${JSON.stringify(o.broker)}`);
    }
    if (url.protocol !== "mqtt:" && url.protocol !== "mqtts:") {
        throw new InvalidMqttOptionsError(
            `node-wot-vo option mqtt.broker must be mqtt:// or mqtts://, got ${url.protocol}//`
        );
    }
    if (url.username !== "" || url.password !== "") {
        throw new InvalidMqttOptionsError(
            "node-wot-vo option mqtt.broker holds credentials: secrets never belong in options, name them with mqtt.usernameEnv and mqtt.passwordEnv or mqtt.passwordFile"
        );
    }
    if (o.passwordEnv !== undefined && o.passwordFile !== undefined) {
        throw new InvalidMqttOptionsError(
            "node-wot-vo options mqtt.passwordEnv and mqtt.passwordFile: give one of them"
        );
    }
    const fromEnv = (key: "usernameEnv" | "passwordEnv"): string | undefined => {
        const name = o[key];
        if (name === undefined) return undefined;
        const value = env[name];
        if (value === undefined || value === "") {
            throw new InvalidMqttOptionsError(
                `node-wot-vo option mqtt.${key}: environment variable ${name} is not set`
            );
        }
        return value;
    };
    let password = fromEnv("passwordEnv");
    if (o.passwordFile !== undefined) {
        try {
            password = fs.readFileSync(o.passwordFile, "utf8").replace(/\r?\n$/, "");
        } catch (err) {
            throw new InvalidMqttOptionsError(
                `node-wot-vo option mqtt.passwordFile: cannot read ${o.passwordFile} (${(err as NodeJS.ErrnoException).code ?? "error"})`
            );
        }
    }
    let ca: string | undefined;
    if (o.caFile !== undefined) {
        if (url.protocol !== "mqtts:") {
            throw new InvalidMqttOptionsError(
                `node-wot-vo option mqtt.caFile is for a broker reached over TLS: mqtt.broker is ${url.protocol}//, use mqtts://`
            );
        }
        try {
            ca = fs.readFileSync(o.caFile, "utf8");
        } catch (err) {
            throw new InvalidMqttOptionsError(
                `node-wot-vo option mqtt.caFile: cannot read ${o.caFile} (${(err as NodeJS.ErrnoException).code ?? "error"})`
            );
        }
    }
    const timeout = o.connectTimeoutMs ?? 3000;
    if (!Number.isInteger(timeout) || timeout <= 0) {
        throw new InvalidMqttOptionsError(
            `node-wot-vo option mqtt.connectTimeoutMs must be a positive integer, got ${JSON.stringify(timeout)}`
        );
    }
    return {
        uri: `${url.protocol}//${url.host}`,
        username: fromEnv("usernameEnv"),
        password,
        clientId: o.clientId,
        ...(ca === undefined ? {} : { ca }),
        connectTimeoutMs: timeout,
    };
}
