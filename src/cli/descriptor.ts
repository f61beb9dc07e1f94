import crypto from "node:crypto";
import { resolveDashboardOptions } from "../options/dashboard-options";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import Ajv, { ErrorObject } from "ajv";
import { isMap, isSeq, LineCounter, Node, parseDocument, Document } from "yaml";
import { resolveOptions, VoPersistenceOptions } from "../options/vo-options";
import type { RecordingOptions } from "../options/recording-options";
import type { ConsumedVoOptions, DevicePushOptions, DeviceProxyOptions } from "../options/proxy-options";
import { parseDuration } from "../model/duration";
import { DEFAULT_INFLUX_ORG, InfluxDbOptions, retentionSeconds } from "../options/influxdb-options";
import { delayMs, envValue, fileText, redirectTarget, url, UrlRule } from "../options/option-checks";
import { DEFAULT_BIND, DEFAULT_COAP_PORT, DEFAULT_HTTP_PORT, DEFAULT_WEBSOCKET_PORT } from "../options/server-options";
import {
    DEFAULT_DEVICE_MONITOR,
    DEFAULT_KEEP_STATUS_ROWS,
    DEFAULT_SELF_CHECK_INTERVAL_MS,
    DEFAULT_SELF_CHECK_TIMEOUT_MS,
    deviceUrl,
    lostAfterSuspect,
    VoStateOptions,
} from "../options/vo-state-options";
import { DESCRIPTOR_SCHEMA, DescriptorDocument, DurationText, REFUSED_SECRET_KEYS } from "./descriptor-schema";
import { Dialect, dialectKeys, KeyMapping, translateVoWot, VO_WOT_SCHEMA, voWotPath } from "./vo-wot-descriptor";
import { InvalidOptionsError, VoError } from "../model/errors";

/** A VO's settings, read from its descriptor; everything a `node-wot-vo run` needs but the TD and the script. */
export interface RunConfig {
    name: string;
    /** where the servers listen: an IP address of this host, 0.0.0.0 (every IPv4 interface) or :: (every interface) */
    bind: string;
    /** what the TDs advertise (a host name or an IP address clients reach the VO at) */
    address: string;
    /** absent: no HTTP server */
    httpPort?: number;
    /** absent: no CoAP server */
    coapPort?: number;
    /** the CoAP server announces the Things over mDNS (DNS-SD); absent: it does not */
    mdns?: boolean;
    security:
        | { scheme: "nosec" }
        | { scheme: "basic"; username: string; password: string }
        /** the tokens accepted, or the public key (PEM) of the JWTs accepted */
        | { scheme: "bearer"; tokens?: string[]; jwtPublicKey?: string };
    /** absent: plain HTTP; the certificate and key files (absolute) of HTTPS */
    https?: { certFile: string; keyFile: string };
    /** for VoPersistence.attach; sqlite.path absolute, vo filled with every default */
    persistence: VoPersistenceOptions & { sqlite: { path: string }; vo: VoStateOptions };
    /** exported script function -> interval, ms */
    periodic: Record<string, number>;
    proxy?: DeviceProxyOptions;
    push?: DevicePushOptions;
    /** other VOs consumed at start, by name */
    consumedVOs?: Record<string, ConsumedVoOptions>;
    /** absolute; relative paths of the descriptor were resolved against it */
    descriptorDir: string;
}

export interface DescriptorProblem {
    /** dotted path of the offending key, e.g. `databaseConfig.timeseries.influxdb.url`; `line:column` for YAML syntax */
    path: string;
    message: string;
    /** where in the file, 1-based, when known */
    line?: number;
    column?: number;
}

/** Every problem of a descriptor at once; messages never carry a secret's value. */
export class DescriptorError extends VoError {
    readonly kind = "invalid-input";

    constructor(
        readonly source: string,
        readonly problems: DescriptorProblem[]
    ) {
        super(
            `invalid VO descriptor ${source} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems
                    .map((p) => {
                        const at =
                            p.line === undefined || p.path === `${p.line}:${p.column}` ? "" : ` (line ${p.line})`;
                        return `  ${source}: ${p.path}: ${p.message}${at}`;
                    })
                    .join("\n")
        );
    }
}

const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

const validators = new Map<object, ReturnType<Ajv["compile"]>>();
/** A descriptor schema, compiled once on first use, with the same options for both dialects. */
function validator(schema: typeof DESCRIPTOR_SCHEMA | typeof VO_WOT_SCHEMA): ReturnType<Ajv["compile"]> {
    let validate = validators.get(schema);
    if (validate === undefined) {
        // verbose: errors carry their parentSchema, which the "did you mean" of unknown keys reads.
        validate = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true }).compile(schema);
        validators.set(schema, validate);
    }
    return validate;
}

/** Reads and validates a descriptor file; relative paths in it resolve against its directory. */
export function loadDescriptor(file: string, env: NodeJS.ProcessEnv = process.env): RunConfig {
    return loadDescriptorReport(file, env).config;
}

/**
 * Validates descriptor text. `source` names it in messages and, as a file path, gives the
 * directory relative paths resolve against.
 */
export function parseDescriptor(text: string, source: string, env: NodeJS.ProcessEnv = process.env): RunConfig {
    return readDescriptor(text, source, env).config;
}

/** A descriptor read: its RunConfig, and for a vo-wot descriptor what each key became. */
export interface DescriptorReport {
    config: RunConfig;
    dialect: Dialect;
    /** vo-wot: one per key, in file order; empty for node-wot-vo's own descriptor */
    mappings: KeyMapping[];
    /** the node-wot-vo descriptor the RunConfig was built from (a vo-wot descriptor's translation) */
    document: DescriptorDocument;
}

/** Reads and validates a descriptor file, vo-wot's or node-wot-vo's own. */
export function loadDescriptorReport(file: string, env: NodeJS.ProcessEnv = process.env): DescriptorReport {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new DescriptorError(file, [
            { path: "(file)", message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}` },
        ]);
    }
    return readDescriptor(text, file, env);
}

/** parseDescriptor with the dialect and, for vo-wot's descriptor, the mapping of every key. */
export function readDescriptor(text: string, source: string, env: NodeJS.ProcessEnv = process.env): DescriptorReport {
    const yaml = readYaml(text, source);
    const descriptorDir = path.dirname(path.resolve(source));
    const checked = checkDescriptor(yaml.data, descriptorDir, env);
    return buildReport(checked, yaml, source, descriptorDir, env);
}

/** Descriptor text parsed: the document (for the lines of problems) and its data. */
interface YamlRead {
    doc: Document;
    lineCounter: LineCounter;
    data: unknown;
}

/** Parses the YAML, refusing a syntax error at its line:column and an empty document. */
function readYaml(text: string, source: string): YamlRead {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { prettyErrors: false, lineCounter, uniqueKeys: true });
    if (doc.errors.length > 0) {
        throw new DescriptorError(
            source,
            doc.errors.map((e) => {
                const { line, col } = lineCounter.linePos(e.pos[0]);
                // Messages may quote the offending token, which could be a secret someone pasted: drop the quote.
                return { path: `${line}:${col}`, message: e.message.replace(/:\s*".*"$/s, ""), line, column: col };
            })
        );
    }
    let data: unknown;
    try {
        data = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
        throw new DescriptorError(source, [{ path: "(root)", message: (err as Error).message }]);
    }
    if (data === null || data === undefined) {
        throw new DescriptorError(source, [
            { path: "(root)", message: "is empty (a descriptor needs at least a name)" },
        ]);
    }
    return { doc, lineCounter, data };
}

/** A descriptor checked: its dialect, the node-wot-vo document it stands for and what is wrong with it. */
interface CheckedDescriptor {
    dialect: Dialect;
    document: DescriptorDocument;
    mappings: KeyMapping[];
    problems: DescriptorProblem[];
    /** vo-wot: node-wot-vo path (or prefix) -> the vo-wot path a problem there is reported at */
    paths?: [string, string][];
}

/** The problems found so far. A key refused once is not reported again: meaning is only checked where structure holds. */
class Problems {
    readonly all: DescriptorProblem[] = [];
    private refused: string[] = [];

    /** Adds the problems at no key refused before the last `settle`. */
    add(problems: DescriptorProblem[]): void {
        for (const p of problems) if (!this.under(p.path)) this.all.push(p);
    }

    /** Refuses the keys of every problem so far. */
    settle(): void {
        this.refused = this.all.map((p) => p.path);
    }

    under(p: string): boolean {
        return this.refused.some((r) => p === r || p.startsWith(`${r}.`) || p.startsWith(`${r}[`));
    }
}

/** Tells the dialect and checks the document in it: its structure, then its meaning. */
function checkDescriptor(data: unknown, descriptorDir: string, env: NodeJS.ProcessEnv): CheckedDescriptor {
    const isMapping = typeof data === "object" && !Array.isArray(data);
    const keys = isMapping ? dialectKeys(data as Record<string, unknown>) : { voWot: [], own: [] };
    if (keys.voWot.length > 0 && keys.own.length > 0) {
        const problems = keys.own.map((k) => ({
            path: k,
            message:
                `is a node-wot-vo key in a vo-wot descriptor (vo-wot keys here: ${keys.voWot.join(", ")}): ` +
                "write one dialect; node-wot-vo migrate turns a vo-wot descriptor into node-wot-vo's own",
        }));
        return { dialect: "vo-wot", document: data as DescriptorDocument, mappings: [], problems };
    }
    if (keys.voWot.length > 0) return checkVoWot(data as Record<string, unknown>, descriptorDir, env);
    const problems = new Problems();
    problems.add(schemaProblems(data, validator(DESCRIPTOR_SCHEMA)));
    problems.settle();
    if (isMapping) problems.add(semanticProblems(data as DescriptorDocument, descriptorDir, env));
    return { dialect: "node-wot-vo", document: data as DescriptorDocument, mappings: [], problems: problems.all };
}

/** vo-wot's descriptor: its schema, its translation, then the translation through node-wot-vo's own checks. */
function checkVoWot(data: Record<string, unknown>, descriptorDir: string, env: NodeJS.ProcessEnv): CheckedDescriptor {
    const problems = new Problems();
    problems.add(schemaProblems(data, validator(VO_WOT_SCHEMA)));
    problems.settle();
    const t = translateVoWot(data);
    problems.add(t.problems);
    problems.settle();
    // each problem of node-wot-vo's own checks at the vo-wot key it came from
    const own = schemaProblems(t.document, validator(DESCRIPTOR_SCHEMA));
    for (const p of [...own, ...semanticProblems(t.document, descriptorDir, env)]) {
        const at = { ...p, path: voWotPath(p.path, t.paths) };
        if (!problems.under(at.path) && !problems.all.some((q) => q.path === at.path && q.message === at.message)) {
            problems.all.push(at);
        }
    }
    return { dialect: "vo-wot", document: t.document, mappings: t.mappings, problems: problems.all, paths: t.paths };
}

/** The RunConfig of a descriptor without problems; otherwise a DescriptorError listing them by line. */
function buildReport(
    checked: CheckedDescriptor,
    yaml: YamlRead,
    source: string,
    descriptorDir: string,
    env: NodeJS.ProcessEnv
): DescriptorReport {
    const { dialect, document, mappings, problems } = checked;
    if (problems.length === 0) {
        const config = buildConfig(document, descriptorDir, env);
        // The runtime's own checks as a last net, so a descriptor accepted here is accepted at attach.
        try {
            resolveOptions(config.persistence, env);
            return { config, dialect, mappings, document };
        } catch (err) {
            if (err instanceof InvalidOptionsError && err.path !== undefined) {
                const own = descriptorPathOf(err.path); // at the key it came from, so its line is shown
                problems.push({ path: voWotPath(own, checked.paths ?? []), message: err.problem });
            } else problems.push({ path: "(root)", message: (err as Error).message });
        }
    }
    const located = problems.map((p) => locate(p, yaml.doc, yaml.lineCounter));
    throw new DescriptorError(
        source,
        located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
    );
}

/** Where an attach option comes from in node-wot-vo's descriptor, where the two names differ (longest first). */
const OPTION_SOURCES: [string, string][] = [
    ["influxdb.timeoutMs", "databaseConfig.timeseries.influxdb.timeout"],
    ["influxdb", "databaseConfig.timeseries.influxdb"],
    ["sqlite", "databaseConfig.persistent.sqlite"],
    ["vo.selfCheckIntervalMs", "selfCheck.interval"],
    ["vo.selfCheckTimeoutMs", "selfCheck.timeout"],
    ["vo.keepStatusRows", "selfCheck.keepRows"],
    ["vo.device.url", "device.url"],
    ["vo.device.intervalMs", "liveness.interval"],
    ["vo.device.timeoutMs", "liveness.timeout"],
    ["vo.device", "liveness"],
    ["vo.deviceIp", "device.ip"],
    ["vo.redirects", "redirects"],
    ["protocols.observerTimeoutMs", "protocols.observerTimeout"],
    ["mqtt.connectTimeoutMs", "mqtt.connectTimeout"],
    ["catalogue.port", "catalogue"],
    ["catalogue.host", "bind"],
    ["websocket.address", "bind"],
];

/** The descriptor path of an attach option's path (`vo.redirects[1]` -> `redirects[1]`). */
function descriptorPathOf(option: string): string {
    const pair = OPTION_SOURCES.find(([o]) => option === o || option.startsWith(`${o}.`) || option.startsWith(`${o}[`));
    return pair === undefined ? option : pair[1] + option.slice(pair[0].length);
}

// ---- structure (JSON Schema) ----

function schemaProblems(data: unknown, validate: ReturnType<Ajv["compile"]>): DescriptorProblem[] {
    if (validate(data)) return [];
    const problems: DescriptorProblem[] = [];
    const seen = new Set<string>();
    for (const e of validate.errors ?? []) {
        const p = schemaProblem(e, data);
        if (p === undefined) continue;
        const key = `${p.path}\n${p.message}`;
        if (!seen.has(key)) problems.push(p);
        seen.add(key);
    }
    return problems;
}

const PATTERN_MESSAGES: Record<string, string> = {
    "^[A-Za-z0-9_.-]+$": "must be 1 to 64 of the characters A-Z a-z 0-9 _ . - (no spaces)",
    "^[A-Za-z_][A-Za-z0-9_]*$": "must be the name of an environment variable ([A-Za-z_][A-Za-z0-9_]*)",
    "^(0|[0-9]+[smhdw])$": 'must be like "30d", "12h" or "0" (keep forever)',
    "^[A-Za-z_$][A-Za-z0-9_$]*$": "must be the name of a function the script exports (a JavaScript identifier)",
};

const TYPE_WORDS: Record<string, string> = {
    object: "a mapping",
    array: "a list",
    string: "a string",
    integer: "an integer",
    number: "a number",
    boolean: "a boolean",
};

/** One Ajv error as a problem at a dotted path; never quotes the offending value. */
function schemaProblem(e: ErrorObject, data: unknown): DescriptorProblem | undefined {
    const at = pointerSegments(e.instancePath);
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
        case "if": // the failing then/else branch reports the detail
            return undefined;
        case "required":
            return { path: dotted([...at, String(params.missingProperty)], data), message: "is required" };
        case "additionalProperties": {
            const key = String(params.additionalProperty);
            const refused = REFUSED_SECRET_KEYS[key];
            const where = dotted([...at, key], data);
            if (refused !== undefined) return { path: where, message: refused };
            const known = Object.keys((e.parentSchema?.properties as object | undefined) ?? {});
            return { path: where, message: `unknown key${didYouMean(key, known)}` };
        }
        case "propertyNames":
            return {
                path: dotted([...at, String(params.propertyName)], data),
                message:
                    PATTERN_MESSAGES[String((e.schema as { pattern?: string }).pattern)] ?? "is not an allowed name",
            };
        case "pattern":
            // under propertyNames Ajv reports the name's pattern too; the propertyNames error above says it
            if ((e as ErrorObject & { propertyName?: string }).propertyName !== undefined) return undefined;
            return { path: dotted(at, data), message: PATTERN_MESSAGES[String(params.pattern)] ?? e.message ?? "" };
        case "const":
            // the only consts are the `false` of `http:`/`coap:` and of `dashboard:`
            if (at.length === 1 && at[0] === "dashboard") {
                return {
                    path: dotted(at, data),
                    message: "must be false (no dashboard) or a mapping like { path: /dashboard/ }",
                };
            }
            return {
                path: dotted(at, data),
                message: `must be false (no server) or a mapping like { port: ${DEFAULT_HTTP_PORT} }`,
            };
        case "enum":
            return {
                path: dotted(at, data),
                message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
            };
        case "type": {
            const what = String(params.type)
                .split(",")
                .map((t) => TYPE_WORDS[t] ?? t)
                .join(" or ");
            return { path: dotted(at, data), message: `must be ${what}` };
        }
        default:
            return { path: dotted(at, data), message: e.message ?? e.keyword };
    }
}

function pointerSegments(pointer: string): string[] {
    if (pointer === "") return [];
    return pointer
        .slice(1)
        .split("/")
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** `a.b[0].c`: indexes of lists in brackets, keys of mappings after dots. */
function dotted(segments: string[], data: unknown): string {
    let out = "";
    let node = data;
    for (const s of segments) {
        out += Array.isArray(node) ? `[${s}]` : out === "" ? s : `.${s}`;
        node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[s] : undefined;
    }
    return out === "" ? "(root)" : out;
}

function didYouMean(key: string, known: string[]): string {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const k of known) {
        const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, k);
        if (d < bestDistance) [best, bestDistance] = [k, d];
    }
    const close = best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3));
    return close ? ` (did you mean ${best}?)` : known.length > 0 ? ` (known: ${known.join(", ")})` : "";
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
    let before: number[] = [];
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const row = [i];
        for (let j = 1; j <= b.length; j++) {
            row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
            // a swap of neighbours ("prot" for "port") counts as one edit
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                row[j] = Math.min(row[j], before[j - 2] + 1);
            }
        }
        [before, prev] = [prev, row];
    }
    return prev[b.length];
}

/** Adds the line of the offending key (or of its parent mapping, for a missing key). */
function locate(p: DescriptorProblem, doc: Document, lineCounter: LineCounter): DescriptorProblem {
    if (p.line !== undefined) return p;
    const segments = p.path === "(root)" ? [] : p.path.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== "");
    let node: unknown = doc.contents;
    let offset: number | undefined = (doc.contents as Node | null)?.range?.[0];
    for (const s of segments) {
        if (isMap(node)) {
            const pair = node.items.find((it) => String((it.key as { value?: unknown } | null)?.value) === s);
            if (pair === undefined) break;
            offset = (pair.key as Node).range?.[0] ?? offset;
            node = pair.value;
        } else if (isSeq(node)) {
            const item = node.items[Number(s)] as Node | undefined;
            if (item === undefined) break;
            offset = item.range?.[0] ?? offset;
            node = item;
        } else break;
    }
    if (offset === undefined) return p;
    const { line, col } = lineCounter.linePos(offset);
    return { ...p, line, column: col };
}

// ---- meaning (what a schema cannot say) ----

/** Milliseconds of a duration that passed the schema; undefined when absent. */
function durationMs(value: DurationText | undefined): number | undefined {
    if (typeof value === "number") return value;
    if (typeof value !== "string") return undefined;
    const ns = parseDuration(value.trim());
    if (ns % 1_000_000n !== 0n) throw new Error("fractions of a millisecond");
    return Number(ns / 1_000_000n);
}

/**
 * The checks the descriptor's sections share; each adds a problem at its dotted path. The rules are
 * the option kit's (options/option-checks.ts), the ones `VoPersistence.attach` holds its options to.
 */
class Checks {
    readonly problems: DescriptorProblem[] = [];

    constructor(
        private readonly dir: string,
        private readonly env: NodeJS.ProcessEnv
    ) {}

    problem(p: string, message: string): void {
        this.problems.push({ path: p, message });
    }

    /** Runs a check of the option kit (given the descriptor's path); its refusal becomes a problem there. */
    kit<T>(check: () => T): T | undefined {
        try {
            return check();
        } catch (err) {
            if (!(err instanceof InvalidOptionsError) || err.path === undefined) throw err;
            this.problem(err.path, err.problem);
            return undefined;
        }
    }

    duration(value: DurationText | undefined, p: string, min: number): void {
        let ms: number | undefined;
        try {
            ms = durationMs(value);
        } catch {
            this.problem(
                p,
                `${JSON.stringify(value)} is not a duration (milliseconds, or e.g. "500ms", "5s", "2m", "1h")`
            );
            return;
        }
        if (ms !== undefined) this.kit(() => delayMs(ms, p, 0, min));
    }

    /** Names the variable, never its value. */
    envVar(name: unknown, p: string): void {
        if (typeof name === "string") this.kit(() => envValue(name, p, this.env));
    }

    url(text: unknown, p: string, rule: UrlRule): URL | undefined {
        return typeof text === "string" ? this.kit(() => url(text, p, rule)) : undefined;
    }

    /** The file at `file` (relative to the descriptor) can be read, and `check` says what is wrong with it, if anything. */
    readable(file: string, p: string, check?: (text: string) => string | undefined): void {
        const abs = path.resolve(this.dir, file);
        const text = this.kit(() => fileText(abs, p));
        const why = text === undefined ? undefined : check?.(text); // says what is wrong, never what the file holds
        if (why !== undefined) this.problem(p, `${abs} ${why}`);
    }
}

function basicSecurityChecks(doc: DescriptorDocument, c: Checks): void {
    if (doc.security?.scheme !== "basic") return;
    c.envVar(doc.security.usernameEnv, "security.usernameEnv");
    c.envVar(doc.security.passwordEnv, "security.passwordEnv");
    if (doc.coap !== false) {
        // node-wot's CoAP server checks no credentials: the VO would be open over CoAP
        c.problem("coap", "must be false when security.scheme is basic (CoAP carries no basic authentication)");
    }
    if (doc.websocket !== undefined && doc.websocket !== false) {
        // the WebSocket server checks no credentials either
        c.problem(
            "websocket",
            "must be false when security.scheme is basic (the WebSocket server checks no credentials)"
        );
    }
}

function mqttChecks(doc: DescriptorDocument, c: Checks): void {
    if (doc.mqtt === undefined || doc.mqtt === false) return;
    c.url(doc.mqtt.broker, "mqtt.broker", {
        schemes: ["mqtt:", "mqtts:"],
        what: "an mqtt:// or mqtts:// URL",
        noCredentials: "must not carry credentials (name them with usernameEnv and passwordEnv or passwordFile)",
    });
    if (doc.mqtt.usernameEnv !== undefined) c.envVar(doc.mqtt.usernameEnv, "mqtt.usernameEnv");
    if (doc.mqtt.passwordEnv !== undefined && doc.mqtt.passwordFile !== undefined) {
        c.problem("mqtt", "give either passwordEnv or passwordFile, not both");
    } else if (doc.mqtt.passwordEnv !== undefined) c.envVar(doc.mqtt.passwordEnv, "mqtt.passwordEnv");
    else if (doc.mqtt.passwordFile !== undefined) c.readable(doc.mqtt.passwordFile, "mqtt.passwordFile");
}

const publicKey = (t: string) => pemProblem(() => crypto.createPublicKey(t), "is not a PEM public key");
const certificate = (t: string) => pemProblem(() => new crypto.X509Certificate(t), "is not a PEM certificate");
const privateKey = (t: string) => pemProblem(() => crypto.createPrivateKey(t), "is not a PEM private key");

function pemProblem(parse: () => unknown, problem: string): string | undefined {
    try {
        parse();
        return undefined;
    } catch {
        return problem;
    }
}

function bearerSecurityChecks(doc: DescriptorDocument, c: Checks): void {
    if (doc.security?.scheme !== "bearer") return;
    const s = doc.security;
    const sources = (["tokensEnv", "tokensFile", "jwtPublicKeyFile"] as const).filter((k) => s[k] !== undefined);
    if (sources.length !== 1) {
        c.problem(
            "security",
            sources.length === 0
                ? "bearer needs what it accepts: tokensEnv, tokensFile or jwtPublicKeyFile"
                : `give one of tokensEnv, tokensFile and jwtPublicKeyFile, not ${sources.join(" and ")}`
        );
    } else if (s.tokensEnv !== undefined) {
        c.envVar(s.tokensEnv, "security.tokensEnv");
    } else if (s.tokensFile !== undefined) {
        c.readable(s.tokensFile, "security.tokensFile", (t) =>
            tokensOf(t).length === 0 ? "holds no token" : undefined
        );
    } else if (s.jwtPublicKeyFile !== undefined) {
        c.readable(s.jwtPublicKeyFile, "security.jwtPublicKeyFile", publicKey);
    }
    if (doc.coap !== false) {
        c.problem("coap", "must be false when security.scheme is bearer (CoAP carries no bearer token)");
    }
}

function certificateChecks(doc: DescriptorDocument, c: Checks): void {
    for (const server of ["http", "websocket"] as const) {
        const s = doc[server];
        if (s === undefined || s === false || s.certFile === undefined || s.keyFile === undefined) continue;
        c.readable(s.certFile, `${server}.certFile`, certificate);
        c.readable(s.keyFile, `${server}.keyFile`, privateKey);
    }
    if (doc.mqtt !== undefined && doc.mqtt !== false && doc.mqtt.caFile !== undefined) {
        if (!doc.mqtt.broker.startsWith("mqtts://")) {
            c.problem("mqtt.caFile", "is for a broker reached over TLS: mqtt.broker must be mqtts://");
        } else c.readable(doc.mqtt.caFile, "mqtt.caFile", certificate);
    }
    for (const p of tlsProblems(doc)) c.problem(p.path, p.message);
}

function influxChecks(doc: DescriptorDocument, c: Checks): void {
    const influx = doc.databaseConfig?.timeseries?.influxdb;
    const ip = "databaseConfig.timeseries.influxdb";
    if (influx === null || typeof influx !== "object" || influx.enabled !== true) return;
    c.url(influx.url, `${ip}.url`, {
        schemes: ["http:", "https:"],
        what: "an http:// or https:// URL",
        noCredentials: "must not carry credentials (the token comes from tokenEnv or tokenFile)",
    });
    if (influx.tokenEnv === undefined && influx.tokenFile === undefined) {
        c.problem(ip, "needs the token's source: tokenEnv (an environment variable) or tokenFile");
    } else if (influx.tokenEnv !== undefined && influx.tokenFile !== undefined) {
        c.problem(ip, "give either tokenEnv or tokenFile, not both");
    } else if (influx.tokenEnv !== undefined) {
        c.envVar(influx.tokenEnv, `${ip}.tokenEnv`);
    } else if (typeof influx.tokenFile === "string") {
        c.readable(influx.tokenFile, `${ip}.tokenFile`, (t) => (t.trim() === "" ? "is empty" : undefined));
    }
    c.kit(() => retentionSeconds(influx.retention, `${ip}.retention`));
    c.duration(influx.timeout, `${ip}.timeout`, 1);
}

function consumedVoChecks(doc: DescriptorDocument, c: Checks): void {
    const servedBy = new Map<string, string>();
    for (const [name, vo] of Object.entries(doc.consumedVOs ?? {})) {
        const at = `consumedVOs.${name}`;
        c.url(vo.url, `${at}.url`, {
            schemes: ["http:", "https:", "coap:", "coaps:"],
            what: "an http(s):// or coap(s):// URL of its TD",
        });
        c.duration(vo.timeout, `${at}.timeout`, 1);
        for (const kind of ["properties", "actions", "events"] as const) {
            for (const a of vo.serves?.[kind] ?? []) {
                const other = servedBy.get(`${kind}.${a}`);
                if (other !== undefined) c.problem(`${at}.serves.${kind}`, `${a} is served by ${other} already`);
                servedBy.set(`${kind}.${a}`, name);
            }
        }
    }
}

function timingChecks(doc: DescriptorDocument, c: Checks): void {
    for (const [fn, interval] of Object.entries(doc.periodicFunctions ?? {})) {
        c.duration(interval, `periodicFunctions.${fn}`, 1);
    }
    c.duration(doc.selfCheck?.interval, "selfCheck.interval", 0);
    c.duration(doc.selfCheck?.timeout, "selfCheck.timeout", 1);
    c.duration(doc.protocols?.observerTimeout, "protocols.observerTimeout", 1);
    if (doc.dashboard !== null && typeof doc.dashboard === "object" && typeof doc.dashboard.path === "string") {
        c.kit(() => resolveDashboardOptions(doc.dashboard)); // the descriptor's path is the option's
    }
}

function deviceChecks(doc: DescriptorDocument, c: Checks): void {
    if (typeof doc.device?.url === "string") c.kit(() => deviceUrl(doc.device!.url, "device.url"));
    if (typeof doc.device?.ip === "string" && net.isIP(doc.device.ip) === 0) {
        c.problem("device.ip", "must be an IP address");
    }
    const l = doc.liveness;
    if (l !== null && typeof l === "object") {
        if (doc.device === undefined && doc.proxy === undefined) {
            c.problem("liveness", "there is no device to probe: set device.url or proxy.td");
        }
        c.duration(l.interval, "liveness.interval", 1);
        c.duration(l.timeout, "liveness.timeout", 1);
        const suspectAfter = l.suspectAfter ?? DEFAULT_DEVICE_MONITOR.suspectAfter;
        const lostAfter = l.lostAfter ?? DEFAULT_DEVICE_MONITOR.lostAfter;
        if (typeof suspectAfter === "number" && typeof lostAfter === "number") {
            c.kit(() => lostAfterSuspect({ suspectAfter, lostAfter }, "liveness.lostAfter"));
        }
    }
    if (Array.isArray(doc.redirects)) {
        doc.redirects.forEach((t, i) => c.kit(() => redirectTarget(t, `redirects[${i}]`)));
    }
    if (doc.proxy !== null && typeof doc.proxy === "object") {
        const what = "a coap://, http:// or https:// URL of the device's TD";
        c.url(doc.proxy.td, "proxy.td", { schemes: ["coap:", "http:", "https:"], what });
        c.duration(doc.proxy.timeout, "proxy.timeout", 1);
    }
}

/** What the JSON Schema cannot say of a descriptor: files, variables, URLs, durations, combinations. */
function semanticProblems(doc: DescriptorDocument, dir: string, env: NodeJS.ProcessEnv): DescriptorProblem[] {
    const c = new Checks(dir, env);
    for (const p of addressProblems(doc)) c.problem(p.path, p.message);
    for (const section of [
        basicSecurityChecks,
        mqttChecks,
        bearerSecurityChecks,
        certificateChecks,
        influxChecks,
        consumedVoChecks,
        timingChecks,
        deviceChecks,
    ]) {
        section(doc, c);
    }
    return c.problems;
}

// ---- TLS on every TCP server, or none ----

/** With certificates, every TCP connection the VO serves or opens for its Things goes over TLS, or it is refused. */
function tlsProblems(doc: DescriptorDocument): DescriptorProblem[] {
    const http = doc.http === false ? undefined : doc.http;
    const ws = doc.websocket === false ? undefined : doc.websocket;
    const given =
        http?.certFile !== undefined ? "http.certFile" : ws?.certFile !== undefined ? "websocket.certFile" : "";
    if (given === "") return [];
    const problems: DescriptorProblem[] = [];
    if (doc.http !== false && http?.certFile === undefined) {
        problems.push({
            path: "http",
            message: `serves plain HTTP while ${given} makes the WebSocket server TLS: give http certFile and keyFile too, or http: false`,
        });
    }
    if (doc.mqtt !== undefined && doc.mqtt !== false && doc.mqtt.broker.startsWith("mqtt://")) {
        problems.push({
            path: "mqtt.broker",
            message: `is reached in cleartext (mqtt://) while the VO serves TLS (${given}): use an mqtts:// broker (mqtt.caFile names a private CA)`,
        });
    }
    if (typeof doc.catalogue === "number") {
        problems.push({
            path: "catalogue",
            message: `serves plain HTTP only, while the VO serves TLS (${given}): remove it (the HTTP server answers /.well-known/wot over HTTPS)`,
        });
    }
    return problems;
}

// ---- where the VO listens, and what it advertises ----

/** 0.0.0.0 and ::: every interface (of the family; :: takes IPv4 too where the host allows) */
export function isWildcard(address: string): boolean {
    return address === "0.0.0.0" || address === "::";
}

/** What the TDs advertise without `address`: the bind address, or this host's name when it listens on every interface (as vo-wot's socket.getfqdn()). */
export function defaultAdvertised(bind: string): string {
    return isWildcard(bind) ? os.hostname() : bind;
}

/** Whether an address is one this host can listen on: a wildcard, 127.0.0.0/8, or one of its interfaces' addresses. */
function isLocalAddress(ip: string): boolean {
    if (isWildcard(ip) || /^127\./.test(ip)) return true;
    const own = Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
    return own.some((a) => a.toLowerCase() === ip.toLowerCase().replace(/%.*$/, ""));
}

function addressProblems(doc: DescriptorDocument): DescriptorProblem[] {
    const problems: DescriptorProblem[] = [];
    const bind = doc.bind ?? DEFAULT_BIND;
    if (typeof doc.bind === "string") {
        if (net.isIP(doc.bind) === 0) {
            problems.push({
                path: "bind",
                message: "must be an IP address to listen on (0.0.0.0: every IPv4 interface, ::: every interface)",
            });
        } else if (!isLocalAddress(doc.bind)) {
            problems.push({
                path: "bind",
                message: `${doc.bind} is not an address of this host (listening would fail with EADDRNOTAVAIL): use 0.0.0.0 or :: to listen on every interface, and address for what the TDs advertise`,
            });
        }
    }
    const advertised = doc.address ?? (net.isIP(bind) === 0 ? undefined : defaultAdvertised(bind));
    const why = advertised === undefined ? undefined : advertisedProblem(advertised);
    if (why !== undefined) {
        problems.push({
            path: "address",
            message: doc.address === undefined ? `is absent, and this host's name ${why}: set address` : why,
        });
    }
    if (doc.coap !== false && doc.coap?.mdns === true && net.isIPv6(bind) && !isWildcard(bind)) {
        problems.push({ path: "coap.mdns", message: `announces over IPv4 mDNS, and bind is the IPv6 address ${bind}` });
    }
    return problems;
}

/** Why clients could not reach an advertised address; undefined when they can. */
function advertisedProblem(address: string): string | undefined {
    if (isWildcard(address)) {
        return `${address} is where servers listen, not an address clients can reach: advertise a host name or an IP address (bind sets where the VO listens)`;
    }
    if (net.isIP(address) === 0 && !HOSTNAME.test(address)) {
        return `${JSON.stringify(address)} is not a host name or an IP address (the TDs' forms would not parse)`;
    }
    return undefined;
}

// ---- the RunConfig ----

/** Bearer tokens as a variable or a file holds them: comma, space or line separated; `#` starts a comment line. */
function tokensOf(text: string): string[] {
    return text
        .split(/\r?\n/)
        .filter((line) => !line.trimStart().startsWith("#"))
        .flatMap((line) => line.split(/[\s,]+/))
        .filter((t) => t.length > 0);
}

/** Drops absent optional fields, so a config compares and prints without `undefined`s. */
function defined<T extends object>(o: T): T {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const ms = (v: DurationText | undefined, fallback: number): number => durationMs(v) ?? fallback;
/** A duration in milliseconds, or undefined when the descriptor leaves it to the library's default. */
const msIfSet = (v: DurationText | undefined): number | undefined => (v === undefined ? undefined : ms(v, 0));
const resolved = (dir: string, file: string | undefined) => (file === undefined ? undefined : path.resolve(dir, file));

function securityOf(doc: DescriptorDocument, dir: string, env: NodeJS.ProcessEnv): RunConfig["security"] {
    const sec = doc.security;
    if (sec?.scheme === "basic")
        return { scheme: "basic", username: env[sec.usernameEnv!]!, password: env[sec.passwordEnv!]! };
    if (sec?.scheme !== "bearer") return { scheme: "nosec" };
    const read = (file: string) => fs.readFileSync(path.resolve(dir, file), "utf8");
    return defined({
        scheme: "bearer" as const,
        tokens:
            sec.tokensEnv !== undefined
                ? tokensOf(env[sec.tokensEnv]!)
                : sec.tokensFile !== undefined
                  ? tokensOf(read(sec.tokensFile))
                  : undefined,
        jwtPublicKey: sec.jwtPublicKeyFile === undefined ? undefined : read(sec.jwtPublicKeyFile),
    });
}

function influxOf(doc: DescriptorDocument, dir: string, env: NodeJS.ProcessEnv): InfluxDbOptions | undefined {
    const influx = doc.databaseConfig?.timeseries?.influxdb;
    if (influx?.enabled !== true) return undefined;
    return defined({
        url: influx.url,
        // explicit, so the descriptor alone decides (the library would fall back to $INFLUX_ORG)
        org: influx.org ?? DEFAULT_INFLUX_ORG,
        token: influx.tokenEnv === undefined ? undefined : env[influx.tokenEnv]!.trim(),
        tokenFile: resolved(dir, influx.tokenFile),
        buckets: influx.buckets,
        retention: influx.retention,
        timeoutMs: msIfSet(influx.timeout),
        maxSpoolBytes: influx.maxSpoolBytes,
        layout: influx.layout,
    });
}

function voStateOf(doc: DescriptorDocument): VoStateOptions {
    const deviceUrl = doc.device?.url ?? doc.proxy?.td;
    const l = doc.liveness ?? {};
    const d = DEFAULT_DEVICE_MONITOR;
    return defined({
        selfCheckIntervalMs: ms(doc.selfCheck?.interval, DEFAULT_SELF_CHECK_INTERVAL_MS),
        selfCheckTimeoutMs: ms(doc.selfCheck?.timeout, DEFAULT_SELF_CHECK_TIMEOUT_MS),
        keepStatusRows: doc.selfCheck?.keepRows ?? DEFAULT_KEEP_STATUS_ROWS,
        device:
            deviceUrl === undefined
                ? undefined
                : {
                      url: deviceUrl,
                      intervalMs: ms(l.interval, d.intervalMs),
                      timeoutMs: ms(l.timeout, d.timeoutMs),
                      retries: l.retries ?? d.retries,
                      suspectAfter: l.suspectAfter ?? d.suspectAfter,
                      lostAfter: l.lostAfter ?? d.lostAfter,
                      recoverAfter: l.recoverAfter ?? d.recoverAfter,
                  },
        deviceIp: doc.device?.ip,
        redirects: doc.redirects?.map((t, i) => redirectTarget(t, `redirects[${i}]`)),
    });
}

function proxyOf(doc: DescriptorDocument): DeviceProxyOptions | undefined {
    const p = doc.proxy;
    if (p === undefined) return undefined;
    const { td, id, title, whenLost, properties, actions, events } = p;
    return defined({ td, id, title, timeoutMs: msIfSet(p.timeout), whenLost, properties, actions, events });
}

function mqttOf(doc: DescriptorDocument, dir: string) {
    const m = doc.mqtt;
    if (m === undefined || m === false) return undefined;
    return defined({
        broker: m.broker,
        usernameEnv: m.usernameEnv,
        passwordEnv: m.passwordEnv,
        passwordFile: resolved(dir, m.passwordFile),
        clientId: m.clientId,
        caFile: resolved(dir, m.caFile),
        connectTimeoutMs: msIfSet(m.connectTimeout),
    });
}

function websocketOf(doc: DescriptorDocument, dir: string, bind: string, https: RunConfig["https"]) {
    const w = doc.websocket;
    if (w === undefined || w === false) return undefined;
    return defined({
        port: w.port ?? DEFAULT_WEBSOCKET_PORT,
        address: bind,
        // the VO's certificate serves every TCP server: WSS with HTTPS
        ...(w.certFile === undefined || w.keyFile === undefined
            ? https
            : { certFile: path.resolve(dir, w.certFile), keyFile: path.resolve(dir, w.keyFile) }),
    });
}

function consumedVosOf(doc: DescriptorDocument): RunConfig["consumedVOs"] {
    if (doc.consumedVOs === undefined) return undefined;
    return Object.fromEntries(
        Object.entries(doc.consumedVOs).map(([name, c]) => [
            name,
            defined({
                url: c.url,
                events: c.events,
                propertyChanges: c.propertyChanges,
                serves: c.serves,
                timeoutMs: msIfSet(c.timeout),
                schemes: c.schemes,
            }),
        ])
    );
}

function buildConfig(doc: DescriptorDocument, dir: string, env: NodeJS.ProcessEnv): RunConfig {
    const port = (server: DescriptorDocument["http"], fallback: number) =>
        server === false ? undefined : (server?.port ?? fallback);
    const web = doc.http === false ? undefined : doc.http;
    const https =
        web?.certFile === undefined || web.keyFile === undefined
            ? undefined
            : { certFile: path.resolve(dir, web.certFile), keyFile: path.resolve(dir, web.keyFile) };
    const sqlitePath = doc.databaseConfig?.persistent?.sqlite?.path ?? path.join("data", `${doc.name}.sqlite`);
    const bind = doc.bind ?? DEFAULT_BIND;
    return defined({
        name: doc.name,
        bind,
        address: doc.address ?? defaultAdvertised(bind),
        httpPort: port(doc.http, DEFAULT_HTTP_PORT),
        coapPort: port(doc.coap, DEFAULT_COAP_PORT),
        mdns: doc.coap === false || doc.coap?.mdns !== true ? undefined : true,
        security: securityOf(doc, dir, env),
        https,
        persistence: defined({
            sqlite: defined({
                path: path.resolve(dir, sqlitePath),
                synchronous: doc.databaseConfig?.persistent?.sqlite?.synchronous,
            }),
            // exclude's kinds and operations are checked by resolveOptions, which names a bad one's path
            recording: doc.recording === undefined ? undefined : defined({ ...doc.recording } as RecordingOptions),
            influxdb: influxOf(doc, dir, env),
            vo: voStateOf(doc),
            catalogue: typeof doc.catalogue === "number" ? { port: doc.catalogue, host: bind } : undefined,
            protocols:
                doc.protocols === undefined
                    ? undefined
                    : defined({
                          maxBodyBytes: doc.protocols.maxBodyBytes,
                          observerTimeoutMs: msIfSet(doc.protocols.observerTimeout),
                          voWot: doc.protocols.voWot,
                      }),
            mqtt: mqttOf(doc, dir),
            websocket: websocketOf(doc, dir, bind, https),
            dashboard: doc.dashboard === false ? false : doc.dashboard === undefined ? undefined : { ...doc.dashboard },
            metrics: doc.metrics,
            retention: doc.retention,
        }),
        periodic: Object.fromEntries(Object.entries(doc.periodicFunctions ?? {}).map(([k, v]) => [k, ms(v, 0)])),
        proxy: proxyOf(doc),
        push: doc.push === undefined ? undefined : defined({ ...doc.push }),
        consumedVOs: consumedVosOf(doc),
        descriptorDir: dir,
    });
}
