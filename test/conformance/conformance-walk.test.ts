import fs from "node:fs";
import path from "node:path";
import * as coap from "coap";
import { expect } from "chai";
import { ContentSerdes } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import { conformsToSchema } from "../../src/model/value-check";
import { validateThingDescription } from "../../src/cli/td-validation";
import { startExampleVo } from "../helpers/example-vo";
import { freeUdpPort } from "../helpers/free-port";
import { expandHistory } from "../helpers/history-template";
import { NodeProcess, queryFile } from "../helpers/node-process";
import { tempDir, waitFor } from "../helpers/vo-fixture";
import { FormCall, formCalls, methodFor, sampleValue } from "./form-calls";
import {
    CONTENT_FORMAT,
    coapCall,
    coapDeregister,
    hasLibcoapClient,
    httpCall,
    libcoapCall,
    WireAnswer,
} from "./wire-clients";

const DEVICE = "dist/examples/sensor-device.js";

interface RunningVo {
    name: string;
    process: NodeProcess;
    httpPort: number;
    coapPort: number;
    db: string;
    /** Thing title -> [http base, coap base], as the VO prints them */
    things: Map<string, [string, string]>;
}

interface Row {
    thing: string;
    kind: string;
    name: string;
    op: string;
    protocol: string;
    origin: string | null;
    ok: number;
}

/** The Things a VO says it serves when it starts ("  Title: http://...  coap://..."). */
function servedThings(output: string): Map<string, [string, string]> {
    const things = new Map<string, [string, string]>();
    for (const m of output.matchAll(/^ {2}(\S+): (http:\/\/\S+) {2}(coap:\/\/\S+)$/gm)) things.set(m[1], [m[2], m[3]]);
    return things;
}

function decode(answer: WireAnswer, contentType: string, schema: object | undefined): unknown {
    return ContentSerdes.get().contentToValue({ type: contentType, body: answer.body }, (schema ?? {}) as never);
}

async function encode(value: unknown, contentType: string): Promise<Buffer> {
    return ContentSerdes.get()
        .valueToContent(value as never, undefined, contentType)
        .toBuffer();
}

const isSuccess = (scheme: string, code: string) => (scheme === "http" ? /^2\d\d$/.test(code) : code.startsWith("2."));

/** Whether an answer's content type is the one asked for (CoAP gives names or numbers). */
function sameType(got: string | undefined, wanted: string): boolean {
    if (got === undefined) return false;
    return got.split(";")[0].trim() === wanted || got === String(CONTENT_FORMAT[wanted]);
}

describe("conformance walk: every form of every TD the example VOs serve, called with real HTTP and CoAP clients", function () {
    this.timeout(300_000);
    let dir: string;
    let device: NodeProcess;
    const vos: RunningVo[] = [];
    let libcoap = false;

    before(async function () {
        libcoap = await hasLibcoapClient();
        if (!libcoap && process.env.CI === "true") {
            throw new Error("coap-client-notls (Debian package libcoap3-bin) is missing; .ci/run installs it");
        }
        if (!libcoap)
            console.log(
                "      coap-client-notls not found: libcoap's calls are skipped (apt-get install libcoap3-bin)"
            );
        dir = tempDir("node-wot-vo-walk-");
        const devicePort = await freeUdpPort();
        device = new NodeProcess([DEVICE], { SENSOR_PORT: String(devicePort) });
        await device.waitForOutput("simulated EnvironmentSensor");
        const start = async (name: string, example: string, options: Parameters<typeof startExampleVo>[2]) => {
            const s = await startExampleVo(dir, example, options);
            const vo = { name, process: s.vo, httpPort: s.httpPort, coapPort: s.coapPort, db: s.dbPath };
            vos.push({ ...vo, things: servedThings(s.vo.output) });
            return vos.at(-1)!;
        };
        const proxy = await start("proxy VO", "proxy-vo", {
            changes: [[["proxy", "td"], `coap://127.0.0.1:${devicePort}/environmentsensor`]],
        });
        const room = await start("history VO", "history-vo", {
            td: "room-log.td.json",
            changes: [[["periodicFunctions", "sample"], "1h"]],
        });
        await start("composite VO", "composite-vo", {
            td: "building.td.json",
            env: {
                ENVIRONMENT_VO_TD: proxy.things.get("EnvironmentSensorVO")![0],
                ROOM_VO_TD: room.things.get("RoomLog")![0],
            },
        });
        await vos.at(-1)!.process.waitForOutput("relaying crowded of room");
    });

    after(async function () {
        const hung: string[] = [];
        for (const vo of vos) {
            const exit = vo.process.stop();
            const timer = setTimeout(() => {
                hung.push(vo.name);
                void vo.process.stop("SIGKILL");
            }, 10_000);
            await exit;
            clearTimeout(timer);
        }
        await device?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
        expect(hung, "VOs that did not stop within 10 s of SIGTERM").to.deep.equal([]);
    });

    /**
     * The observer rows of one affordance over one protocol added after row `afterId`: how many, and how
     * many of them are still open. Counting only rows newer than the call's start keeps another
     * observation's row, closing late, out of this call's count.
     */
    const newObservers = async (vo: RunningVo, call: FormCall, afterId: number) =>
        (
            await queryFile<{ all: number; open: number }>(
                vo.db,
                'SELECT count(*) AS "all", count(*) FILTER (WHERE ended_at IS NULL) AS open FROM observer ' +
                    "WHERE id > ? AND protocol = ? AND thing = ? AND affordance = ?",
                [afterId, call.scheme, call.thingId, call.name]
            )
        )[0];
    const lastObserverId = async (vo: RunningVo) =>
        (await queryFile<{ id: number | null }>(vo.db, "SELECT max(id) AS id FROM observer"))[0].id ?? 0;

    it("lists every Thing at GET / over HTTP and CoAP, and serves each TD over both, valid TD 1.1", async function () {
        for (const vo of vos) {
            const http = await httpCall(`http://127.0.0.1:${vo.httpPort}/`, "GET");
            const coapRoot = await coapCall(`coap://127.0.0.1:${vo.coapPort}/`, "GET");
            for (const [title, [httpBase, coapBase]] of vo.things) {
                const thingPath = new URL(httpBase).pathname;
                expect(http.body.toString(), `${vo.name}: GET / over HTTP lists ${title}`).to.include(thingPath);
                expect(coapRoot.body.toString(), `${vo.name}: GET / over CoAP lists ${title}`).to.include(thingPath);
                const overHttp = JSON.parse((await httpCall(httpBase, "GET")).body.toString()) as WoT.ThingDescription;
                const overCoap = JSON.parse((await coapCall(coapBase, "GET")).body.toString()) as WoT.ThingDescription;
                validateThingDescription(overHttp, `${httpBase} (HTTP)`);
                validateThingDescription(overCoap, `${coapBase} (CoAP)`);
                expect(Object.keys(overCoap.properties ?? {})).to.deep.equal(Object.keys(overHttp.properties ?? {}));
            }
        }
    });

    it("answers every form of every affordance right, in each content type it lists, and records each call", async function () {
        const failures: string[] = [];
        let called = 0;
        const expected = new Map<string, { vo: RunningVo; row: Omit<Row, "origin">; count: number }>();
        const expectRow = (vo: RunningVo, call: FormCall, op: string, name = call.name, kind = call.kind) => {
            const row = { thing: call.thingId, kind, name, op, protocol: call.scheme, ok: 1 };
            const key = `${vo.db}\n${JSON.stringify(row)}`;
            const e = expected.get(key) ?? { vo, row, count: 0 };
            e.count++;
            expected.set(key, e);
        };

        for (const vo of vos) {
            for (const [, [httpBase, coapBase]] of vo.things) {
                const td = JSON.parse((await httpCall(httpBase, "GET")).body.toString()) as WoT.ThingDescription;
                const coapTd = JSON.parse((await coapCall(coapBase, "GET")).body.toString()) as WoT.ThingDescription;
                // current values, written back by writes (a write changes nothing, a client can tell it worked)
                const current = new Map<string, unknown>();
                for (const [name, p] of Object.entries(td.properties ?? {})) {
                    if (p.writeOnly === true) continue;
                    const href = p.forms.find(
                        (f) => f.href.startsWith("http:") && f.contentType !== "application/cbor"
                    )!;
                    current.set(name, JSON.parse((await httpCall(href.href, "GET")).body.toString()));
                }
                const writable = Object.entries(td.properties ?? {}).filter(([, p]) => p.readOnly !== true);
                const readable = Object.entries(td.properties ?? {}).filter(([, p]) => p.writeOnly !== true);

                for (const call of [...formCalls(td, "http"), ...formCalls(coapTd, "coap")]) {
                    const clients = call.scheme === "coap" && libcoap && call.kind !== "event" ? 2 : 1;
                    for (let client = 0; client < clients; client++) {
                        if (client === 1 && ["observeproperty", "unobserveproperty"].includes(call.op)) continue;
                        called++;
                        const label = `${vo.name} ${call.scheme}${client === 1 ? " (libcoap)" : ""} ${call.op} ${call.thingId}/${call.name} ${call.contentType} ${call.href}`;
                        try {
                            await walkOne(vo, call, client === 1);
                        } catch (err) {
                            failures.push(`${label}: ${(err as Error).message}`);
                        }
                    }
                }

                // every history a TD names (vo:history on an affordance) is answered too, in the type it names
                for (const [kind, map] of [
                    ["property", td.properties],
                    ["action", td.actions],
                    ["event", td.events],
                ] as const) {
                    for (const [name, a] of Object.entries(map ?? {})) {
                        const links = (a as { "vo:history"?: { href: string; contentType: string }[] })["vo:history"];
                        if (links === undefined) failures.push(`${vo.name} ${kind} ${td.id}/${name}: no vo:history`);
                        for (const link of links ?? []) {
                            called++;
                            const label = `${vo.name} history of ${kind} ${td.id}/${name} ${link.contentType} ${link.href}`;
                            try {
                                const url = expandHistory(link.href, { limit: 5 });
                                const answer = link.href.startsWith("coap:")
                                    ? await coapCall(url, "GET")
                                    : await httpCall(url, "GET", { accept: link.contentType });
                                if (!isSuccess(link.href.startsWith("coap:") ? "coap" : "http", answer.code)) {
                                    throw new Error(`${answer.code} ${answer.body.toString().slice(0, 200)}`);
                                }
                                if (!sameType(answer.contentType, link.contentType)) {
                                    throw new Error(`answered ${answer.contentType}, the TD says ${link.contentType}`);
                                }
                            } catch (err) {
                                failures.push(`${label}: ${(err as Error).message}`);
                            }
                        }
                    }
                }

                async function send(call: FormCall, libcoapClient: boolean, value?: unknown): Promise<WireAnswer> {
                    const method = methodFor(call);
                    const body = value === undefined ? undefined : await encode(value, call.contentType);
                    const isRead = body === undefined;
                    if (call.scheme === "http") {
                        return httpCall(call.href, method, {
                            body,
                            contentType: isRead ? undefined : call.contentType,
                            accept: call.contentType,
                        });
                    }
                    const format = CONTENT_FORMAT[call.contentType];
                    if (libcoapClient) {
                        const file = path.join(dir, "payload");
                        if (body !== undefined) fs.writeFileSync(file, body);
                        return libcoapCall(call.href, method, {
                            accept: format,
                            contentFormat: isRead ? undefined : format,
                            payloadFile: isRead ? undefined : file,
                        });
                    }
                    return coapCall(call.href, method, {
                        body,
                        accept: format,
                        contentFormat: isRead ? undefined : format,
                    });
                }

                /** A write's answer: success; its body, if any, is a diagnostic, not a value. */
                function expectSuccess(call: FormCall, answer: WireAnswer, what: string): void {
                    if (!isSuccess(call.scheme, answer.code)) {
                        throw new Error(`${what}: ${answer.code} ${answer.body.toString().slice(0, 200)}`);
                    }
                }

                function expectAnswer(call: FormCall, answer: WireAnswer, what: string, schema?: object): unknown {
                    expectSuccess(call, answer, what);
                    if (answer.body.length === 0) return undefined;
                    if (!sameType(answer.contentType, call.contentType)) {
                        throw new Error(`${what}: answered ${answer.contentType}, the form says ${call.contentType}`);
                    }
                    const value = decode(answer, call.contentType, schema);
                    if (schema !== undefined && !conformsToSchema(schema, value)) {
                        throw new Error(`${what}: ${JSON.stringify(value)} breaks the schema`);
                    }
                    return value;
                }

                async function observe(call: FormCall, op: "observeproperty" | "subscribeevent"): Promise<void> {
                    const afterId = await lastObserverId(vo);
                    // this call's observation: one row opened, then the same row closed
                    const opened = () => newObservers(vo, call, afterId).then((r) => r.all === 1 && r.open === 1);
                    const closed = () => newObservers(vo, call, afterId).then((r) => r.all === 1 && r.open === 0);
                    const end = op === "observeproperty" ? "unobserveproperty" : "unsubscribeevent";
                    if (call.scheme === "http") {
                        const abort = new AbortController();
                        const poll = httpCall(call.href, "GET", { accept: call.contentType, signal: abort.signal });
                        poll.catch(() => undefined);
                        await waitFor(opened, 15_000, `an open ${call.scheme} observer row of ${call.name}`);
                        abort.abort();
                        await waitFor(closed, 15_000, `the observer row of ${call.name} closed`);
                    } else {
                        const agent = new coap.Agent();
                        try {
                            const first = await coapCall(call.href, "GET", {
                                observe: true,
                                accept: CONTENT_FORMAT[call.contentType],
                                agent,
                            });
                            if (op === "observeproperty") {
                                expectAnswer(call, first, "first notification", call.affordance);
                                if (first.body.length === 0) throw new Error("first notification has no value");
                            } else if (!first.code.startsWith("2.")) {
                                throw new Error(`registration: ${first.code} ${first.body.toString()}`);
                            }
                            await waitFor(opened, 15_000, `an open CoAP observer row of ${call.name}`);
                            const dereg = await coapDeregister(call.href, first.token!);
                            if (!dereg.code.startsWith("2.")) throw new Error(`deregistration: ${dereg.code}`);
                            first.close?.();
                            await waitFor(closed, 15_000, `the CoAP observer row of ${call.name} closed`);
                        } finally {
                            agent.close();
                        }
                    }
                    expectRow(vo, call, op);
                    expectRow(vo, call, end);
                }

                async function walkOne(vo: RunningVo, call: FormCall, libcoapClient: boolean): Promise<void> {
                    switch (call.op) {
                        case "readproperty": {
                            expectAnswer(call, await send(call, libcoapClient), "read", call.affordance);
                            expectRow(vo, call, "readproperty");
                            return;
                        }
                        case "writeproperty": {
                            const value = current.has(call.name)
                                ? current.get(call.name)
                                : sampleValue(call.affordance);
                            expectSuccess(call, await send(call, libcoapClient, value), "write");
                            expectRow(vo, call, "writeproperty");
                            return;
                        }
                        case "invokeaction": {
                            const a = call.affordance as { input?: Record<string, unknown>; output?: object };
                            const answer = await send(call, libcoapClient, sampleValue(a.input));
                            expectAnswer(call, answer, "invoke", a.output);
                            expectRow(vo, call, "invokeaction");
                            return;
                        }
                        case "observeproperty":
                        case "subscribeevent":
                            return observe(call, call.op);
                        case "unobserveproperty":
                        case "unsubscribeevent":
                            return; // walked with its observe / subscribe: the same form ends what it began
                        case "readallproperties":
                        case "readmultipleproperties": {
                            const all = expectAnswer(call, await send(call, libcoapClient), call.op) as object;
                            const names = readable.map(([n]) => n);
                            expect(Object.keys(all ?? {}).sort(), `${call.op} answers every property`).to.deep.equal(
                                names.sort()
                            );
                            for (const n of names) expectRow(vo, call, "readallproperties", n, "property");
                            return;
                        }
                        case "writeallproperties":
                        case "writemultipleproperties": {
                            const subset = call.op === "writeallproperties" ? writable : writable.slice(0, 1);
                            const values = Object.fromEntries(subset.map(([n]) => [n, current.get(n)]));
                            expectSuccess(call, await send(call, libcoapClient, values), call.op);
                            for (const [n] of subset) expectRow(vo, call, call.op, n, "property");
                            return;
                        }
                        default:
                            throw new Error(`the walk does not know op ${call.op}: nothing answers it here`);
                    }
                }
            }
        }

        // every call that was answered right left its record (the VOs write in batches)
        const missing: string[] = [];
        await waitFor(
            async () => {
                missing.length = 0;
                for (const { vo, row, count } of expected.values()) {
                    const [{ n }] = await queryFile<{ n: number }>(
                        vo.db,
                        `SELECT count(*) AS n FROM ts_interaction
                         WHERE thing = ? AND kind = ? AND name = ? AND op = ? AND protocol = ? AND ok = 1`,
                        [row.thing, row.kind, row.name, row.op, row.protocol]
                    );
                    if (n < count) missing.push(`${vo.name}: ${JSON.stringify(row)}: ${n} of ${count} recorded`);
                }
                return missing.length === 0;
            },
            15_000,
            "every call's record"
        ).catch(() => undefined);
        for (const vo of vos) {
            const anonymous = await queryFile<Row>(
                vo.db,
                `SELECT * FROM ts_interaction WHERE protocol IN ('http', 'coap') AND (origin IS NULL OR origin NOT LIKE '127.0.0.1:%')`
            );
            for (const r of anonymous)
                missing.push(`${vo.name}: ${r.protocol} ${r.op} ${r.name} recorded without its origin`);
        }
        const right = called - failures.length;
        console.log(`      conformance walk: ${called} forms called, ${right} answered right`);
        for (const f of [...failures, ...missing]) console.log(`        ${f}`);
        expect(failures.length, "forms answered wrongly (listed above)").to.equal(0);
        expect(missing.length, "calls whose record is missing (listed above)").to.equal(0);
        expect(called).to.be.greaterThan(100);
    });

    it("refuses bad requests with the right code and a message naming the problem, records the refusals, keeps the rest", async function () {
        const failures: string[] = [];
        let sent = 0;
        const check = async (
            label: string,
            scheme: string,
            answer: Promise<WireAnswer>,
            code: string,
            body?: RegExp
        ) => {
            sent++;
            try {
                const a = await answer;
                const want = scheme === "http" ? code.split("/")[0] : code.split("/")[1];
                if (a.code !== want)
                    throw new Error(`answered ${a.code} (${a.body.toString().slice(0, 160)}), not ${want}`);
                if (body !== undefined && !body.test(a.body.toString())) {
                    throw new Error(`body ${JSON.stringify(a.body.toString().slice(0, 160))} does not match ${body}`);
                }
            } catch (err) {
                failures.push(`${label} over ${scheme}: ${(err as Error).message}`);
            }
        };
        const refused = new Map<string, { vo: RunningVo; thing: string; name: string; protocol: string; n: number }>();
        const expectRefused = (vo: RunningVo, thing: string, name: string, protocol: string) => {
            const key = `${vo.db}\n${thing}\n${name}\n${protocol}`;
            const e = refused.get(key) ?? { vo, thing, name, protocol, n: 0 };
            e.n++;
            refused.set(key, e);
        };
        const rowsBefore = new Map<RunningVo, number>();
        for (const vo of vos) {
            rowsBefore.set(
                vo,
                (await queryFile<{ n: number }>(vo.db, "SELECT count(*) AS n FROM ts_interaction"))[0].n
            );
        }
        const big = path.join(dir, "big.json");
        fs.writeFileSync(big, JSON.stringify("x".repeat(1024 * 1024 + 1024)));

        const proxy = vos[0];
        const [sensorHttp, sensorCoap] = proxy.things.get("EnvironmentSensorVO")!;
        const td = JSON.parse((await httpCall(sensorHttp, "GET")).body.toString()) as WoT.ThingDescription;
        const thing = td.id!;
        const readsBefore = await queryFile<{ n: number }>(
            proxy.db,
            "SELECT count(*) AS n FROM ts_interaction WHERE thing = ? AND op = 'readmultipleproperties'",
            [thing]
        );
        for (const scheme of ["http", "coap"] as const) {
            const base = scheme === "http" ? sensorHttp : sensorCoap;
            const call = (
                p: string,
                method: string,
                o: { body?: Buffer | string; contentType?: string; accept?: string } = {}
            ) => {
                const body = typeof o.body === "string" ? Buffer.from(o.body) : o.body;
                if (scheme === "http") return httpCall(`${base}${p}`, method, { ...o, body });
                // raw Uri-Path segments, each as it is written here (a literal "%ZZ" stays as it is)
                return coapCall(`${base}${p}`, method, {
                    body,
                    contentFormat: o.contentType === undefined ? undefined : (CONTENT_FORMAT[o.contentType] ?? 0),
                    accept: o.accept === undefined ? undefined : (CONTENT_FORMAT[o.accept] ?? 41),
                });
            };
            for (const name of ["nope", "temp%00erature", "%ZZ", "n".repeat(255)]) {
                // "%ZZ" is a malformed escape in an HTTP path (the client's fault, 400); a CoAP Uri-Path option is
                // not percent-encoded, so there it is a name the Thing does not have
                const unknown = name === "%ZZ" ? "400/4.04" : "404/4.04";
                await check(
                    `read of unknown property ${name.slice(0, 20)}`,
                    scheme,
                    call(`/properties/${name}`, "GET"),
                    unknown
                );
                await check(
                    `write of unknown property ${name.slice(0, 20)}`,
                    scheme,
                    call(`/properties/${name}`, "PUT", { body: "1", contentType: "application/json" }),
                    unknown
                );
                await check(
                    `unknown action ${name.slice(0, 20)}`,
                    scheme,
                    call(`/actions/${name}`, "POST", { body: "{}", contentType: "application/json" }),
                    unknown
                );
            }
            const json = { contentType: "application/json" };
            await check(
                "malformed JSON write",
                scheme,
                call("/properties/label", "PUT", { ...json, body: '{"a":' }),
                "400/4.00",
                /JSON/
            );
            expectRefused(proxy, thing, "label", scheme);
            await check(
                "schema-breaking write",
                scheme,
                call("/properties/samplingInterval", "PUT", { ...json, body: "99999" }),
                "400/4.00",
                /maximum|<=|must be/
            );
            expectRefused(proxy, thing, "samplingInterval", scheme);
            await check(
                "schema-breaking action input",
                scheme,
                call("/actions/calibrate", "POST", { ...json, body: '{"offset":"x"}' }),
                "400/4.00",
                /number/
            );
            expectRefused(proxy, thing, "calibrate", scheme);
            await check(
                "write of a read-only property",
                scheme,
                call("/properties/temperature", "PUT", { ...json, body: "20" }),
                "405/4.05"
            );
            expectRefused(proxy, thing, "temperature", scheme);
            await check(
                "read in a format the TD does not list",
                scheme,
                call("/properties/label", "GET", { accept: "application/xml" }),
                "406/4.06"
            );
            if (scheme === "http") {
                await check(
                    "oversized write",
                    scheme,
                    httpCall(`${base}/properties/label`, "PUT", { ...json, body: fs.readFileSync(big) }),
                    "413/4.13"
                );
                expectRefused(proxy, thing, "label", scheme);
            } else if (libcoap) {
                await check(
                    "oversized block-wise write (libcoap)",
                    scheme,
                    libcoapCall(`${base}/properties/label`, "PUT", { payloadFile: big, contentFormat: 50 }),
                    "413/4.13"
                );
                expectRefused(proxy, thing, "label", scheme);
                const long = path.join(dir, "long.json");
                fs.writeFileSync(long, JSON.stringify("y".repeat(3000)));
                for (const block of [16, 256, 1024]) {
                    await check(
                        `block-wise write of 3 kB in ${block}-byte blocks (libcoap)`,
                        scheme,
                        libcoapCall(`${base}/properties/label`, "PUT", { payloadFile: long, contentFormat: 50, block }),
                        "204/2.04"
                    );
                }
            }
        }
        // what was refused was recorded as refused; nothing unknown was recorded as read; nothing recorded before is gone
        await waitFor(
            async () => {
                for (const { vo, thing, name, protocol, n } of refused.values()) {
                    const [{ c }] = await queryFile<{ c: number }>(
                        vo.db,
                        "SELECT count(*) AS c FROM ts_interaction WHERE thing = ? AND name = ? AND protocol = ? AND ok = 0",
                        [thing, name, protocol]
                    );
                    if (c < n) return false;
                }
                return true;
            },
            10_000,
            "every refusal's record"
        ).catch(() => failures.push("not every refusal was recorded as refused"));
        const readsAfter = await queryFile<{ n: number }>(
            proxy.db,
            "SELECT count(*) AS n FROM ts_interaction WHERE thing = ? AND op = 'readmultipleproperties'",
            [thing]
        );
        if (readsAfter[0].n !== readsBefore[0].n)
            failures.push("an unknown name was answered as a read of several properties");
        for (const vo of vos) {
            const [{ n }] = await queryFile<{ n: number }>(vo.db, "SELECT count(*) AS n FROM ts_interaction");
            if (n < rowsBefore.get(vo)!)
                failures.push(`${vo.name} lost records: ${rowsBefore.get(vo)} before, ${n} after`);
        }
        console.log(`      bad requests: ${sent} sent, ${sent - failures.length} refused right`);
        for (const f of failures) console.log(`        ${f}`);
        expect(failures.length, "bad requests answered wrongly (listed above)").to.equal(0);
    });
});
