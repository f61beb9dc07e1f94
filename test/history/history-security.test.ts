import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ExposedThing, Servient } from "@node-wot/core";
import { HttpServer } from "@node-wot/binding-http";
import type * as WoT from "wot-typescript-definitions";
import { setStaticAddress, VoCoapClientFactory, VoCoapServer, VoHttpClientFactory, VoPersistence } from "../../src";
import { coapCall } from "../conformance/wire-clients";
import { sensorModel, tempDir } from "../helpers/vo-fixture";

const SENSOR = "urn:dev:ops:environment-sensor-1";
const USER = "operator";
const PASSWORD = "pw-" + Math.random().toString(36).slice(2);
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;

/**
 * A VO whose Things ask for basic credentials, as `node-wot-vo run` makes them with `security: basic`
 * (every Thing the servient produces gets the definition and the VO's credentials), here with a CoAP
 * server beside HTTP, which run refuses: CoAP carries no basic authentication.
 */
let started = 0;

async function startSecuredVo(
    dir: string,
    options: { http: boolean; secureVoThing: boolean }
): Promise<{ servient: Servient; wot: typeof WoT; http?: HttpServer; coap: VoCoapServer }> {
    setStaticAddress("127.0.0.1");
    const servient = new Servient();
    const http = options.http
        ? new HttpServer({ port: 0, address: "127.0.0.1", security: [{ scheme: "basic" }] as never })
        : undefined;
    const coap = new VoCoapServer({ port: 0, address: "127.0.0.1" });
    if (http !== undefined) servient.addServer(http);
    servient.addServer(coap as never);
    servient.addClientFactory(new VoHttpClientFactory());
    servient.addClientFactory(new VoCoapClientFactory() as never);
    const addThing = servient.addThing.bind(servient);
    servient.addThing = (thing: ExposedThing): boolean => {
        const added = addThing(thing);
        if (thing.id === SENSOR || options.secureVoThing) {
            thing.securityDefinitions = { basic_sc: { scheme: "basic", in: "header" } };
            thing.security = "basic_sc";
            servient.addCredentials({ [thing.id]: { username: USER, password: PASSWORD } });
        }
        return added;
    };
    await VoPersistence.attach(servient, {
        sqlite: { path: path.join(dir, `vo-${++started}.sqlite`) }, // a file of its own for each VO of the file
        vo: { selfCheckIntervalMs: 0 },
        recording: { flushIntervalMs: 20 },
    });
    const wot = await servient.start();
    const thing = await wot.produce(sensorModel());
    thing.setPropertyReadHandler("temperature", async () => 21.5);
    await thing.expose();
    return { servient, wot, http, coap };
}

describe("history guarded by its Thing's security (basic): as the Thing's other forms, over HTTP and CoAP", function () {
    this.timeout(30_000);
    const dir = tempDir("vo-history-security-");
    const servients: Servient[] = [];
    after(async function () {
        for (const s of servients) await s.shutdown();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("HTTP: 401 with the same challenge as the property without credentials, 200 with them", async function () {
        const vo = await startSecuredVo(dir, { http: true, secureVoThing: true });
        servients.push(vo.servient);
        const base = `http://127.0.0.1:${vo.http!.getPort()}/environmentsensor/properties/temperature`;
        const property = await fetch(base);
        const history = await fetch(`${base}/history`);
        expect(property.status).to.equal(401);
        expect(history.status).to.equal(401);
        expect(history.headers.get("www-authenticate")).to.equal(property.headers.get("www-authenticate"));
        expect(history.headers.get("www-authenticate")).to.equal(`Basic realm="${SENSOR}"`);
        const wrong = `Basic ${Buffer.from(`${USER}:nope`).toString("base64")}`;
        expect((await fetch(`${base}/history`, { headers: { authorization: wrong } })).status).to.equal(401);
        expect((await fetch(base, { headers: { authorization: AUTH } })).status).to.equal(200);
        await new Promise((r) => setTimeout(r, 100)); // past the flush interval
        const ok = await fetch(`${base}/history?op=read&ok=true`, { headers: { authorization: AUTH } });
        expect(ok.status).to.equal(200);
        const page = (await ok.json()) as { items: { value: unknown }[] };
        expect(page.items.map((i) => i.value)).to.deep.equal([21.5]);
        const csv = await fetch(`${base}/history`, { headers: { accept: "text/csv" } });
        expect(csv.status).to.equal(401);
        // the history action of a VO Thing with the same security, with its credentials
        const action = `http://127.0.0.1:${vo.http!.getPort()}/vostatus/actions/history`;
        const body = JSON.stringify({ thing: SENSOR, kind: "property", name: "temperature", op: "read", ok: true });
        const post = (headers: Record<string, string>) =>
            fetch(action, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
        expect((await post({})).status).to.equal(401);
        const answered = await post({ authorization: AUTH });
        expect(answered.status).to.equal(200);
        expect(((await answered.json()) as { items: unknown[] }).items).to.have.length(1);
        // the reads refused for want of credentials are recorded as refused, with why
        const all = await post({ authorization: AUTH }).then(() =>
            fetch(`${base}/history?op=read`, { headers: { authorization: AUTH } })
        );
        const items = ((await all.json()) as { items: { ok: boolean; error?: string }[] }).items;
        expect(items.filter((i) => !i.ok).map((i) => i.error)).to.deep.equal(["basic credentials missing or wrong"]);
    });

    // A page of another origin reads a secured Thing's history as it reads its properties: binding-http's
    // CORS answers (the origin echoed, with credentials), and a preflight answered before the credentials.
    it("HTTP: CORS as on the property: the origin echoed with credentials, preflight answered, Link exposed", async function () {
        const vo = await startSecuredVo(dir, { http: true, secureVoThing: true });
        servients.push(vo.servient);
        const base = `http://127.0.0.1:${vo.http!.getPort()}/environmentsensor/properties/temperature`;
        const origin = "http://127.0.0.1:9999";
        const headers = { origin, authorization: AUTH };
        const property = await fetch(base, { headers });
        const history = await fetch(`${base}/history?limit=1`, { headers });
        expect(history.status).to.equal(200);
        for (const h of ["access-control-allow-origin", "access-control-allow-credentials"]) {
            expect(history.headers.get(h), h).to.equal(property.headers.get(h));
        }
        expect(history.headers.get("access-control-allow-origin")).to.equal(origin);
        expect(history.headers.get("access-control-expose-headers")).to.match(/\bLink\b/);
        const refused = await fetch(`${base}/history`, { headers: { origin } });
        expect(refused.status).to.equal(401);
        expect(refused.headers.get("access-control-allow-origin")).to.equal(origin);
        const preflight = await fetch(`${base}/history`, {
            method: "OPTIONS",
            headers: {
                origin,
                "access-control-request-method": "GET",
                "access-control-request-headers": "authorization",
            },
        });
        expect(preflight.status).to.equal(200);
        expect(preflight.headers.get("access-control-allow-origin")).to.equal(origin);
        expect(preflight.headers.get("access-control-allow-methods")).to.match(/\bGET\b/);
        expect(preflight.headers.get("access-control-allow-headers")).to.match(/authorization/);
    });

    it("CoAP: 4.01 on the Thing's forms and its history, never its data; the TD stays readable", async function () {
        const vo = await startSecuredVo(dir, { http: false, secureVoThing: false });
        servients.push(vo.servient);
        const base = `coap://127.0.0.1:${vo.coap.getPort()}/environmentsensor`;
        for (const [href, method] of [
            [`${base}/properties/temperature`, "GET"],
            [`${base}/properties/temperature/history`, "GET"],
            [`${base}/actions/calibrate/history`, "GET"],
            [`${base}/properties`, "GET"],
            [`${base}/actions/reset`, "POST"],
        ] as const) {
            const answer = await coapCall(href, method);
            expect(answer.code, href).to.equal("4.01");
            expect(answer.body.toString(), href).to.match(/asks for basic credentials, which CoAP cannot carry/);
        }
        expect((await coapCall(base, "GET")).code).to.equal("2.05");
        // the open VO Thing's history action does not reach past the sensor's security either
        const action = `coap://127.0.0.1:${vo.coap.getPort()}/vostatus/actions/history`;
        const body = Buffer.from(JSON.stringify({ thing: SENSOR, kind: "property", name: "temperature" }));
        const refused = await coapCall(action, "POST", { body, contentFormat: 50 });
        expect(refused.code).to.equal("4.04");
        expect(refused.body.toString()).to.match(/asks for basic credentials the VO Thing does not/);
        const own = Buffer.from(JSON.stringify({ thing: "urn:node-wot-vo:status", kind: "action", name: "history" }));
        const allowed = await coapCall(action, "POST", { body: own, contentFormat: 50 });
        expect(allowed.code, allowed.body.toString()).to.equal("2.05");
    });
});
