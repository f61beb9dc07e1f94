import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ExposedThing, Servient } from "@node-wot/core";
import { HttpServer } from "@node-wot/binding-http";
import { setStaticAddress, VoPersistence } from "../../../src";
import { exposeSensor } from "../../helpers/sensor-thing";
import { sensorModel, startVo, tempDir, VoFixture } from "../../helpers/vo-fixture";
import { httpRequest, RawAnswer } from "./http-helpers";

const ORIGIN = "http://127.0.0.1:9999";
type Options = NonNullable<Parameters<typeof httpRequest>[1]>;
const JSON_TYPE = "application/json";

/** The refusals a client can provoke on one Thing, each with the status it must get. */
function refusals(base: string, maxBodyBytes: number): [number, string, Options][] {
    const put = (type: string, body: string): Options => ({ method: "PUT", headers: { "content-type": type }, body });
    return [
        [400, `${base}/properties/label`, put(JSON_TYPE, '{"a":')],
        [404, `${base}/properties/nothing`, {}],
        [404, `${base}/actions/nothing`, { method: "POST", headers: { "content-type": JSON_TYPE }, body: "{}" }],
        [405, `${base}/actions/reset`, {}],
        [405, `${base}/properties/humidity/observable`, {}],
        [406, `${base}/properties/label`, { headers: { accept: "application/xml" } }],
        [413, `${base}/properties/label`, put(JSON_TYPE, JSON.stringify("x".repeat(maxBodyBytes)))],
        [415, `${base}/properties/label`, put("application/x-unknown", "1")],
    ];
}

async function ask(url: string, options: Options): Promise<RawAnswer> {
    return httpRequest(url, { ...options, headers: { origin: ORIGIN, ...options.headers }, timeoutMs: 3000 });
}

// binding-http 0.9.2 sets CORS headers in its routes only before a success: its 404s and 415s, and the
// refusals node-wot-vo answers (400, 405, 406, 413), carried none; a page of another origin could not read why.
describe("CORS headers on every error answer, by the rule of the resource's successes (real servers on 127.0.0.1)", function () {
    this.timeout(30_000);
    let vo: VoFixture;

    before(async function () {
        vo = await startVo({ protocols: { maxBodyBytes: 4096 } });
        await exposeSensor(vo.wot);
    });
    after(async function () {
        await vo?.close();
    });

    it("nosec Thing: every refusal answers to any origin, an unknown path too", async function () {
        const base = `http://127.0.0.1:${vo.httpPort}/environmentsensor`;
        const cases: [number, string, Options][] = [
            ...refusals(base, 4096),
            [404, `http://127.0.0.1:${vo.httpPort}/nothing/at/all`, {}],
        ];
        for (const [status, url, options] of cases) {
            const res = await ask(url, options);
            expect(res.status, url).to.equal(status);
            expect(res.headers["access-control-allow-origin"], `${status} ${url}`).to.equal("*");
            expect(res.headers["access-control-allow-credentials"], url).to.equal(undefined);
            // and the page can read why: where to, what is allowed, when to retry
            expect(res.headers["access-control-expose-headers"], `${status} ${url}`).to.equal(
                "Location, Allow, Retry-After"
            );
        }
    });

    it("a redirect answers with the same CORS rule, so a browser follows it across origins", async function () {
        vo.vo.state.redirects.set(["192.0.2.50:8080"]);
        try {
            const res = await ask(`http://127.0.0.1:${vo.httpPort}/environmentsensor/properties/label`, {});
            expect(res.status).to.equal(307);
            expect(res.headers.location).to.equal("http://192.0.2.50:8080/environmentsensor/properties/label");
            expect(res.headers["access-control-allow-origin"]).to.equal("*");
            expect(res.headers["access-control-expose-headers"]).to.equal("Location, Allow, Retry-After");
        } finally {
            vo.vo.state.redirects.set([]);
        }
    });

    describe("a secured Thing (basic)", function () {
        const dir = tempDir("node-wot-vo-cors-");
        let servient: Servient;
        let port: number;
        const auth = `Basic ${Buffer.from("operator:pw").toString("base64")}`;

        before(async function () {
            setStaticAddress("127.0.0.1");
            servient = new Servient();
            const http = new HttpServer({ port: 0, address: "127.0.0.1", security: [{ scheme: "basic" }] as never });
            servient.addServer(http);
            const addThing = servient.addThing.bind(servient);
            servient.addThing = (thing: ExposedThing): boolean => {
                const added = addThing(thing);
                thing.securityDefinitions = { basic_sc: { scheme: "basic", in: "header" } };
                thing.security = "basic_sc";
                servient.addCredentials({ [thing.id]: { username: "operator", password: "pw" } });
                return added;
            };
            await VoPersistence.attach(servient, {
                sqlite: { path: path.join(dir, "vo.sqlite") },
                vo: { thing: false, selfCheckIntervalMs: 0 },
                protocols: { maxBodyBytes: 4096 },
            });
            const wot = await servient.start();
            await (await wot.produce(sensorModel())).expose();
            port = http.getPort();
        });
        after(async function () {
            await servient?.shutdown();
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("echoes the Origin with credentials on every refusal, an unknown path too; the TD to any origin", async function () {
            const base = `http://127.0.0.1:${port}/environmentsensor`;
            const cases: [number, string, Options][] = [
                ...refusals(base, 4096),
                [404, `http://127.0.0.1:${port}/nothing/at/all`, {}],
            ];
            for (const [status, url, options] of cases) {
                const res = await ask(url, { ...options, headers: { authorization: auth, ...options.headers } });
                expect(res.status, url).to.equal(status);
                expect(res.headers["access-control-allow-origin"], `${status} ${url}`).to.equal(ORIGIN);
                expect(res.headers["access-control-allow-credentials"], `${status} ${url}`).to.equal("true");
            }
            const td = await ask(`${base}`, { headers: { accept: "application/xml" } });
            expect(td.headers["access-control-allow-origin"]).to.equal("*");
        });
    });
});
