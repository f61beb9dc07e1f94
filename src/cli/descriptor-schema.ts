import type { RetentionOptions } from "../options/retention-options";
import type { MqttOptions } from "../options/mqtt-options";

/**
 * The VO descriptor: one YAML file per VO, modelled on the `-f descriptor.yaml` of the original
 * Python vo-wot. examples/descriptors/reference.yaml shows every field with comments.
 *
 * ```yaml
 * name: environment-vo            # required; [A-Za-z0-9_.-], 1 to 64 characters
 * bind: 0.0.0.0                   # where the servers listen: an IP address of this host, 0.0.0.0 (every IPv4
 *                                 #   interface) or :: (every interface); default 127.0.0.1 (loopback only)
 * address: vo1.fleet.svc          # what the TDs advertise: a host name or an IP address; default the bind
 *                                 #   address, or this host's name when bind is 0.0.0.0 or ::
 * http: { port: 8080 }            # or false: no HTTP server; port 0..65535 (0: any free port); default 8080
 *                                 #   certFile + keyFile (PEM, relative to the descriptor): HTTPS instead
 * coap: { port: 5683 }            # or false; default 5683
 *                                 #   mdns: true: DNS-SD over mDNS (UDP 5353) on the bind interface; default off
 * catalogue: 9090                 # a catalogue of the TDs on its own port (as vo-wot's); default none
 * mqtt:                           # absent or false: no MQTT; else the Things are exposed through this broker too
 *   broker: mqtt://127.0.0.1:1883 # mqtt:// or mqtts://, no credentials in it
 *   usernameEnv: MQTT_USER        # environment variables holding the broker credentials (optional),
 *   passwordEnv: MQTT_PASSWORD    #   or passwordFile: secrets/mqtt (relative to the descriptor)
 *   clientId: environment-vo      # the VO's client id at the broker
 *   caFile: tls/ca.pem            # mqtts:// only: the CA (PEM) the broker's certificate chains to
 *   connectTimeout: 3s            # a broker down at start: the VO serves the rest and connects when it is back
 * websocket: { port: 8081 }       # absent or false: no WebSocket server; port 0..65535 (0: any free port)
 *                                 #   certFile + keyFile: WSS; default http's (every TCP server uses them)
 * security:                       # default nosec
 *   scheme: basic                 # nosec | basic | bearer
 *   usernameEnv: VO_USER          # basic: names of environment variables holding the credentials,
 *   passwordEnv: VO_PASSWORD      #   which must be set when the descriptor is loaded
 *   tokensEnv: VO_TOKENS          # bearer, one of: a variable holding the accepted tokens (comma or space
 *   tokensFile: secrets/tokens    #   separated), a file of them (one per line, # comments), or the public
 *   jwtPublicKeyFile: jwt.pem     #   key (PEM) of the JWTs accepted (RS*, PS*, ES*, EdDSA; exp and nbf held)
 * databaseConfig:
 *   timeseries:
 *     influxdb:                   # absent or enabled: false: time series in the embedded SQLite store
 *       enabled: true
 *       url: http://127.0.0.1:8086   # required when enabled
 *       org: wot                  # default wot
 *       tokenEnv: INFLUX_TOKEN    # environment variable holding the token, or
 *       tokenFile: secrets/token  #   a file holding it (exactly one when enabled); a literal token is refused
 *       buckets: { properties: p, actions: a, events: e }
 *       retention: 30d            # buckets this package creates; "0" or absent: forever
 *       timeout: 10s              # per InfluxDB request
 *       maxSpoolBytes: 536870912  # disk bound of the spool of unwritten batches
 *       layout: per-kind          # per-kind | per-thing (earlier releases); absent: what the buckets hold
 *   persistent:
 *     sqlite: { path: data/vo.sqlite }   # default data/<name>.sqlite; relative to the descriptor's directory
 *     # sqlite.synchronous: normal | full (survives a power loss); default full with after-commit, else normal
 * recording:
 *   acknowledge: at-once          # at-once | after-commit: writes and actions answered once their record is committed
 *   acknowledgeReads: false       # with after-commit, reads wait for their record too
 *   exclude:                      # interactions answered but not recorded; each given field must match
 *     - { thing: "urn:dev:noisy" }                                    # a whole Thing (by id)
 *     - { name: temperature, ops: [readproperty, observeproperty] }   # some ops of an affordance
 * periodicFunctions:              # exported script function -> interval
 *   sample: 5s
 * selfCheck: { interval: 30s, timeout: 2s, keepRows: 10000 }   # interval 0: off
 * dashboard: { path: /dashboard/ } # or false: no dashboard; served by the HTTP server, default /dashboard/
 * metrics: true                   # false: no /metrics (Prometheus) on the HTTP server; /livez and /readyz stay
 * retention: { raw: 30d, affordances: [{ name: vibration, raw: 2d }], fiveMinute: 365d, hourly: forever, minFree: 5% }
 * protocols:                      # what the HTTP and CoAP servers accept
 *   maxBodyBytes: 1048576         # larger request bodies: 413 / 4.13, recorded as refused
 *   observerTimeout: 10s          # a CoAP observer that stops acknowledging is dropped after this
 *   voWot: false                  # true: the HTTP, CoAP, MQTT and WebSocket servers speak vo-wot's paths,
 *                                 #   resources, topics and JSON-RPC too, the catalogue serves TDs with vo-wot's
 *                                 #   forms (on for a vo-wot descriptor with H, U, M or WS)
 * device:                         # the device the VO fronts, probed for liveness; default the proxy's td URL
 *   url: coap://127.0.0.1:5684    # coap://, http(s)://, or push: (liveness from the device's pushes)
 *   ip: 127.0.0.1                 # default the host of url
 * liveness: { interval: 5s, timeout: 2s, retries: 1, suspectAfter: 1, lostAfter: 3, recoverAfter: 2 }
 * redirects: ["10.0.0.2:8080"]   # host, host:port or [v6]:port
 * consumedVOs:                    # other VOs this one consumes at start (a cVO), each by a name of its own
 *   vo1:
 *     url: http://127.0.0.1:9090/vo1   # its TD: http(s):// or coap(s)://
 *     events: [smokeDetected]          # subscribed: the script's consumed.vo1.events.smokeDetected(data, ctx)
 *     propertyChanges: [temperature]   # observed: consumed.vo1.propertyChanges.temperature(value, ctx)
 *     serves: { properties: [temperature], actions: [currentValues], events: [smokeDetected] }
 *                                      # the VO's own affordances answered by vo1's of the same name
 *     timeout: 60s                     # tried again while it is not up, this long at most; default 60s
 *     schemes: [coap]                  # consumed through its forms of these schemes only, the first preferred;
 *                                      #   default every form in its TD's order (node-wot takes the first it can)
 * proxy:                          # deployment type A: mirror a device (DeviceProxyOptions)
 *   td: coap://127.0.0.1:5684/environmentsensor   # required: coap://, coaps:// or http(s)://
 *   id: urn:dev:mirror-1
 *   title: EnvironmentMirror
 *   timeout: 5s
 *   whenLost: stale               # stale | fail
 *   properties: { temp: temperature }   # mirror name -> device name, per kind
 *   actions: {}
 *   events: {}
 * push:                           # deployment type B: the device writes to the VO (DevicePushOptions)
 *   thing: EnvironmentSensor
 *   properties: [temperature]
 *   actions: [report]
 * ```
 *
 * A duration is a number of milliseconds or a string like "500ms", "5s", "2m", "1h", "1h30m".
 * Structure is checked by DESCRIPTOR_SCHEMA (JSON Schema draft-07); what a schema cannot say
 * (URLs and their schemes, durations, environment variables, files) is checked in descriptor.ts.
 */

/** A duration as written: milliseconds, or a string parsed in descriptor.ts. */
export type DurationText = number | string;

/** The descriptor as written, once DESCRIPTOR_SCHEMA accepted it. */
export interface DescriptorDocument {
    name: string;
    bind?: string;
    address?: string;
    http?: false | { port?: number; certFile?: string; keyFile?: string };
    coap?: false | { port?: number; mdns?: boolean };
    catalogue?: number | null;
    security?: {
        scheme: "nosec" | "basic" | "bearer";
        usernameEnv?: string;
        passwordEnv?: string;
        tokensEnv?: string;
        tokensFile?: string;
        jwtPublicKeyFile?: string;
    };
    /** the attach options' `mqtt`, its connect timeout as a duration text */
    mqtt?: false | (Omit<MqttOptions, "connectTimeoutMs"> & { connectTimeout?: DurationText });
    websocket?: false | { port?: number; certFile?: string; keyFile?: string };
    databaseConfig?: {
        timeseries?: {
            influxdb?: {
                enabled?: boolean;
                url?: string;
                org?: string;
                tokenEnv?: string;
                tokenFile?: string;
                buckets?: { properties?: string; actions?: string; events?: string };
                retention?: string;
                timeout?: DurationText;
                maxSpoolBytes?: number;
                layout?: "per-kind" | "per-thing";
            };
        };
        persistent?: { sqlite?: { path?: string; synchronous?: "normal" | "full" } };
    };
    recording?: {
        acknowledge?: "at-once" | "after-commit";
        acknowledgeReads?: boolean;
        /** checked (kinds, operations, at least one field) where the attach options are */
        exclude?: { thing?: string; kind?: string; name?: string; ops?: string[] }[];
    };
    periodicFunctions?: Record<string, DurationText>;
    selfCheck?: { interval?: DurationText; timeout?: DurationText; keepRows?: number };
    protocols?: { maxBodyBytes?: number; observerTimeout?: DurationText; voWot?: boolean };
    dashboard?: false | { path?: string };
    metrics?: boolean;
    /** checked (durations, their order, the free-space bound) where the attach options are */
    retention?: RetentionOptions;
    device?: { url?: string; ip?: string };
    liveness?: {
        interval?: DurationText;
        timeout?: DurationText;
        retries?: number;
        suspectAfter?: number;
        lostAfter?: number;
        recoverAfter?: number;
    };
    redirects?: string[];
    consumedVOs?: Record<
        string,
        {
            url: string;
            events?: string[];
            propertyChanges?: string[];
            serves?: { properties?: string[]; actions?: string[]; events?: string[] };
            timeout?: DurationText;
            schemes?: string[];
        }
    >;
    proxy?: {
        td: string;
        id?: string;
        title?: string;
        timeout?: DurationText;
        whenLost?: "stale" | "fail";
        properties?: Record<string, string>;
        actions?: Record<string, string>;
        events?: Record<string, string>;
    };
    push?: { thing?: string; properties?: string[]; actions?: string[] };
}

/** Keys that would put a secret into the descriptor, and what to write instead. */
export const REFUSED_SECRET_KEYS: Record<string, string> = {
    token: "a literal token is refused (secrets never belong in a descriptor): name an environment variable with tokenEnv, or a file with tokenFile",
    username:
        "literal credentials are refused (secrets never belong in a descriptor): name an environment variable with usernameEnv",
    password:
        "literal credentials are refused (secrets never belong in a descriptor): name an environment variable with passwordEnv",
};

const duration = { type: ["integer", "string"], minimum: 0 } as const;
/** the name of an environment variable; vo-wot's descriptor names its secrets' variables the same way */
export const envName = { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" } as const;
const nonEmpty = { type: "string", minLength: 1 } as const;
const count = (minimum: number) => ({ type: "integer", minimum }) as const;
const nameMap = { type: "object", additionalProperties: nonEmpty } as const;
const nameList = { type: "array", items: nonEmpty, uniqueItems: true } as const;
/** `retention`, in both dialects: the shape here, the meaning (durations, their order) where the attach options are */
export const RETENTION_SCHEMA = {
    type: "object",
    additionalProperties: false,
    properties: {
        raw: duration,
        property: duration,
        action: duration,
        event: duration,
        affordances: {
            type: "array",
            items: {
                type: "object",
                additionalProperties: false,
                required: ["name", "raw"],
                properties: { thing: nonEmpty, kind: nonEmpty, name: nonEmpty, raw: duration },
            },
        },
        fiveMinute: duration,
        hourly: duration,
        minFree: { type: ["integer", "string"], minimum: 0 },
        purgeInterval: duration,
    },
} as const;

/**
 * `false` (none) or an object with these keywords and no other keys; if/then/else rather than
 * oneOf so an error names one branch only.
 */
const offOr = <T extends object>(keywords: T) =>
    ({
        if: { type: "boolean" },
        then: { const: false },
        else: { type: "object", additionalProperties: false, ...keywords },
    }) as const;

/** The CoAP server: its port and whether it announces the Things over mDNS. */
const coapServer = offOr({
    properties: { port: { type: "integer", minimum: 0, maximum: 65535 }, mdns: { type: "boolean" } },
} as const);

/** The HTTP or the WebSocket server: TLS with a certificate and its key, both or neither. */
const tlsServer = offOr({
    properties: {
        port: { type: "integer", minimum: 0, maximum: 65535 },
        certFile: { type: "string", minLength: 1 },
        keyFile: { type: "string", minLength: 1 },
    },
    dependencies: { certFile: ["keyFile"], keyFile: ["certFile"] },
} as const);

export const DESCRIPTOR_SCHEMA = {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    additionalProperties: false,
    required: ["name"],
    properties: {
        name: { type: "string", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.-]+$" },
        bind: nonEmpty,
        address: nonEmpty,
        http: tlsServer,
        coap: coapServer,
        catalogue: { type: ["integer", "null"], minimum: 0, maximum: 65535 },
        mqtt: offOr({
            required: ["broker"],
            properties: {
                broker: { type: "string", pattern: "^mqtts?://" },
                usernameEnv: envName,
                passwordEnv: envName,
                passwordFile: nonEmpty,
                clientId: nonEmpty,
                caFile: nonEmpty,
                connectTimeout: duration,
            },
        }),
        websocket: tlsServer,
        security: {
            type: "object",
            additionalProperties: false,
            required: ["scheme"],
            properties: {
                scheme: { enum: ["nosec", "basic", "bearer"] },
                usernameEnv: envName,
                passwordEnv: envName,
                tokensEnv: envName,
                tokensFile: { type: "string", minLength: 1 },
                jwtPublicKeyFile: { type: "string", minLength: 1 },
            },
            if: { properties: { scheme: { const: "basic" } } },
            then: { required: ["usernameEnv", "passwordEnv"] },
        },
        databaseConfig: {
            type: "object",
            additionalProperties: false,
            properties: {
                timeseries: {
                    type: "object",
                    additionalProperties: false,
                    properties: {
                        influxdb: {
                            type: "object",
                            additionalProperties: false,
                            properties: {
                                enabled: { type: "boolean" },
                                url: nonEmpty,
                                org: nonEmpty,
                                tokenEnv: envName,
                                tokenFile: nonEmpty,
                                buckets: {
                                    type: "object",
                                    additionalProperties: false,
                                    properties: { properties: nonEmpty, actions: nonEmpty, events: nonEmpty },
                                },
                                retention: { type: "string", pattern: "^(0|[0-9]+[smhdw])$" },
                                timeout: duration,
                                maxSpoolBytes: count(1),
                                layout: { enum: ["per-kind", "per-thing"] },
                            },
                            // Only an enabled InfluxDB needs its URL and token; a disabled block may stay as a template.
                            if: { properties: { enabled: { const: true } }, required: ["enabled"] },
                            then: { required: ["url"] },
                        },
                    },
                },
                persistent: {
                    type: "object",
                    additionalProperties: false,
                    properties: {
                        sqlite: {
                            type: "object",
                            additionalProperties: false,
                            properties: { path: nonEmpty, synchronous: { enum: ["normal", "full"] } },
                        },
                    },
                },
            },
        },
        recording: {
            type: "object",
            additionalProperties: false,
            properties: {
                acknowledge: { enum: ["at-once", "after-commit"] },
                acknowledgeReads: { type: "boolean" },
                // the kinds and operations themselves are checked where the attach options are
                exclude: {
                    type: "array",
                    items: {
                        type: "object",
                        additionalProperties: false,
                        properties: { thing: nonEmpty, kind: nonEmpty, name: nonEmpty, ops: nameList },
                    },
                },
            },
        },
        periodicFunctions: {
            type: "object",
            propertyNames: { pattern: "^[A-Za-z_$][A-Za-z0-9_$]*$" },
            additionalProperties: duration,
        },
        selfCheck: {
            type: "object",
            additionalProperties: false,
            properties: { interval: duration, timeout: duration, keepRows: count(1) },
        },
        protocols: {
            type: "object",
            additionalProperties: false,
            properties: { maxBodyBytes: count(1), observerTimeout: duration, voWot: { type: "boolean" } },
        },
        metrics: { type: "boolean" },
        retention: RETENTION_SCHEMA,
        // `false` (none) or { path }: the path itself is checked where the attach options are
        dashboard: offOr({ properties: { path: nonEmpty } } as const),
        device: {
            type: "object",
            additionalProperties: false,
            required: ["url"],
            properties: { url: nonEmpty, ip: nonEmpty },
        },
        liveness: {
            type: "object",
            additionalProperties: false,
            properties: {
                interval: duration,
                timeout: duration,
                retries: count(0),
                suspectAfter: count(1),
                lostAfter: count(1),
                recoverAfter: count(1),
            },
        },
        redirects: { type: "array", items: nonEmpty },
        consumedVOs: {
            type: "object",
            propertyNames: { pattern: "^[A-Za-z_$][A-Za-z0-9_$-]*$" },
            additionalProperties: {
                type: "object",
                additionalProperties: false,
                required: ["url"],
                properties: {
                    url: nonEmpty,
                    events: nameList,
                    propertyChanges: nameList,
                    serves: {
                        type: "object",
                        additionalProperties: false,
                        properties: { properties: nameList, actions: nameList, events: nameList },
                    },
                    timeout: duration,
                    schemes: {
                        type: "array",
                        minItems: 1,
                        uniqueItems: true,
                        items: { enum: ["http", "https", "coap", "coaps"] },
                    },
                },
            },
        },
        proxy: {
            type: "object",
            additionalProperties: false,
            required: ["td"],
            properties: {
                td: nonEmpty,
                id: nonEmpty,
                title: nonEmpty,
                timeout: duration,
                whenLost: { enum: ["stale", "fail"] },
                properties: nameMap,
                actions: nameMap,
                events: nameMap,
            },
        },
        push: {
            type: "object",
            additionalProperties: false,
            properties: { thing: nonEmpty, properties: nameList, actions: nameList },
        },
    },
} as const;
