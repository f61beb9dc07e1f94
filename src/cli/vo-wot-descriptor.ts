/**
 * The descriptor of the Python vo-wot (0.18 and 0.19, `vo-wot -t td.json -f descriptor.yaml
 * script.py`), read as it is and translated into this package's own descriptor. Every key of it
 * becomes one KeyMapping: `mapped` onto a setting, `noted` (no effect in vo-wot either, or the
 * same behaviour here without a setting) or `warning` (not honoured yet; the VO still runs).
 * What cannot run meaningfully (a literal secret, half a TLS pair, bearer with nothing to accept,
 * basic or bearer over a server that checks no credentials, OSCORE, Zenoh, RTSP) is a
 * DescriptorProblem; `serverCert`/`serverKey` are honoured (HTTPS and WSS).
 */
import path from "node:path";
import { DescriptorDocument, envName, RETENTION_SCHEMA } from "./descriptor-schema";
import type { RetentionOptions } from "../options/retention-options";
import { DEFAULT_INFLUX_ORG } from "../options/influxdb-options";
import { DEFAULT_COAP_PORT, DEFAULT_HTTP_PORT, DEFAULT_WEBSOCKET_PORT } from "../options/server-options";

export type Dialect = "node-wot-vo" | "vo-wot";

export interface KeyMapping {
    /** dotted path of the vo-wot key */
    from: string;
    /** its value as written, for the message; never a secret's */
    value: string;
    kind: "mapped" | "noted" | "warning";
    /** mapped: the setting and its value, e.g. `http.port 8080`; otherwise why */
    to: string;
    /** mapped: the dotted path of the setting in the node-wot-vo descriptor */
    target?: string;
}

export interface VoWotTranslation {
    document: DescriptorDocument;
    mappings: KeyMapping[];
    problems: { path: string; message: string }[];
    /** node-wot-vo path (or prefix) -> the vo-wot path a problem there is reported at */
    paths: [string, string][];
}

/** Keys only vo-wot's descriptor has; `databaseConfig` and `proxy` are told apart by their children. */
const VO_WOT_TOP = [
    "type",
    "resourceType",
    "deploymentType",
    "bindingNB",
    "bindingSB",
    "genericFunction",
    "periodicFunction",
];
const OWN_TOP = [
    "bind",
    "address",
    "http",
    "coap",
    "security",
    "periodicFunctions",
    "selfCheck",
    "protocols",
    "dashboard",
    "device",
    "liveness",
    "redirects",
    "push",
];

/** The keys (dotted) that say which dialect a document is written in. */
export function dialectKeys(data: Record<string, unknown>): { voWot: string[]; own: string[] } {
    const voWot = VO_WOT_TOP.filter((k) => k in data);
    const own = OWN_TOP.filter((k) => k in data);
    const children = (key: string) => {
        const v = data[key];
        return v !== null && typeof v === "object" && !Array.isArray(v) ? Object.keys(v) : [];
    };
    for (const k of children("databaseConfig")) {
        if (k === "timeseriesDB" || k === "persistentDB") voWot.push(`databaseConfig.${k}`);
        if (k === "timeseries" || k === "persistent") own.push(`databaseConfig.${k}`);
    }
    for (const k of children("proxy")) {
        if (["propertiesMap", "actionsMap", "eventsMap", "videoProperty"].includes(k)) voWot.push(`proxy.${k}`);
        else own.push(`proxy.${k}`);
    }
    return { voWot, own };
}

const nullable = (type: string | string[]) => ({ type: [...(Array.isArray(type) ? type : [type]), "null"] });
const optText = nullable("string");
const port = { type: ["integer", "null"], minimum: 0, maximum: 65535 } as const;
const textList = { type: ["array", "null"], items: { type: "string", minLength: 1 } } as const;
const textMap = { type: ["object", "null"], additionalProperties: { type: "string" } } as const;
/** a literal secret: any value is accepted by the schema and refused, unread, by the translation */
const secret = {} as const;
/** a block vo-wot's YAML may leave empty (null); no keys but these */
const section = (properties: Record<string, unknown>) =>
    ({ type: ["object", "null"], additionalProperties: false, properties }) as const;
const security = (schemes: string[], extra: Record<string, unknown> = {}) =>
    section({ securityScheme: { enum: schemes }, username: secret, password: secret, token: secret, ...extra });

/** vo-wot's descriptor, every key of DefaultServient.DEFAULT_CONFIG and cli.py; draft-07. */
export const VO_WOT_SCHEMA = {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    additionalProperties: false,
    required: ["name"],
    properties: {
        name: { type: "string", minLength: 1 },
        type: { enum: ["VO", "cVO"] },
        resourceType: section({ specification: optText, version: nullable(["string", "number"]) }),
        deploymentType: { enum: ["A", "B"] },
        catalogue: port,
        /** not vo-wot's: /metrics (Prometheus) on the HTTP server unless false */
        metrics: { type: "boolean" },
        /** not vo-wot's: how long what is recorded is kept (node-wot-vo's `retention`) */
        retention: RETENTION_SCHEMA,
        bindingNB: section({
            bindingModeNB: { type: "array", items: { type: "string" } },
            hostname: optText,
            // node-wot-vo's own: where the servers listen (vo-wot listens on every interface)
            bind: optText,
            ports: section({
                httpPort: port,
                coapPort: port,
                websocketPort: port,
                httpProxyPort: port,
                rtspPort: port,
            }),
            netconf: section({ enabled: { type: "boolean" }, schedulerURL: optText, netconfServerURL: optText }),
            sdn: section({ enabled: { type: "boolean" }, controllerURL: optText }),
            brokerIP: optText,
            routerURL: optText,
            serverCert: optText,
            serverKey: optText,
            externalCertificate: { type: "boolean" },
            mqttCAFile: optText,
            OSCORECredentialsMap: optText,
            securityNB: security(["nosec", "basic", "bearer"], {
                usernameEnv: envName,
                passwordEnv: envName,
                tokensEnv: envName,
                tokensFile: optText,
                jwtPublicKeyFile: optText,
            }),
        }),
        bindingSB: section({
            bindingModeSB: { type: ["array", "null"], items: { type: "string" } },
            brokerIP: optText,
            mqttCAFile: optText,
            OSCORECredentialsMap: optText,
            securitySB: section({
                securitySBHTTP: security(["nosec", "basic", "bearer", "oidc4vp"], {
                    holderUrl: optText,
                    requester: optText,
                }),
                securitySBMQTT: security(["nosec", "basic"]),
                securitySBCOAP: security(["nosec", "basic", "bearer"]),
            }),
        }),
        databaseConfig: section({
            timeseriesDB: section({
                influxDB: { enum: ["enabled", "disabled"] },
                address: optText,
                dbUser: optText,
                dbPass: secret,
                dbToken: secret,
                dbTokenEnv: envName,
                dbTokenFile: { type: "string", minLength: 1 },
            }),
            persistentDB: section({ SQLite: { enum: ["enabled", "disabled"] }, dbFilePath: optText }),
        }),
        genericFunction: {
            type: ["array", "null"],
            items: { enum: ["forecasting", "mean_value", "vo_status", "device_status"] },
        },
        periodicFunction: {
            type: ["object", "null"],
            propertyNames: { pattern: "^[A-Za-z_$][A-Za-z0-9_$]*$" },
            additionalProperties: { type: "integer", minimum: 0 },
        },
        consumedVOs: {
            type: ["object", "null"],
            additionalProperties: {
                type: "object",
                additionalProperties: false,
                required: ["url"],
                properties: { url: { type: "string", minLength: 1 }, events: textList, propertyChanges: textList },
            },
        },
        proxy: section({
            propertiesMap: textMap,
            actionsMap: textMap,
            eventsMap: textMap,
            videoProperty: optText,
        }),
    },
} as const;

/** vo-wot's binding modes; its documentation writes `None` for an unset path. */
const MODES: Record<string, string> = {
    H: "HTTP",
    U: "CoAP",
    M: "MQTT",
    WS: "WebSocket",
    Z: "Zenoh",
    RTSP: "RTSP",
};

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
/** unset as vo-wot's YAML writes it: absent, null, empty or the string `None` */
const unset = (v: unknown) => v === undefined || v === null || v === "" || v === "None";
const show = (v: unknown): string =>
    Array.isArray(v) ? `[${v.map(show).join(", ")}]` : typeof v === "string" ? v : JSON.stringify(v);

const SECRET_HELP: Record<string, string> = {
    dbToken:
        "a literal token is refused (secrets never belong in a descriptor): replace it with dbTokenEnv: <name of an environment variable holding the token> or dbTokenFile: <path of a file holding it, relative to the descriptor>",
    dbPass: "a literal password is refused (secrets never belong in a descriptor); vo-wot never used it (InfluxDB is reached with the token): remove it",
    username:
        "literal credentials are refused (secrets never belong in a descriptor): replace username with usernameEnv: <name of an environment variable holding it>",
    password:
        "literal credentials are refused (secrets never belong in a descriptor): replace password with passwordEnv: <name of an environment variable holding it>",
    token: "a literal token is refused (secrets never belong in a descriptor): for securityScheme bearer give tokensEnv (an environment variable holding the accepted tokens), tokensFile or jwtPublicKeyFile instead",
};

/**
 * What the sections of a translation write into: the document built, one line per key read, the
 * problems and the path pairs. The sections run in the order of vo-wot's descriptor, and so do the
 * lines `validate` and `migrate` print.
 */
class Translation {
    readonly document: DescriptorDocument;
    readonly mappings: KeyMapping[] = [];
    readonly problems: { path: string; message: string }[] = [];
    readonly paths: [string, string][] = [["name", "name"]];

    constructor(name: string) {
        this.document = { name };
    }

    mapped(from: string, value: unknown, target: string, shown: unknown, note = ""): void {
        this.mappings.push({ from, value: show(value), kind: "mapped", to: `${target} ${show(shown)}${note}`, target });
    }

    noted(from: string, value: unknown, why: string): void {
        this.mappings.push({ from, value: show(value), kind: "noted", to: why });
    }

    warn(from: string, value: unknown, why: string): void {
        this.mappings.push({ from, value: show(value), kind: "warning", to: why });
    }

    refuse(p: string, message: string): void {
        this.problems.push({ path: p, message });
    }

    /** Refuses every literal secret of `o`, unread. */
    secrets(o: Obj, at: string): void {
        for (const k of ["username", "password", "token", "dbToken", "dbPass"]) {
            if (k in o && !unset(o[k])) this.refuse(`${at}.${k}`, SECRET_HELP[k]);
        }
    }

    result(): VoWotTranslation {
        return { document: this.document, mappings: this.mappings, problems: this.problems, paths: this.paths };
    }
}

/** `bindingNB` as read: its ports and whether a mode is served (vo-wot's default [U, H] when none is listed). */
interface Northbound {
    nb: Obj;
    ports: Obj;
    modes: unknown[];
    has: (mode: string) => boolean;
}

function northbound(raw: Obj): Northbound {
    const nb = obj(raw.bindingNB);
    const modes = Array.isArray(nb.bindingModeNB) ? (nb.bindingModeNB as unknown[]) : ["U", "H"];
    return { nb, ports: obj(nb.ports), modes, has: (m: string) => modes.includes(m) };
}

/** Translates a vo-wot descriptor (structure already checked, or checked defensively here). */
export function translateVoWot(raw: Obj): VoWotTranslation {
    const t = new Translation(raw.name as string);
    topLevel(raw, t);
    // ---- northbound: the servers ----
    const n = northbound(raw);
    bindingModes(n, t);
    serverPorts(n, t);
    catalogueForVoWotClients(raw, n, t);
    listenAndAdvertise(n.nb, t);
    brokers(n, t);
    tls(n.nb, t);
    unsupportedNorthbound(n.nb, t);
    northboundSecurity(n, t);
    // ---- southbound: the clients ----
    southbound(raw, t);
    // ---- databases ----
    timeseriesDatabase(obj(raw.databaseConfig), t);
    persistentDatabase(obj(raw.databaseConfig), t);
    // ---- the script ----
    scriptFunctions(raw, t);
    // ---- consumed VOs and the proxy maps ----
    consumedVOs(raw, t);
    return t.result();
}

/** The name, vo-wot's labels (they set nothing), the catalogue and /metrics. */
function topLevel(raw: Obj, t: Translation): void {
    if (typeof raw.name === "string") t.mapped("name", raw.name, "name", raw.name);
    if ("type" in raw) {
        t.noted(
            "type",
            raw.type,
            "nothing to set: a label (vo-wot sends it only with a Verifiable Credential request)"
        );
    }
    if ("resourceType" in raw) t.noted("resourceType", "…", "nothing to set: metadata vo-wot does not read");
    if ("deploymentType" in raw) {
        t.noted(
            "deploymentType",
            raw.deploymentType,
            "nothing to set: vo-wot does not read it either (a device that pushes is push: in node-wot-vo's descriptor)"
        );
    }
    if ("catalogue" in raw && !unset(raw.catalogue)) {
        t.document.catalogue = raw.catalogue as number;
        t.paths.push(["catalogue", "catalogue"]);
        t.mapped("catalogue", raw.catalogue, "catalogue", raw.catalogue, " (/, /<thing> and /.well-known/wot)");
    }

    if (typeof raw.metrics === "boolean") {
        t.document.metrics = raw.metrics;
        t.paths.push(["metrics", "metrics"]);
        t.mapped("metrics", raw.metrics, "metrics", raw.metrics, raw.metrics ? " (/metrics)" : " (no /metrics)");
    }
    if (raw.retention !== undefined) {
        t.document.retention = raw.retention as RetentionOptions;
        t.paths.push(["retention", "retention"]);
        t.mapped("retention", "…", "retention", "…", " (as given)");
    }
}

/** `bindingModeNB` as listed: each mode a server, or refused when no node-wot binding serves it. */
function bindingModes({ nb, modes }: Northbound, t: Translation): void {
    if (!Array.isArray(nb.bindingModeNB)) return;
    modes.forEach((m, i) => {
        const at = `bindingNB.bindingModeNB[${i}]`;
        if (m === "H") t.mapped(at, m, "http", "on");
        else if (m === "U") t.mapped(at, m, "coap", "on");
        else if (m === "M") t.mapped(at, m, "mqtt", "on", " (through the broker of bindingNB.brokerIP)");
        else if (m === "WS") t.mapped(at, m, "websocket", "on");
        else if (m === "Z" || m === "RTSP") {
            t.refuse(at, `${m} (${MODES[m]}) is not supported by node-wot-vo (no node-wot binding serves it)`);
        } else {
            const hint = m === "C" ? " (vo-wot spells CoAP U)" : m === "W" ? " (vo-wot spells WebSocket WS)" : "";
            t.refuse(
                at,
                `unknown binding mode${hint}: vo-wot knows ${Object.entries(MODES)
                    .map(([k, v]) => `${k} (${v})`)
                    .join(", ")}`
            );
        }
    });
    const served = ["H", "U", "M", "WS"];
    if (
        !modes.some((m) => served.includes(String(m))) &&
        modes.every((m) => String(m) in MODES && m !== "Z" && m !== "RTSP")
    ) {
        t.refuse(
            "bindingNB.bindingModeNB",
            "lists no protocol node-wot-vo serves: add H (HTTP), U (CoAP), M (MQTT) or WS (WebSocket)"
        );
    }
}

/** The modes whose vo-wot wire format node-wot-vo speaks with `protocols.voWot` (CoAP's it does not). */
const VO_WOT_DIALECTS: [string, string][] = [
    ["H", "vo-wot's HTTP paths and envelopes, beside node-wot's forms"],
    ["U", "vo-wot's CoAP resources and envelopes, beside node-wot's forms"],
    ["M", "vo-wot's MQTT topics and envelopes, beside node-wot's topics"],
    ["WS", "vo-wot's WebSocket JSON-RPC at /<thing>, beside node-wot's paths"],
];

/** The HTTP, CoAP and WebSocket servers with their ports (vo-wot's defaults are ours: 8080, 5683 and 8081). */
function serverPorts({ nb, ports, modes, has }: Northbound, t: Translation): void {
    t.paths.push(["http", "bindingNB.bindingModeNB"], ["coap", "bindingNB.bindingModeNB"]);
    t.document.http = has("H")
        ? { port: typeof ports.httpPort === "number" ? ports.httpPort : DEFAULT_HTTP_PORT }
        : false;
    t.document.coap = has("U")
        ? { port: typeof ports.coapPort === "number" ? ports.coapPort : DEFAULT_COAP_PORT }
        : false;
    if (!Array.isArray(nb.bindingModeNB)) {
        t.noted("bindingNB.bindingModeNB", "(absent)", "vo-wot's default [U, H]: http and coap on");
    }
    const dialects = VO_WOT_DIALECTS.filter(([mode]) => has(mode));
    if (dialects.length > 0) {
        // vo-wot's clients speak its own paths, topics and envelopes: served beside node-wot's forms
        t.document.protocols = { voWot: true };
        t.paths.push(["protocols.voWot", "bindingNB.bindingModeNB"]);
        for (const [mode, what] of dialects) {
            const at = Array.isArray(nb.bindingModeNB)
                ? `bindingNB.bindingModeNB[${modes.indexOf(mode)}]`
                : "bindingNB";
            t.mapped(at, mode, "protocols.voWot", true, ` (${what})`);
        }
    }
    const portKey = (key: string, mode: string, target: "http" | "coap" | "websocket") => {
        if (unset(ports[key])) return;
        const at = `bindingNB.ports.${key}`;
        t.paths.push([`${target}.port`, at]);
        if (has(mode)) t.mapped(at, ports[key], `${target}.port`, ports[key]);
        else t.noted(at, ports[key], `unused: ${mode} is not in bindingModeNB (as in vo-wot)`);
    };
    portKey("httpPort", "H", "http");
    portKey("coapPort", "U", "coap");
    if (has("WS")) {
        const wsPort = typeof ports.websocketPort === "number" ? ports.websocketPort : DEFAULT_WEBSOCKET_PORT;
        t.document.websocket = { port: wsPort };
        t.paths.push(["websocket", "bindingNB.bindingModeNB"]);
    }
    portKey("websocketPort", "WS", "websocket");
    if (!unset(ports.httpProxyPort)) {
        t.warn(
            "bindingNB.ports.httpProxyPort",
            ports.httpProxyPort,
            "not honoured: forms advertise the HTTP server's own port, not a proxy's"
        );
    }
    if (!unset(ports.rtspPort)) t.noted("bindingNB.ports.rtspPort", ports.rtspPort, "unused: RTSP is not served");
}

/**
 * vo-wot always opens its catalogue (9090 unless `catalogue` says otherwise); node-wot-vo only when asked. vo-wot's
 * clients find the TDs with vo-wot's forms on the catalogue only (protocols/vo-wot-td.ts): said when it is absent.
 */
function catalogueForVoWotClients(raw: Obj, { has }: Northbound, t: Translation): void {
    if (!VO_WOT_DIALECTS.some(([mode]) => has(mode)) || !unset(raw.catalogue)) return;
    t.warn(
        "catalogue",
        "(absent: vo-wot opens 9090)",
        "no catalogue: vo-wot's clients find this VO's TDs with vo-wot's forms only on one; set catalogue: 9090"
    );
}

/** vo-wot's default bind: it listens on every interface (tornado's `listen(port)`). */
export const VO_WOT_BIND = "0.0.0.0";

/**
 * `hostname` is what vo-wot's TDs advertise; vo-wot listens on every interface whatever it is.
 * `bind` (node-wot-vo's own key in bindingNB) sets where the servers listen instead.
 */
function listenAndAdvertise(nb: Obj, t: Translation): void {
    t.paths.push(["bind", "bindingNB.bind"], ["address", "bindingNB.hostname"]);
    if (unset(nb.bind)) {
        t.document.bind = VO_WOT_BIND;
        t.mapped("bindingNB.bind", "(absent: vo-wot listens on every interface)", "bind", VO_WOT_BIND);
    } else {
        t.document.bind = nb.bind as string;
        t.mapped("bindingNB.bind", nb.bind, "bind", nb.bind);
    }
    if (!unset(nb.hostname)) {
        t.document.address = nb.hostname as string;
        t.mapped("bindingNB.hostname", nb.hostname, "address", nb.hostname, " (what the TDs advertise)");
    } else {
        t.noted(
            "bindingNB.hostname",
            "(absent)",
            "the TDs advertise this host's name (vo-wot: socket.getfqdn()), or the bind address when it is not 0.0.0.0 or ::"
        );
    }
}

/** `brokerIP` and `mqttCAFile`: the MQTT broker the VO exposes its Things through; `routerURL`: Zenoh's router. */
function brokers({ nb, has }: Northbound, t: Translation): void {
    if (!unset(nb.brokerIP)) {
        if (has("M")) {
            const ip = String(nb.brokerIP);
            const broker = ip.includes("://") ? ip : `mqtt://${ip}`;
            t.document.mqtt = { broker };
            t.paths.push(["mqtt.broker", "bindingNB.brokerIP"], ["mqtt", "bindingNB.bindingModeNB"]);
            t.mapped("bindingNB.brokerIP", nb.brokerIP, "mqtt.broker", broker);
        } else t.noted("bindingNB.brokerIP", nb.brokerIP, "unused: M is not in bindingModeNB (as in vo-wot)");
    } else if (has("M")) {
        t.refuse(
            "bindingNB.brokerIP",
            "is required with M (MQTT) in bindingModeNB: the broker the VO exposes its Things through"
        );
    }
    if (!unset(nb.mqttCAFile)) {
        if (t.document.mqtt !== undefined && t.document.mqtt !== false) {
            t.document.mqtt.caFile = nb.mqttCAFile as string;
            t.paths.push(["mqtt.caFile", "bindingNB.mqttCAFile"]);
            t.mapped(
                "bindingNB.mqttCAFile",
                nb.mqttCAFile,
                "mqtt.caFile",
                nb.mqttCAFile,
                " (the broker's CA, mqtts://)"
            );
        } else t.noted("bindingNB.mqttCAFile", nb.mqttCAFile, "unused: M is not in bindingModeNB");
    }
    if (!unset(nb.routerURL)) t.noted("bindingNB.routerURL", nb.routerURL, "unused: Zenoh is not served");
}

/** The servers' certificate, and `externalCertificate` (a TLS proxy in front), which is not honoured. */
function tls(nb: Obj, t: Translation): void {
    serverCertificate(nb, t);
    if (nb.externalCertificate === true) {
        t.warn(
            "bindingNB.externalCertificate",
            true,
            "not honoured: forms advertise http://, not the https:// of a TLS proxy in front"
        );
    } else if ("externalCertificate" in nb) {
        t.noted("bindingNB.externalCertificate", nb.externalCertificate, "default");
    }
}

/** `serverCert`/`serverKey`: the certificate of every TCP server vo-wot runs, HTTPS and WSS. */
function serverCertificate(nb: Obj, t: Translation): void {
    const cert = unset(nb.serverCert) ? undefined : (nb.serverCert as string);
    const key = unset(nb.serverKey) ? undefined : (nb.serverKey as string);
    if (cert === undefined && key === undefined) return;
    if (cert === undefined || key === undefined) {
        t.refuse(
            `bindingNB.${cert === undefined ? "serverKey" : "serverCert"}`,
            "TLS needs both serverCert and serverKey"
        );
        return;
    }
    const document = t.document;
    const servers = (["http", "websocket"] as const).filter((k) => document[k] !== undefined && document[k] !== false);
    if (servers.length === 0) {
        t.noted("bindingNB.serverCert", cert, "unused: neither H nor WS is in bindingModeNB");
        return;
    }
    for (const server of servers) {
        document[server] = { ...(document[server] as object), certFile: cert, keyFile: key };
        t.paths.push([`${server}.certFile`, "bindingNB.serverCert"], [`${server}.keyFile`, "bindingNB.serverKey"]);
        const what = server === "http" ? "HTTPS" : "WSS";
        t.mapped("bindingNB.serverCert", cert, `${server}.certFile`, cert, ` (${what})`);
        t.mapped("bindingNB.serverKey", key, `${server}.keyFile`, key);
    }
}

/** OSCORE, netconf and sdn: refused when asked for, noted when off. */
function unsupportedNorthbound(nb: Obj, t: Translation): void {
    if (!unset(nb.OSCORECredentialsMap)) {
        t.refuse("bindingNB.OSCORECredentialsMap", "OSCORE is not supported: the CoAP server would be open");
    }
    for (const k of ["netconf", "sdn"]) {
        const block = obj(nb[k]);
        if (!(k in nb)) continue;
        if (block.enabled === true) {
            t.refuse(`bindingNB.${k}.enabled`, `vo-wot's ${k} properties are not supported by node-wot-vo`);
        } else t.noted(`bindingNB.${k}`, "disabled", "nothing to set");
    }
}

/** `securityNB`: the scheme the servers check, refused over a server that would check no credentials. */
function northboundSecurity({ nb, has }: Northbound, t: Translation): void {
    const sec = obj(nb.securityNB);
    t.secrets(sec, "bindingNB.securityNB");
    const scheme = sec.securityScheme;
    if (scheme === "basic") basicSecurity(sec, has, t);
    else if (scheme === "bearer") bearerSecurity(sec, has, t);
    else if (scheme === "nosec") {
        t.mapped("bindingNB.securityNB.securityScheme", scheme, "security.scheme", scheme);
        t.document.security = { scheme: "nosec" };
    }
}

/** node-wot's CoAP server checks no credentials: a secured VO served over CoAP would be open. */
function refuseOpenCoap(scheme: string, has: Northbound["has"], t: Translation): void {
    if (!has("U")) return;
    t.refuse(
        "bindingNB.bindingModeNB",
        `U (CoAP) with securityScheme ${scheme}: node-wot's CoAP server checks no credentials, the VO would be open over CoAP; remove U`
    );
}

function basicSecurity(sec: Obj, has: Northbound["has"], t: Translation): void {
    t.document.security = { scheme: "basic" };
    if (typeof sec.usernameEnv === "string") t.document.security.usernameEnv = sec.usernameEnv;
    if (typeof sec.passwordEnv === "string") t.document.security.passwordEnv = sec.passwordEnv;
    t.paths.push(
        ["security.usernameEnv", "bindingNB.securityNB.usernameEnv"],
        ["security.passwordEnv", "bindingNB.securityNB.passwordEnv"],
        ["security", "bindingNB.securityNB"]
    );
    t.mapped("bindingNB.securityNB.securityScheme", "basic", "security.scheme", "basic");
    for (const k of ["usernameEnv", "passwordEnv"] as const) {
        if (typeof sec[k] === "string") t.mapped(`bindingNB.securityNB.${k}`, sec[k], `security.${k}`, sec[k]);
        else if (!(k.replace("Env", "") in sec)) {
            t.refuse(`bindingNB.securityNB.${k}`, "is required with securityScheme basic (an environment variable)");
        }
    }
    refuseOpenCoap("basic", has, t);
    if (has("WS")) {
        t.refuse(
            "bindingNB.bindingModeNB",
            "WS (WebSocket) with securityScheme basic: the WebSocket server checks no credentials, the VO would be open over WebSocket; remove WS"
        );
    }
}

function bearerSecurity(sec: Obj, has: Northbound["has"], t: Translation): void {
    const sources = (["tokensEnv", "tokensFile", "jwtPublicKeyFile"] as const).filter((k) => !unset(sec[k]));
    if (sources.length === 0) {
        t.refuse(
            "bindingNB.securityNB.securityScheme",
            "bearer needs what it accepts: tokensEnv (an environment variable holding the tokens), tokensFile (a file of them) or jwtPublicKeyFile (the key JWTs are signed with); a literal token is refused"
        );
    } else {
        const security: NonNullable<DescriptorDocument["security"]> = { scheme: "bearer" };
        t.document.security = security;
        t.mapped("bindingNB.securityNB.securityScheme", "bearer", "security.scheme", "bearer");
        t.paths.push(["security", "bindingNB.securityNB"]);
        for (const k of sources) {
            security[k] = sec[k] as string;
            t.paths.push([`security.${k}`, `bindingNB.securityNB.${k}`]);
            t.mapped(`bindingNB.securityNB.${k}`, sec[k], `security.${k}`, sec[k]);
        }
    }
    refuseOpenCoap("bearer", has, t);
}

/** `bindingSB.bindingModeSB` lists U and not H: vo-wot's cVO would have a CoAP client and no HTTP one. */
function coapOnly(raw: Obj): boolean {
    const modes = obj(raw.bindingSB).bindingModeSB;
    return Array.isArray(modes) && modes.includes("U") && !modes.includes("H");
}

/** `bindingSB`: the clients; the HTTP and CoAP ones are always on, the others and client credentials warned. */
function southbound(raw: Obj, t: Translation): void {
    if (!("bindingSB" in raw)) return;
    const sb = obj(raw.bindingSB);
    (Array.isArray(sb.bindingModeSB) ? (sb.bindingModeSB as unknown[]) : []).forEach((m, i) => {
        const at = `bindingSB.bindingModeSB[${i}]`;
        if (m === "U" && coapOnly(raw)) t.noted(at, m, "without H: consumed VOs through their CoAP forms only");
        else if (m === "H" || m === "U") t.noted(at, m, `nothing to set: the ${MODES[m]} client is always on`);
        else if (m === "M" || m === "WS") t.warn(at, m, `no ${MODES[m]} client yet: consuming over it fails`);
        else if (m === "Z") t.warn(at, m, "no Zenoh client: consuming over it fails");
        else t.refuse(at, "unknown binding mode: vo-wot's clients are H, U, M, WS, Z");
    });
    for (const k of ["brokerIP", "mqttCAFile"]) {
        if (!unset(sb[k])) t.warn(`bindingSB.${k}`, sb[k], "no MQTT client yet");
    }
    if (!unset(sb.OSCORECredentialsMap)) t.warn("bindingSB.OSCORECredentialsMap", "…", "no OSCORE client");
    const ssb = obj(sb.securitySB);
    for (const k of ["securitySBHTTP", "securitySBMQTT", "securitySBCOAP"]) {
        if (!(k in ssb)) continue;
        const s = obj(ssb[k]);
        t.secrets(s, `bindingSB.securitySB.${k}`);
        const sc = s.securityScheme ?? "nosec";
        if (sc === "nosec") t.noted(`bindingSB.securitySB.${k}.securityScheme`, sc, "nothing to set");
        else {
            t.warn(
                `bindingSB.securitySB.${k}.securityScheme`,
                sc,
                "client credentials are not supported yet: requests to a secured Thing fail"
            );
        }
        for (const o of ["holderUrl", "requester"]) {
            if (!unset(s[o])) t.warn(`bindingSB.securitySB.${k}.${o}`, s[o], "no Verifiable Credentials (oidc4vp)");
        }
    }
}

/** `timeseriesDB`: InfluxDB when enabled (its token from an environment variable or a file), else embedded SQLite. */
function timeseriesDatabase(db: Obj, t: Translation): void {
    if (!("timeseriesDB" in db)) return;
    const ts = obj(db.timeseriesDB);
    const at = "databaseConfig.timeseriesDB";
    t.secrets(ts, at);
    if (ts.influxDB === "enabled") {
        const influx: NonNullable<NonNullable<DescriptorDocument["databaseConfig"]>["timeseries"]>["influxdb"] = {
            enabled: true,
            org: DEFAULT_INFLUX_ORG,
        };
        const org = ` (org ${DEFAULT_INFLUX_ORG})`;
        t.mapped(`${at}.influxDB`, "enabled", "databaseConfig.timeseries.influxdb.enabled", true, org);
        const address = unset(ts.address) ? "http://localhost:8086" : (ts.address as string);
        influx.url = address;
        if (unset(ts.address)) t.noted(`${at}.address`, "(absent)", "vo-wot's default http://localhost:8086");
        else t.mapped(`${at}.address`, address, "databaseConfig.timeseries.influxdb.url", address);
        if (typeof ts.dbTokenEnv === "string") {
            influx.tokenEnv = ts.dbTokenEnv;
            t.mapped(`${at}.dbTokenEnv`, ts.dbTokenEnv, "databaseConfig.timeseries.influxdb.tokenEnv", ts.dbTokenEnv);
        }
        if (typeof ts.dbTokenFile === "string") {
            influx.tokenFile = ts.dbTokenFile;
            t.mapped(
                `${at}.dbTokenFile`,
                ts.dbTokenFile,
                "databaseConfig.timeseries.influxdb.tokenFile",
                ts.dbTokenFile
            );
        }
        t.document.databaseConfig = { timeseries: { influxdb: influx } };
        t.paths.push(
            ["databaseConfig.timeseries.influxdb.url", `${at}.address`],
            ["databaseConfig.timeseries.influxdb.tokenEnv", `${at}.dbTokenEnv`],
            ["databaseConfig.timeseries.influxdb.tokenFile", `${at}.dbTokenFile`],
            ["databaseConfig.timeseries.influxdb", at]
        );
    } else if ("influxDB" in ts) {
        t.noted(`${at}.influxDB`, ts.influxDB, "nothing to set: the time series go to the embedded SQLite store");
    }
    if (!unset(ts.dbUser)) t.noted(`${at}.dbUser`, ts.dbUser, "unused: vo-wot reaches InfluxDB with the token only");
}

/** `persistentDB`: the VO's state is always in SQLite; only its file is set. */
function persistentDatabase(db: Obj, t: Translation): void {
    if (!("persistentDB" in db)) return;
    const pdb = obj(db.persistentDB);
    const at = "databaseConfig.persistentDB";
    if (pdb.SQLite === "disabled") {
        t.warn(`${at}.SQLite`, "disabled", "not honoured: node-wot-vo always keeps the VO's state in SQLite");
    } else if ("SQLite" in pdb) t.noted(`${at}.SQLite`, pdb.SQLite, "nothing to set: SQLite is always on");
    if (!unset(pdb.dbFilePath)) {
        t.document.databaseConfig = {
            ...t.document.databaseConfig,
            persistent: { sqlite: { path: pdb.dbFilePath as string } },
        };
        t.paths.push(["databaseConfig.persistent.sqlite.path", `${at}.dbFilePath`]);
        t.mapped(
            `${at}.dbFilePath`,
            pdb.dbFilePath,
            "databaseConfig.persistent.sqlite.path",
            pdb.dbFilePath,
            " (relative to the descriptor's directory; vo-wot: the working directory)"
        );
    }
}

/** What a node-wot-vo script calls for each of vo-wot's generic functions it has (always there: nothing to set). */
const GENERIC_FUNCTIONS: Record<string, string> = {
    mean_value:
        'ctx.vo.mean({ thing, name, from: "-10m", last: horizon }) (the mean of the newest horizon values of the last 10 minutes)',
    forecasting:
        'ctx.vo.forecast({ thing, name, from: "-10m", horizon: 1 }) (ARIMA(1,1,1) over the last 10 minutes, the next step)',
};

/** `genericFunction` (mean_value and forecasting are `ctx.vo` helpers; vo-wot's status functions are not) and `periodicFunction`. */
function scriptFunctions(raw: Obj, t: Translation): void {
    if (Array.isArray(raw.genericFunction)) {
        raw.genericFunction.forEach((f, i) => {
            const helper = GENERIC_FUNCTIONS[f as string];
            if (helper !== undefined) t.noted(`genericFunction[${i}]`, f, `a script calls ${helper}`);
            else
                t.warn(
                    `genericFunction[${i}]`,
                    f,
                    "not injected: vo-wot's Python function; node-wot-vo's self-check and device liveness keep the vo_status and device_status tables and the VoStatus Thing"
                );
        });
    }
    const periodic = obj(raw.periodicFunction);
    if (Object.keys(periodic).length > 0) t.document.periodicFunctions = {};
    for (const [fn, ms] of Object.entries(periodic)) {
        t.document.periodicFunctions![fn] = ms as number;
        t.paths.push([`periodicFunctions.${fn}`, `periodicFunction.${fn}`]);
        t.mapped(`periodicFunction.${fn}`, ms, `periodicFunctions.${fn}`, ms, " ms");
    }
}

/** `consumedVOs`, and the proxy maps that say which of their affordances the VO serves. */
function consumedVOs(raw: Obj, t: Translation): void {
    const consumed = obj(raw.consumedVOs);
    const document = t.document;
    for (const [name, vo] of Object.entries(consumed)) {
        const c = obj(vo);
        document.consumedVOs ??= {};
        document.consumedVOs[name] = { url: c.url as string };
        for (const k of ["events", "propertyChanges"] as const) {
            if (Array.isArray(c[k]) && (c[k] as unknown[]).length > 0) document.consumedVOs[name][k] = c[k] as string[];
        }
        t.paths.push([`consumedVOs.${name}`, `consumedVOs.${name}`]);
        t.mapped(`consumedVOs.${name}`, c.url ?? "", `consumedVOs.${name}`, c.url ?? "", " (consumed at start)");
        if (coapOnly(raw)) {
            document.consumedVOs[name].schemes = ["coap", "coaps"];
            const modes = obj(raw.bindingSB).bindingModeSB;
            t.mapped("bindingSB.bindingModeSB", modes, `consumedVOs.${name}.schemes`, ["coap", "coaps"]);
        }
    }
    const proxy = obj(raw.proxy);
    const SERVES = { propertiesMap: "properties", actionsMap: "actions", eventsMap: "events" } as const;
    for (const kind of ["propertiesMap", "actionsMap", "eventsMap"] as const) {
        for (const [affordance, target] of Object.entries(obj(proxy[kind]))) {
            const at = `proxy.${kind}.${affordance}`;
            if (typeof target === "string" && !(target in consumed)) {
                t.refuse(at, `names ${target}, which consumedVOs does not list (vo-wot fails on it too)`);
            } else if (typeof target === "string") {
                const entry = document.consumedVOs![target];
                entry.serves ??= {};
                (entry.serves[SERVES[kind]] ??= []).push(affordance);
                t.mapped(at, target, `consumedVOs.${target}.serves.${SERVES[kind]}`, affordance);
            }
        }
    }
    if (!unset(proxy.videoProperty)) t.refuse("proxy.videoProperty", "RTSP video is not supported by node-wot-vo");
}

/** The vo-wot path a problem at a node-wot-vo path is reported at. */
export function voWotPath(p: string, paths: [string, string][]): string {
    let best: [string, string] | undefined;
    for (const pair of paths) {
        const [own] = pair;
        if ((p === own || p.startsWith(`${own}.`)) && (best === undefined || own.length > best[0].length)) best = pair;
    }
    return best === undefined ? p : best[1] + p.slice(best[0].length);
}

/** `validate`'s line for one key. */
export function mappingLine(m: KeyMapping): string {
    if (m.kind === "mapped") return `${m.from}: ${m.value} -> ${m.to}`;
    if (m.kind === "noted") return `${m.from}: ${m.value} -> ${m.to}`;
    return `warning: ${m.from}: ${m.value}: ${m.to}`;
}

/** Rebases a relative path of a descriptor in `fromDir` for one written to `toDir`. */
export function rebase(p: string, fromDir: string, toDir: string): string {
    if (path.isAbsolute(p)) return p;
    const rel = path.relative(toDir, path.resolve(fromDir, p));
    return rel === "" ? "." : rel.split(path.sep).join("/");
}
