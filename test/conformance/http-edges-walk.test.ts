import fs from "node:fs";
import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { startExampleVo } from "../helpers/example-vo";
import { freeUdpPort } from "../helpers/free-port";
import { NodeProcess, queryFile } from "../helpers/node-process";
import { tempDir, waitFor } from "../helpers/vo-fixture";
import { FormCall, formCalls, methodFor } from "./form-calls";
import { httpCall, WireAnswer } from "./wire-clients";
import { httpRequest } from "../protocols/http/http-helpers";
import { expandHistory } from "../helpers/history-template";

const DEVICE = "dist/examples/sensor-device.js";
const ORIGIN = "http://127.0.0.1:9999";
/** How long any one answer may take: none of these requests waits for anything */
const ANSWER_MS = 3000;

interface RunningVo {
    name: string;
    process: NodeProcess;
    httpPort: number;
    db: string;
    /** the HTTP URL of each TD the VO serves */
    tds: string[];
}

/** What the README documents for OPTIONS and HEAD on each kind of resource. */
type Resource = "read-only" | "long-poll" | "affordance";

interface Walked {
    url: string;
    resource: Resource;
    /** methods the Allow of OPTIONS must list */
    methods: string[];
    /** the media types a HEAD on a long poll is asked for */
    types: string[];
}

/** One request bounded in time; an answer that does not come in time is a failure, not a wait. */
function ask(url: string, method: string, headers: { accept?: string; contentType?: string; body?: Buffer } = {}) {
    return httpCall(url, method, { ...headers, signal: AbortSignal.timeout(ANSWER_MS) });
}

/** node's http client, for what fetch does not send: an Origin, as a page of another origin would. */
async function askFrom(url: string, method: string, headers: Record<string, string> = {}, body?: Buffer) {
    const res = await httpRequest(url, { method, headers: { origin: ORIGIN, ...headers }, body, timeoutMs: ANSWER_MS });
    const flat = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)]));
    return { code: String(res.status), contentType: flat["content-type"], body: res.body, headers: flat } as WireAnswer;
}

/** The resources of one TD's HTTP forms, by href, with what the README says each answers. */
function resourcesOf(td: WoT.ThingDescription): Walked[] {
    const byHref = new Map<string, Walked>();
    for (const call of formCalls(td, "http")) {
        const url = call.href.replace(/\{[^}]*\}$/, ""); // a URI template's query part
        const resource = kindOf(call);
        const walked = byHref.get(url) ?? { url, resource, methods: [], types: [] };
        walked.methods.push(methodFor(call));
        if (!walked.types.includes(call.contentType)) walked.types.push(call.contentType);
        byHref.set(url, walked);
    }
    return [...byHref.values()];
}

function kindOf(call: FormCall): Resource {
    if (call.kind === "event") return "long-poll";
    if (call.kind === "property" && call.href.split("?")[0].endsWith("/observable")) return "long-poll";
    return "affordance";
}

const isSecured = (td: WoT.ThingDescription): boolean =>
    [td.security]
        .flat()
        .some((name) => (td.securityDefinitions?.[name as string] as { scheme?: string })?.scheme !== "nosec");

/** The checks of one walk: each failure (a 5xx, no answer in time, an answer not as documented) is listed. */
class Walk {
    readonly failures: string[] = [];
    resources = 0;
    checked = 0;

    async check(label: string, answer: () => Promise<WireAnswer>, expectations: (a: WireAnswer) => void) {
        this.checked++;
        try {
            const a = await answer();
            if (/^5/.test(a.code)) throw new Error(`answered ${a.code} ${a.body.toString().slice(0, 160)}`);
            expectations(a);
        } catch (err) {
            this.failures.push(`${label}: ${(err as Error).message}`);
        }
    }
}

function expectCode(a: WireAnswer, code: string): void {
    if (a.code !== code) throw new Error(`answered ${a.code} (${a.body.toString().slice(0, 160)}), not ${code}`);
}

function expectAllows(a: WireAnswer, methods: string[]): void {
    const allow = (a.headers.allow ?? "").split(",").map((m) => m.trim());
    const missing = methods.filter((m) => !allow.includes(m));
    if (missing.length > 0) throw new Error(`Allow: ${a.headers.allow} lacks ${missing.join(", ")}`);
}

const httpHref = (a: { forms: { href: string }[] }): string => a.forms.find((f) => f.href.startsWith("http:"))!.href;

/** `/`, each TD, every HTTP form's resource and every history the TDs link to. */
async function resourcesOfVo(vo: RunningVo): Promise<{ walked: Walked[]; tds: WoT.ThingDescription[] }> {
    const readOnly = (url: string): Walked => ({ url, resource: "read-only", methods: [], types: [] });
    const walked = [readOnly(`http://127.0.0.1:${vo.httpPort}/`)];
    const tds: WoT.ThingDescription[] = [];
    for (const url of vo.tds) {
        const td = JSON.parse((await ask(url, "GET")).body.toString()) as WoT.ThingDescription;
        tds.push(td);
        walked.push(readOnly(url), ...resourcesOf(td));
        for (const map of [td.properties, td.actions, td.events]) {
            for (const a of Object.values(map ?? {})) {
                const links = (a as { "vo:history"?: { href: string }[] })["vo:history"] ?? [];
                const http = links.find((l) => l.href.startsWith("http:"));
                if (http !== undefined) walked.push(readOnly(expandHistory(http.href))); // the URI template, no variables
            }
        }
    }
    return { walked, tds };
}

/** OPTIONS and HEAD on one resource, as the README documents them. */
async function walkMethods(walk: Walk, vo: RunningVo, r: Walked): Promise<void> {
    walk.resources++;
    const label = `${vo.name} ${r.url}`;
    const answersGet = r.resource === "affordance" ? [] : ["GET", "HEAD"];
    await walk.check(
        `${label} OPTIONS`,
        () => ask(r.url, "OPTIONS"),
        (a) => {
            expectCode(a, "204");
            expectAllows(a, [...r.methods, "OPTIONS", ...answersGet]);
        }
    );
    if (r.resource === "affordance") {
        await walk.check(
            `${label} HEAD`,
            () => ask(r.url, "HEAD"),
            (a) => {
                expectCode(a, "405");
                expectAllows(a, r.methods);
            }
        );
    } else if (r.resource === "read-only") {
        await walk.check(
            `${label} HEAD`,
            () => ask(r.url, "HEAD"),
            (a) => expectCode(a, "200")
        );
    } else {
        for (const type of r.types) {
            await walk.check(
                `${label} HEAD (${type})`,
                () => ask(r.url, "HEAD", { accept: type }),
                (a) => {
                    expectCode(a, "200");
                    if (a.contentType?.split(";")[0] !== type) throw new Error(`Content-Type ${a.contentType}`);
                }
            );
        }
    }
}

/** GET on `/observable` of every property that is not observable: 405 at once, and recorded. */
async function walkNotObservable(walk: Walk, vo: RunningVo, td: WoT.ThingDescription): Promise<void> {
    const notObservable = Object.entries(td.properties ?? {}).filter(([, p]) => p.observable !== true);
    for (const [name, p] of notObservable) {
        await walk.check(
            `${vo.name} observe of ${td.title}/${name}`,
            () => ask(`${httpHref(p)}/observable`, "GET"),
            (a) => {
                expectCode(a, "405");
                if (a.headers.allow !== "") throw new Error(`Allow: ${a.headers.allow}`);
            }
        );
    }
    walk.checked++;
    const recorded = async () => {
        const [{ n }] = await queryFile<{ n: number }>(
            vo.db,
            "SELECT count(DISTINCT name) AS n FROM ts_interaction WHERE thing = ? AND op = 'observeproperty' AND protocol = 'http' AND ok = 0",
            [td.id!]
        );
        return n === notObservable.length;
    };
    await waitFor(recorded, 10_000, "the refused observations' records").catch(() =>
        walk.failures.push(`${vo.name} ${td.title}: not every refused observation was recorded`)
    );
}

/** 400, 404, 405, 406 and 413 on one Thing, each with the CORS header of the Thing's successes. */
async function walkRefusals(walk: Walk, vo: RunningVo, td: WoT.ThingDescription): Promise<void> {
    const properties = Object.values(td.properties ?? {});
    const writable = properties.find((p) => p.readOnly !== true);
    const action = Object.values(td.actions ?? {})[0];
    const anyProperty = httpHref(properties[0]);
    const typed = { "content-type": "application/json" };
    const cases: [string, string, () => Promise<WireAnswer>][] = [
        [
            "404",
            "unknown property",
            () => askFrom(anyProperty.replace(/\/properties\/.*$/, "/properties/nothing"), "GET"),
        ],
        ["406", "Accept no form lists", () => askFrom(anyProperty, "GET", { accept: "application/xml" })],
        ["413", "body over the bound", () => askFrom(anyProperty, "PUT", typed, Buffer.alloc(1024 * 1024 + 16, 0x20))],
    ];
    const target = writable ?? action;
    if (target !== undefined) {
        const method = writable !== undefined ? "PUT" : "POST";
        cases.push(["400", "malformed JSON", () => askFrom(httpHref(target), method, typed, Buffer.from('{"a":'))]);
    } else walk.failures.push(`${vo.name} ${td.title}: nothing writable to provoke a 400 with`);
    if (action !== undefined) cases.push(["405", "GET on an action", () => askFrom(httpHref(action), "GET")]);
    else cases.push(["405", "DELETE on a property", () => askFrom(anyProperty, "DELETE")]);
    const origin = isSecured(td) ? ORIGIN : "*";
    for (const [code, what, answer] of cases) {
        await walk.check(`${vo.name} ${td.title} ${what} (CORS)`, answer, (a) => {
            expectCode(a, code);
            const allowed = a.headers["access-control-allow-origin"];
            if (allowed !== origin) throw new Error(`Access-Control-Allow-Origin: ${allowed}`);
        });
    }
}

describe("HTTP edges walk: OPTIONS, HEAD, observe of what is not observable and CORS on refusals, over every served TD", function () {
    this.timeout(300_000);
    let dir: string;
    let device: NodeProcess;
    const vos: RunningVo[] = [];

    before(async function () {
        dir = tempDir("node-wot-vo-edges-");
        const devicePort = await freeUdpPort();
        device = new NodeProcess([DEVICE], { SENSOR_PORT: String(devicePort) });
        await device.waitForOutput("simulated EnvironmentSensor");
        const start = async (name: string, example: string, options: Parameters<typeof startExampleVo>[2]) => {
            const s = await startExampleVo(dir, example, options);
            const tds = [...s.vo.output.matchAll(/^ {2}\S+: (http:\/\/\S+) {2}coap:\/\/\S+$/gm)].map((m) => m[1]);
            vos.push({ name, process: s.vo, httpPort: s.httpPort, db: s.dbPath, tds });
        };
        await start("proxy VO", "proxy-vo", {
            changes: [[["proxy", "td"], `coap://127.0.0.1:${devicePort}/environmentsensor`]],
        });
        await start("history VO", "history-vo", {
            td: "room-log.td.json",
            changes: [[["periodicFunctions", "sample"], "1h"]],
        });
    });

    after(async function () {
        for (const vo of vos) {
            const exit = vo.process.stop();
            const timer = setTimeout(() => void vo.process.stop("SIGKILL"), 10_000);
            await exit;
            clearTimeout(timer);
        }
        await device?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("answers OPTIONS and HEAD on every resource as documented, observe of what is not observable 405, CORS on every refusal", async function () {
        const walk = new Walk();
        for (const vo of vos) {
            const { walked, tds } = await resourcesOfVo(vo);
            for (const r of walked) await walkMethods(walk, vo, r);
            for (const td of tds) {
                await walkNotObservable(walk, vo, td);
                await walkRefusals(walk, vo, td);
            }
            walk.checked++;
            const [open] = await queryFile<{ n: number }>(
                vo.db,
                "SELECT count(*) AS n FROM observer WHERE protocol = 'http' AND ended_at IS NULL"
            );
            if (open.n !== 0) walk.failures.push(`${vo.name}: ${open.n} HTTP observations open after the walk`);
        }
        const { resources, checked, failures } = walk;
        console.log(
            `      HTTP edges walk: ${resources} resources walked, ${checked} answers checked, ${failures.length} failures`
        );
        for (const f of failures) console.log(`        ${f}`);
        expect(failures, "answers not as documented (listed above)").to.deep.equal([]);
        expect(resources).to.be.greaterThan(20);
    });
});
