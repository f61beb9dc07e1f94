import { expect } from "chai";
import { exposeSensor, SensorState } from "../../helpers/sensor-thing";
import { startVo, VoFixture } from "../../helpers/vo-fixture";
import { httpRequest } from "./http-helpers";

// binding-http 0.9.2 routes each path for some methods only (find-my-way) and answers any other with
// 404 "Not Found", as if the resource did not exist; RFC 9110 asks for 405 with Allow (15.5.6) and for
// HEAD wherever GET is answered (9.3.2). http-method-not-allowed.ts.
describe("HTTP methods a resource does not answer: 405 with Allow, HEAD like GET (real server on 127.0.0.1)", function () {
    let vo: VoFixture;
    let base: string;
    let state: SensorState;

    before(async function () {
        vo = await startVo({ vo: { thing: {}, selfCheckIntervalMs: 0 } });
        ({ state } = await exposeSensor(vo.wot));
        base = `http://127.0.0.1:${vo.httpPort}`;
    });
    after(async function () {
        await vo?.close();
    });

    it("answers HEAD on the Thing list and on a TD with GET's status and headers, no body", async function () {
        for (const path of ["/", "/environmentsensor"]) {
            const get = await httpRequest(`${base}${path}`);
            const head = await httpRequest(`${base}${path}`, { method: "HEAD" });
            expect(get.status, path).to.equal(200);
            expect(head.status, path).to.equal(200);
            expect(head.headers["content-type"], path).to.equal(get.headers["content-type"]);
            expect(head.body.length, path).to.equal(0);
        }
    });

    it("answers 405 naming the methods the resource answers, and runs no handler", async function () {
        const cases: [string, string, string][] = [
            ["GET", "/environmentsensor/actions/calibrate", "POST, OPTIONS"],
            ["PUT", "/environmentsensor/actions/reset", "POST, OPTIONS"],
            ["DELETE", "/environmentsensor/properties/samplingInterval", "GET, PUT, OPTIONS"],
            ["POST", "/environmentsensor/properties/samplingInterval", "GET, PUT, OPTIONS"],
            ["PATCH", "/environmentsensor/properties/humidity", "GET, OPTIONS"], // read-only
            ["POST", "/environmentsensor/events/overheat", "GET, HEAD, OPTIONS"],
            ["DELETE", "/environmentsensor/properties/temperature/observable", "GET, HEAD, OPTIONS"],
            ["DELETE", "/", "GET, HEAD, OPTIONS"],
            ["POST", "/environmentsensor", "GET, HEAD, OPTIONS"],
        ];
        const before = { ...state };
        for (const [method, path, allow] of cases) {
            const res = await httpRequest(`${base}${path}`, {
                method,
                headers: { "content-type": "application/json" },
                // node's client frames no body of a DELETE (no Content-Length, no chunks): send none there
                body: method === "GET" || method === "DELETE" ? undefined : JSON.stringify({ offset: 1 }),
            });
            expect(res.status, `${method} ${path}`).to.equal(405);
            expect(res.headers.allow, `${method} ${path}`).to.equal(allow);
            expect(res.body.toString(), `${method} ${path}`).to.include(`${method} is not allowed on ${path}`);
        }
        expect(state).to.deep.equal(before);
        const calls = await vo.vo.history({
            thing: "urn:dev:ops:environment-sensor-1",
            kind: "action",
            name: "calibrate",
        });
        expect(calls).to.deep.equal([]);
    });

    it("keeps 404 for what does not exist, whatever the method", async function () {
        for (const [method, path] of [
            ["DELETE", "/nothing"],
            ["GET", "/environmentsensor/actions/nothing"],
            ["DELETE", "/environmentsensor/properties/nothing"],
            ["POST", "/environmentsensor/events/nothing"],
            ["GET", "/environmentsensor/somewhere/else"],
        ]) {
            expect((await httpRequest(`${base}${path}`, { method })).status, `${method} ${path}`).to.equal(404);
        }
    });

    // binding-http answers a plain OPTIONS 405 although its Allow lists OPTIONS (RFC 9110, 9.3.7)
    it("answers a plain OPTIONS 204 with the methods each resource answers; a preflight as before", async function () {
        const cases: [string, string][] = [
            ["/", "GET, HEAD, OPTIONS"],
            ["/environmentsensor", "GET, HEAD, OPTIONS"],
            ["/environmentsensor/properties", "GET, PUT, PATCH, OPTIONS"],
            ["/environmentsensor/properties/samplingInterval", "GET, PUT, OPTIONS"],
            ["/environmentsensor/properties/humidity", "GET, OPTIONS"],
            ["/environmentsensor/properties/temperature/observable", "GET, HEAD, OPTIONS"],
            ["/environmentsensor/actions/calibrate", "POST, OPTIONS"],
            ["/environmentsensor/events/overheat", "GET, HEAD, OPTIONS"],
            ["/environmentsensor/properties/label/history", "GET, HEAD, OPTIONS"],
        ];
        for (const [path, allow] of cases) {
            const res = await httpRequest(`${base}${path}`, { method: "OPTIONS" });
            expect(res.status, path).to.equal(204);
            expect(res.headers.allow, path).to.equal(allow);
        }
        const preflight = await httpRequest(`${base}/environmentsensor/properties/label`, {
            method: "OPTIONS",
            headers: { origin: "http://127.0.0.1:9", "access-control-request-method": "PUT" },
        });
        expect(preflight.status).to.equal(200);
        expect(preflight.headers["access-control-allow-methods"]).to.equal("GET, PUT, OPTIONS");
        expect(
            (await httpRequest(`${base}/environmentsensor/properties/nothing`, { method: "OPTIONS" })).status
        ).to.equal(404);
    });

    // binding-http answers HEAD on an observable property and an event 202; node-wot's client sends it first
    it("answers HEAD on a long poll with GET's headers at once, subscribing nothing; elsewhere on affordances 405", async function () {
        for (const path of [
            "/environmentsensor/properties/temperature/observable",
            "/environmentsensor/events/overheat",
        ]) {
            const res = await httpRequest(`${base}${path}`, { method: "HEAD", timeoutMs: 1000 });
            expect(res.status, path).to.equal(200);
            expect(res.headers["content-type"], path).to.equal("application/json");
            const cbor = await httpRequest(`${base}${path}`, {
                method: "HEAD",
                headers: { accept: "application/cbor" },
                timeoutMs: 1000,
            });
            expect(cbor.headers["content-type"], path).to.equal("application/cbor");
            const xml = await httpRequest(`${base}${path}`, { method: "HEAD", headers: { accept: "text/xml" } });
            expect(xml.status, path).to.equal(406);
        }
        const refused: [string, string][] = [
            ["/environmentsensor/properties/temperature", "GET, OPTIONS"],
            ["/environmentsensor/properties/label", "GET, PUT, OPTIONS"],
            ["/environmentsensor/properties", "GET, PUT, PATCH, OPTIONS"],
            ["/environmentsensor/actions/reset", "POST, OPTIONS"],
        ];
        for (const [path, allow] of refused) {
            const res = await httpRequest(`${base}${path}`, { method: "HEAD", timeoutMs: 1000 });
            expect(res.status, path).to.equal(405);
            expect(res.headers.allow, path).to.equal(allow);
        }
        await new Promise((r) => setTimeout(r, 100)); // an observation would be registered by now
        expect(await vo.vo.state.listObservers()).to.deep.equal([]);
        const thing = "urn:dev:ops:environment-sensor-1";
        expect(await vo.vo.history({ thing, kind: "property", name: "temperature" })).to.deep.equal([]);
        expect(await vo.vo.history({ thing, kind: "event", name: "overheat" })).to.deep.equal([]);
        expect(await vo.vo.history({ thing, kind: "property", name: "label" })).to.deep.equal([]);
    });

    it("still answers the methods each resource has", async function () {
        expect((await httpRequest(`${base}/environmentsensor/properties/samplingInterval`)).status).to.equal(200);
        const put = await httpRequest(`${base}/environmentsensor/properties/samplingInterval`, {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: "12",
        });
        expect(put.status).to.equal(204);
        const invoked = await httpRequest(`${base}/environmentsensor/actions/calibrate`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ offset: 0.5 }),
        });
        expect(invoked.status).to.equal(200);
        expect(state.samplingInterval).to.equal(12);
        expect(state.offset).to.equal(0.5);
    });
});
