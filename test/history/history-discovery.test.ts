import { expect } from "chai";
import { Servient } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import {
    DEFAULT_HISTORY_LIMIT,
    DeviceProxy,
    setStaticAddress,
    VoCoapClientFactory,
    VoCoapServer,
    VoHttpClientFactory,
} from "../../src";
import { HISTORY_REL } from "../../src/model/vocabulary";
import { coapCall } from "../conformance/wire-clients";
import { freeUdpPort } from "../helpers/free-port";
import { expandHistory } from "../helpers/history-template";
import { exposeSensor } from "../helpers/sensor-thing";
import { startVo, VoFixture } from "../helpers/vo-fixture";

// The Thingweb TD Playground's validator (npm @thing-description-playground/core), untyped
type Verdict = "passed" | "failed" | "warning" | null;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { tdValidator } = require("@thing-description-playground/core") as {
    tdValidator(
        td: string,
        log: (line: unknown) => void,
        options: { checkDefaults: boolean; checkJsonLd: boolean }
    ): Promise<{ report: Record<string, Verdict>; details: Record<string, string | null> }>;
};

const SENSOR = "urn:dev:ops:environment-sensor-1";
const QUERY = "{?from,to,limit,order,cursor,every,fn,op,ok}";
const HOSTILE_ID = "urn:dev:ops:x'%3B%20DROP%20TABLE%20ts_interaction%3B--";
const KINDS = [
    ["properties", "property"],
    ["actions", "action"],
    ["events", "event"],
] as const;

interface HistoryForm {
    href: string;
    contentType: string;
}
interface VariableSchema {
    enum?: unknown[];
    pattern?: string;
    default?: unknown;
}
interface Page {
    items: { timestampNs: string; op: string; value: unknown; output?: unknown }[];
    next?: string;
    windows?: unknown[];
}

/** A history form's href with the query's variables filled in, as a TD consumer expands a form's href. */
const expand = (form: HistoryForm, variables: Record<string, unknown> = {}) => expandHistory(form.href, variables);

function historyForm(affordance: unknown, scheme: string): HistoryForm {
    const forms = (affordance as { "vo:history"?: HistoryForm[] })["vo:history"] ?? [];
    const form = forms.find((f) => f.href.startsWith(`${scheme}:`) && f.contentType === "application/json");
    if (form === undefined) throw new Error(`no ${scheme} vo:history on the affordance`);
    return form;
}

/** A CoAP-only device to mirror, as a VO fronts one. */
async function startDevice(): Promise<{ url: string; close(): Promise<void> }> {
    const port = await freeUdpPort();
    setStaticAddress("127.0.0.1");
    const servient = new Servient();
    servient.addServer(new VoCoapServer({ port, address: "127.0.0.1" }) as never);
    await exposeSensor(await servient.start());
    return { url: `coap://127.0.0.1:${port}/environmentsensor`, close: () => servient.shutdown() };
}

describe("history discoverable from the TD: valid TDs, node-wot consumers, the VO Thing's history action", function () {
    this.timeout(30_000);
    let device: Awaited<ReturnType<typeof startDevice>>;
    let vo: VoFixture;
    let proxy: DeviceProxy;
    let sensor: WoT.ExposedThing;
    let consumer: Servient;
    let wot: typeof WoT;

    before(async function () {
        device = await startDevice();
        vo = await startVo({ vo: { selfCheckIntervalMs: 0 } });
        ({ thing: sensor } = await exposeSensor(vo.wot));
        const hostile = await vo.wot.produce({
            title: 'we/ird %name, "q" <b>',
            id: HOSTILE_ID,
            properties: { "a b,c/d%e\"f'": { type: "number", observable: true } },
            actions: { "do it?; --": {} },
            events: { "ev\nt": { data: { type: "string" } } },
        } as WoT.ExposedThingInit);
        hostile.setPropertyReadHandler("a b,c/d%e\"f'", async () => 42);
        await hostile.expose();
        const odd = hostile.getThingDescription().properties!["a b,c/d%e\"f'"].forms;
        expect((await fetch(odd.find((f) => f.href.startsWith("http:"))!.href)).status).to.equal(200);
        proxy = await DeviceProxy.start(vo.wot, vo.vo, { td: device.url, timeoutMs: 3000 });
        consumer = new Servient();
        consumer.addClientFactory(new VoHttpClientFactory());
        consumer.addClientFactory(new VoCoapClientFactory() as never);
        wot = await consumer.start();
        // something recorded on a property, an action and an event of the sensor
        const http = (a: { forms: { href: string }[] }) => a.forms.find((f) => f.href.startsWith("http:"))!.href;
        const td = sensor.getThingDescription();
        for (let i = 0; i < 3; i++) expect((await fetch(http(td.properties!.temperature))).status).to.equal(200);
        const calibrated = await fetch(http(td.actions!.calibrate), {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ offset: 0.5 }),
        });
        expect(calibrated.status).to.equal(200);
        sensor.emitEvent("overheat", { temperature: 30 });
        await vo.vo.flush();
    });
    after(async function () {
        await consumer?.shutdown();
        await proxy?.close();
        await vo?.close();
        await device?.close();
    });

    /** Every TD the VO serves, over HTTP and over CoAP (the same Things under the same paths). */
    async function servedTds(): Promise<{ where: string; text: string }[]> {
        const list = (await (await fetch(`http://127.0.0.1:${vo.httpPort}/`)).json()) as string[];
        expect(list).to.have.length(4); // the VO Thing, the sensor, the hostile one, the mirror
        const tds: { where: string; text: string }[] = [];
        for (const url of list) {
            tds.push({ where: url, text: await (await fetch(url)).text() });
            const coap = url.replace(/^http:\/\/127\.0\.0\.1:\d+/, `coap://127.0.0.1:${vo.coapPort}`);
            const answer = await coapCall(coap, "GET");
            expect(answer.code, coap).to.equal("2.05");
            tds.push({ where: coap, text: answer.body.toString() });
        }
        return tds;
    }

    it("serves TDs that pass the TD Playground validator (schema, additional checks), over HTTP and CoAP", async function () {
        const tds = await servedTds();
        const ids = new Set<string>();
        for (const { where, text } of tds) {
            const { report, details } = await tdValidator(text, () => undefined, {
                checkDefaults: false,
                checkJsonLd: false, // it would fetch the context over the network
            });
            expect(report.json, where).to.equal("passed");
            expect(report.schema, where).to.equal("passed");
            expect(report.additional, `${where}: ${JSON.stringify(details)}`).to.equal("passed");
            const td = JSON.parse(text) as WoT.ThingDescription;
            ids.add(td.id!);
            expect(td["@context"], where).to.deep.include({ vo: "urn:node-wot-vo:vocabulary#" });
            for (const [map] of KINDS) {
                for (const [name, a] of Object.entries(td[map] ?? {})) {
                    expect(historyForm(a, "http").href, `${where} ${name}`).to.match(/\/history\{\?from,/);
                    expect(historyForm(a, "coap").href, `${where} ${name}`).to.match(/\/history\{\?from,/);
                    const variables = (a as Record<string, Record<string, Record<string, unknown>>>)[
                        "vo:historyUriVariables"
                    ];
                    expect(Object.keys(variables), `${where} ${name}`).to.deep.equal(QUERY.slice(2, -1).split(","));
                    for (const [variable, schema] of Object.entries(variables)) {
                        expect(schema.description, `${where} ${name} ${variable}`).to.be.a("string");
                        expect(schema.type ?? schema.oneOf, `${where} ${name} ${variable}`).to.not.equal(undefined);
                    }
                }
            }
        }
        expect([...ids]).to.have.members([
            "urn:node-wot-vo:status",
            SENSOR,
            HOSTILE_ID,
            "urn:node-wot-vo:mirror:urn:dev:ops:environment-sensor-1",
        ]);
    });

    it("lists each history in links, anchored at its affordance; every link is answered", async function () {
        const tds = (await servedTds()).filter((t) => t.where.startsWith("http:"));
        let followed = 0;
        for (const { where, text } of tds) {
            const td = JSON.parse(text) as WoT.ThingDescription & {
                links?: { href: string; rel?: string; type?: string; anchor?: string }[];
            };
            const links = td.links ?? [];
            const affordances = KINDS.reduce((n, [map]) => n + Object.keys(td[map] ?? {}).length, 0);
            const ours = links.filter((l) => l.rel === HISTORY_REL);
            expect(ours, where).to.have.length(affordances * 2); // one per affordance and protocol
            for (const link of links) {
                if (link.href.startsWith("http:")) {
                    const res = await fetch(link.href, { headers: { accept: link.type ?? "*/*" } });
                    expect(res.status, link.href).to.equal(200);
                    await res.arrayBuffer();
                } else {
                    const answer = await coapCall(link.href, "GET");
                    expect(answer.code, link.href).to.equal("2.05");
                }
                if (link.rel === HISTORY_REL) {
                    expect(link.href).to.equal(`${link.anchor}/history`);
                    const anchored = KINDS.some(([map]) =>
                        Object.values(td[map] ?? {}).some((a) =>
                            (a as { forms: { href: string }[] }).forms.some((f) => f.href.startsWith(link.anchor!))
                        )
                    );
                    expect(anchored, `${link.anchor} is an affordance's form`).to.equal(true);
                }
                followed++;
            }
        }
        expect(followed).to.be.greaterThan(40);
    });

    for (const scheme of ["http", "coap"] as const) {
        it(`lets a node-wot consumer read a property as ever, and fill a history's URI template from its TD alone (${scheme})`, async function () {
            const port = scheme === "http" ? vo.httpPort : vo.coapPort;
            const td = await wot.requestThingDescription(`${scheme}://127.0.0.1:${port}/environmentsensor`);
            // node-wot's ConsumedThing takes the TD as an ordinary one
            const formIndex = td.properties!.humidity.forms.findIndex((f) => f.href.startsWith(`${scheme}:`));
            expect(await (await (await wot.consume(td)).readProperty("humidity", { formIndex })).value()).to.equal(40);
            const client = consumer.getClientFor(scheme);
            const targets = [
                ["property", td.properties!.temperature, "temperature", "readproperty", "read"],
                ["action", td.actions!.calibrate, "calibrate", "invokeaction", "invoke"],
                ["event", td.events!.overheat, "overheat", "emitevent", "emit"],
            ] as const;
            for (const [kind, affordance, name, op, word] of targets) {
                const form = historyForm(affordance, scheme);
                const schemas = (affordance as unknown as Record<string, Record<string, VariableSchema>>)[
                    "vo:historyUriVariables"
                ];
                // values the schemas allow: the newest point of the operation, and one window of its count
                expect(schemas.order.enum).to.include("newest");
                expect(schemas.limit.default).to.equal(DEFAULT_HISTORY_LIMIT);
                expect(schemas.fn.enum).to.include("count");
                expect(word, name).to.match(new RegExp(schemas.op.pattern!));
                const variables = { order: "newest", limit: 1, op: word, ok: true };
                const read = async (href: string) => {
                    const content = await client.readResource({ ...form, href });
                    expect(content.type).to.match(/^application\/json/);
                    return JSON.parse((await content.toBuffer()).toString()) as Page;
                };
                const page = await read(expand(form, variables));
                const [newest] = await vo.vo.history({ thing: SENSOR, kind, name, order: "newest", limit: 1 });
                expect(page.items, name).to.have.length(1);
                expect(page.items[0].timestampNs, name).to.equal(newest.timestampNs);
                expect(page.items[0].op, name).to.equal(op);
                if (kind !== "property") continue; // windows aggregate numbers: the temperature's
                const windows = await read(expand(form, { from: "-1h", every: "1h", fn: "count", op: word }));
                const counted = (windows.windows as { value: number | null }[]).reduce((n, w) => n + (w.value ?? 0), 0);
                const reads = await vo.vo.history({ thing: SENSOR, kind, name, ops: [op] });
                expect(counted, name).to.equal(reads.length);
            }
        });

        it(`answers the VO Thing's history action like the history resource, to invokeAction over ${scheme}`, async function () {
            const port = scheme === "http" ? vo.httpPort : vo.coapPort;
            const td = await wot.requestThingDescription(`${scheme}://127.0.0.1:${port}/vostatus`);
            const input = td.actions!.history.input as { properties: Record<string, { default?: unknown }> };
            expect(Object.keys(input.properties)).to.include.members(["from", "to", "limit", "cursor", "every", "fn"]);
            expect(input.properties.thing.default).to.equal("urn:node-wot-vo:status");
            // one default for a page, the action and vo.history()
            expect(input.properties.limit.default).to.equal(DEFAULT_HISTORY_LIMIT);
            const voThing = await wot.consume(td);
            const formIndex = td.actions!.history.forms.findIndex((f) => f.href.startsWith(`${scheme}:`));
            const to = Date.now() + 1;
            const call = async (args: Record<string, unknown>) =>
                (await (await voThing.invokeAction("history", args as WoT.InteractionInput, {
                    formIndex,
                }))!.value()) as Page;
            const raw = await call({ thing: SENSOR, kind: "property", name: "temperature", to, limit: 2 });
            const resource = historyForm(sensor.getThingDescription().properties!.temperature, "http");
            const same = (await (await fetch(expand(resource, { to, limit: 2 }))).json()) as Page;
            expect(raw).to.deep.equal(same);
            expect(raw.next).to.be.a("string");
            const rest = await call({
                thing: SENSOR,
                kind: "property",
                name: "temperature",
                to,
                limit: 2,
                cursor: raw.next,
            });
            expect(rest.items.map((i) => i.timestampNs)).to.not.include.members(raw.items.map((i) => i.timestampNs));
            expect(raw.items.length + rest.items.length).to.equal(3);
            const invoked = await call({ thing: SENSOR, kind: "action", name: "calibrate", op: ["invoke"], ok: true });
            expect(invoked.items.map((i) => i.output)).to.deep.include({ offset: 0.5, applied: true });
            const windows = await call({
                thing: SENSOR,
                kind: "property",
                name: "temperature",
                from: "-1h",
                every: "1h",
                fn: "count",
            });
            // no input: the VO Thing's own status
            const own = (await (await voThing.invokeAction("history", {}, { formIndex }))!.value()) as Page & {
                thing: string;
                name: string;
            };
            expect([own.thing, own.name]).to.deep.equal(["urn:node-wot-vo:status", "status"]);
            expect(own.items).to.be.an("array");
            const counted = (windows.windows as { value: number | null }[]).reduce((a, w) => a + (w.value ?? 0), 0);
            expect(counted).to.equal(3);
            const hostile = await call({ thing: HOSTILE_ID, kind: "property", name: "a b,c/d%e\"f'" });
            expect(hostile.items.map((i) => i.value)).to.deep.equal([42]);
            // refusals: the client's fault, the parameter named
            const refusals: [Record<string, unknown>, RegExp][] = [
                [{ thing: SENSOR, kind: "property", name: "nope" }, /name: .* has no property "nope"/],
                [{ thing: "urn:none", kind: "property", name: "x" }, /thing: no Thing "urn:none"/],
                [{ thing: SENSOR, kind: "property", name: "temperature", fn: "mean" }, /fn: needs every/],
                [
                    { thing: SENSOR, kind: "property", name: "temperature", fn: "median", every: "1m" },
                    /\/fn must be equal/,
                ],
                [{ thing: SENSOR, kind: "property", name: "temperature", cursor: "x" }, /cursor: does not parse/],
                [{ thing: SENSOR, kind: "property", name: "temperature", limit: 10_001 }, /limit/],
                [{ thing: SENSOR, kind: "thing", name: "temperature" }, /kind/],
                [{ thing: SENSOR, kind: "property", name: 5 }, /name/],
            ];
            const action = td.actions!.history.forms[formIndex].href;
            for (const [args, message] of refusals) {
                const rejected = await voThing
                    .invokeAction("history", args as WoT.InteractionInput, { formIndex })
                    .then(
                        () => undefined,
                        (err: Error) => err
                    );
                expect(rejected, JSON.stringify(args)).to.be.instanceOf(Error);
                const body = Buffer.from(JSON.stringify(args));
                const wire =
                    scheme === "http"
                        ? await fetch(action, {
                              method: "POST",
                              headers: { "content-type": "application/json" },
                              body,
                          }).then(async (r) => ({ code: String(r.status), text: await r.text() }))
                        : await coapCall(action, "POST", { body, contentFormat: 50 }).then((a) => ({
                              code: a.code,
                              text: a.body.toString(),
                          }));
                const notFound = /has no|no Thing/.test(message.source);
                const expected = scheme === "http" ? (notFound ? "404" : "400") : notFound ? "4.04" : "4.00";
                expect(wire.code, JSON.stringify(args)).to.equal(expected);
                expect(wire.text, JSON.stringify(args)).to.match(message);
            }
        });
    }
});
