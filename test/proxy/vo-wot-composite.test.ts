import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { HistoryRecord } from "../../src";
import { parseDescriptor } from "../../src/cli/descriptor";
import { runVo, RunningVo } from "../../src/cli/run-vo";
import { tempDir, waitFor } from "../helpers/vo-fixture";
import { voWotPythonFor } from "../helpers/vo-wot-python";
import { VoWotVo } from "../helpers/vo-wot-vo";

/**
 * The other half of a mixed fleet: a real vo-wot 0.19 composite VO (cVO) consumes a node-wot-vo VO from
 * its catalogue URL, with proxy maps for a property, actions and an event, and a script reacting to a
 * consumed event and property change. What the cVO's clients get comes from the node-wot-vo VO, and the
 * node-wot-vo VO records every interaction the cVO made with it: over HTTP (the cVO's southbound `H`) and over
 * CoAP (`U`: wotpy2 then has only its CoAP client and takes the catalogue's vo-wot CoAP forms for everything).
 */

const THING = "urn:dev:wot:test:vo1";

const VO_TD = {
    "@context": ["https://www.w3.org/2022/wot/td/v1.1"],
    title: "vo1",
    id: THING,
    securityDefinitions: { no_sc: { scheme: "nosec" } },
    security: "no_sc",
    properties: {
        temperature: { type: "number", observable: true, default: 20.5 },
        counter: { type: "integer", observable: true, readOnly: true },
    },
    actions: {
        double: { input: { type: "integer" }, output: { type: "integer" } },
        failing: {},
    },
    events: { alarm: { data: { type: "string" } } },
};

const VO_SCRIPT = `let n = 0;
module.exports = {
    actions: { double: (x) => x * 2, failing: () => { throw new Error("the pump is off"); } },
    tick(ctx) { n++; ctx.thing.emitEvent("alarm", "alarm " + n); return ctx.setValue("counter", n); },
};`;

/** The node-wot-vo VO, from a vo-wot descriptor as a fleet moving over would have it. */
const VO_DESCRIPTOR = `name: vo1
type: VO
catalogue: 0
bindingNB:
    bindingModeNB: [H, U]
    hostname: 127.0.0.1
    bind: 127.0.0.1
    ports: { httpPort: 0, coapPort: 0 }
    securityNB: { securityScheme: nosec }
databaseConfig:
    persistentDB: { SQLite: enabled, dbFilePath: vo1.db }
periodicFunction: { tick: 300 }
`;

const CVO_TD = {
    "@context": ["https://www.w3.org/2022/wot/td/v1.1"],
    title: "cvo",
    id: "urn:dev:wot:test:cvo",
    securityDefinitions: { no_sc: { scheme: "nosec" } },
    security: "no_sc",
    properties: {
        temperature: { type: "number" },
        lastCounter: { type: "integer", readOnly: true },
        lastAlarm: { type: "string", readOnly: true },
    },
    actions: {
        double: { input: { type: "integer" }, output: { type: "integer" } },
        failing: {},
    },
    events: { alarm: { data: { type: "string" } } },
};

/** The cVO's script, vo-wot's way: `<property>_<vo>_on_next` and `<event>_<vo>_on_next` for what it consumes. */
const CVO_SCRIPT = `import asyncio

lastCounter_init = 0
lastAlarm_init = ""

def counter_vo1_on_next(item):
    asyncio.ensure_future(exposed_thing.properties["lastCounter"].write(item.data.value))

def alarm_vo1_on_next(item):
    asyncio.ensure_future(exposed_thing.properties["lastAlarm"].write(item.data))
`;

const cvoDescriptor = (
    southbound: "H" | "U",
    vo1: string,
    ports: { catalogue: number; http: number; coap: number }
) => `name: cvo
type: cVO
catalogue: ${ports.catalogue}
bindingNB:
    bindingModeNB: [H]
    hostname: 127.0.0.1
    ports: { httpPort: ${ports.http}, coapPort: ${ports.coap} }
    securityNB: { securityScheme: nosec }
bindingSB:
    bindingModeSB: [${southbound}]
    securitySB:
        securitySBHTTP: { securityScheme: nosec }
        securitySBCOAP: { securityScheme: nosec }
databaseConfig:
    timeseriesDB: { influxDB: disabled }
    persistentDB: { SQLite: enabled, dbFilePath: cvo.db }
consumedVOs:
    vo1:
        url: "${vo1}"
        events: [alarm]
        propertyChanges: [counter]
proxy:
    propertiesMap: { temperature: vo1 }
    actionsMap: { double: vo1, failing: vo1 }
    eventsMap: { alarm: vo1 }
`;

for (const [southbound, protocol] of [
    ["H", "http"],
    ["U", "coap"],
] as const) {
    describe(`a vo-wot composite VO consumes a node-wot-vo VO over ${protocol} (vo-wot 0.19 from PyPI)`, function () {
        this.timeout(90_000);
        let dir: string;
        let vo1: RunningVo;
        let cvo: VoWotVo | undefined;
        let cvoBase: string;

        before(async function () {
            const python = voWotPythonFor(this);
            dir = tempDir("node-wot-vo-vowot-cvo-");
            fs.writeFileSync(path.join(dir, "vo1.td.json"), JSON.stringify(VO_TD));
            fs.writeFileSync(path.join(dir, "vo1.js"), VO_SCRIPT);
            const config = parseDescriptor(VO_DESCRIPTOR, path.join(dir, "vo1.yaml"), {});
            vo1 = await runVo({
                config,
                tdFile: path.join(dir, "vo1.td.json"),
                scriptFile: path.join(dir, "vo1.js"),
                log: () => undefined,
            });
            const catalogue = `http://127.0.0.1:${vo1.vo.catalogue!.port}/vo1`;
            cvo = await VoWotVo.start(python, {
                name: "cvo",
                td: CVO_TD,
                descriptor: (ports) => cvoDescriptor(southbound, catalogue, ports),
                script: CVO_SCRIPT,
            });
            cvoBase = `http://127.0.0.1:${cvo.ports.http}/cvo`;
        });
        after(async function () {
            await cvo?.stop();
            await vo1?.stop();
            if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
        });

        const records = async (kind: HistoryRecord["kind"], name: string, op: string): Promise<HistoryRecord[]> => {
            await vo1.vo.flush();
            const rows = await vo1.vo.history({ thing: THING, kind, name });
            return rows.filter(
                (r) => r.op === op && r.protocol === protocol && /^127\.0\.0\.1:\d+$/.test(r.origin ?? "")
            );
        };
        const cvoJson = async (p: string, init?: RequestInit): Promise<[number, unknown]> => {
            const res = await fetch(`${cvoBase}${p}`, { ...init, signal: AbortSignal.timeout(30_000) });
            const text = await res.text();
            return [res.status, text === "" ? undefined : JSON.parse(text)];
        };
        const post = (body: object): RequestInit => ({
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
        });

        it("proxies reads and writes of a property to the node-wot-vo VO, which records them", async function () {
            expect(await cvoJson("/property/temperature")).to.deep.equal([200, { value: 20.5 }]);
            const put = await cvoJson("/property/temperature", { ...post({ value: 31.25 }), method: "PUT" });
            expect(put[0]).to.equal(200);
            const own = (await (
                await fetch(`http://127.0.0.1:${vo1.httpPort}/vo1/properties/temperature`)
            ).json()) as number;
            expect(own).to.equal(31.25);
            expect((await records("property", "temperature", "readproperty")).map((r) => r.value)).to.include(20.5);
            expect(
                (await records("property", "temperature", "writeproperty")).map((r) => [r.ok, r.value])
            ).to.deep.include([true, 31.25]);
        });

        it("proxies actions: the result and the failure come from the node-wot-vo VO, and are recorded", async function () {
            expect(await cvoJson("/action/double", post({ input: 21 }))).to.deep.equal([200, { result: 42 }]);
            const [status, failed] = await cvoJson("/action/failing", post({ input: null }));
            expect(status).to.equal(200);
            expect((failed as { error: string }).error).to.include("the pump is off");
            const doubles = await records("action", "double", "invokeaction");
            expect(doubles.map((r) => [r.ok, r.value, r.output])).to.deep.include([true, 21, 42]);
            const failures = await records("action", "failing", "invokeaction");
            expect(failures.some((r) => !r.ok && (r.error ?? "").includes("the pump is off"))).to.equal(true);
        });

        it("proxies the event and feeds the cVO's handlers with the event and the property change", async function () {
            // the event as the cVO re-emits it to its own subscribers
            const [status, event] = await cvoJson("/event/alarm/subscription");
            expect(status).to.equal(200);
            expect((event as { payload: string }).payload).to.match(/^alarm \d+$/);
            // the cVO's alarm_vo1_on_next and counter_vo1_on_next wrote what they got into its own properties
            await waitFor(
                async () => ((await cvoJson("/property/lastCounter"))[1] as { value: number }).value > 0,
                20_000
            );
            await waitFor(
                async () => /^alarm \d+$/.test(((await cvoJson("/property/lastAlarm"))[1] as { value: string }).value),
                20_000
            );
            // the node-wot-vo VO recorded the cVO's subscription and observation
            expect((await records("event", "alarm", "subscribeevent")).length).to.be.greaterThan(0);
            expect((await records("property", "counter", "observeproperty")).length).to.be.greaterThan(0);
            if (protocol === "http") {
                // a long poll ends once answered: wotpy2 polls again for the next one
                await waitFor(async () => (await records("event", "alarm", "unsubscribeevent")).length > 0, 10_000);
            } else {
                // a CoAP observation stays open across notifications
                expect(await records("event", "alarm", "unsubscribeevent")).to.deep.equal([]);
            }
        });
    });
}
