import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Servient } from "@node-wot/core";
import { HttpServer } from "@node-wot/binding-http";
import { setStaticAddress, VoPersistence } from "../../src";
import { exposeSensor } from "../helpers/sensor-thing";
import { sampleOf } from "../helpers/exposition";
import { checkMetrics, promtoolFor } from "../helpers/promtool";
import { startVo, tempDir, VoFixture } from "../helpers/vo-fixture";
import { httpRequest } from "../protocols/http/http-helpers";
import { coapRequest } from "../protocols/coap/coap-clients";

const SENSOR = "environmentsensor";

describe("/metrics: the VO's Prometheus metrics over HTTP", function () {
    this.timeout(60_000);
    let vo: VoFixture;
    let metricsUrl: string;

    before(async function () {
        vo = await startVo({ vo: { thing: false, selfCheckIntervalMs: 0, device: { url: "http://127.0.0.1:9/" } } });
        await exposeSensor(vo.wot);
        metricsUrl = `http://127.0.0.1:${vo.httpPort}/metrics`;
    });
    after(async () => vo?.close());

    async function interact(): Promise<void> {
        const http = (p: string, method = "GET", body?: unknown) =>
            httpRequest(`http://127.0.0.1:${vo.httpPort}/${SENSOR}/${p}`, {
                method,
                headers: { "content-type": "application/json" },
                body: body === undefined ? undefined : JSON.stringify(body),
            });
        const coap = (p: string, method: "GET" | "PUT" = "GET", payload?: string) =>
            coapRequest(`coap://127.0.0.1:${vo.coapPort}/${SENSOR}/${p}`, { method, payload });
        for (let i = 0; i < 3; i++) expect((await http("properties/temperature")).status).to.equal(200);
        expect((await http("properties/samplingInterval", "PUT", 20)).status).to.equal(204);
        expect((await http("properties/samplingInterval", "PUT", 30)).status).to.equal(204);
        // refused: a write to a read-only property
        expect((await http("properties/temperature", "PUT", 1)).status).to.equal(405);
        expect((await http("actions/calibrate", "POST", { offset: 1 })).status).to.equal(200);
        // failed: the handler throws
        expect((await http("actions/calibrate", "POST", { offset: 500 })).status).to.equal(500);
        expect((await coap("properties/humidity")).code).to.equal("2.05");
        expect((await coap("properties/humidity")).code).to.equal("2.05");
        expect((await coap("properties/label", "PUT", JSON.stringify("lab 2"))).code).to.equal("2.04");
        // refused: a value that breaks the property's schema
        expect((await coap("properties/samplingInterval", "PUT", JSON.stringify("often"))).code).to.equal("4.00");
    }

    it("counts interactions by protocol, kind and outcome, and their handler times per protocol", async function () {
        await interact();
        const res = await httpRequest(metricsUrl);
        expect(res.status).to.equal(200);
        expect(res.headers["content-type"]).to.equal("text/plain; version=0.0.4; charset=utf-8");
        const text = res.body.toString();
        const interactions = (protocol: string, kind: string, outcome: string) =>
            sampleOf(text, "nodewotvo_interactions_total", { protocol, kind, outcome });
        expect(interactions("http", "property", "ok")).to.equal(5);
        expect(interactions("http", "property", "refused")).to.equal(1);
        expect(interactions("http", "property", "error")).to.equal(0);
        expect(interactions("http", "action", "ok")).to.equal(1);
        expect(interactions("http", "action", "error")).to.equal(1);
        expect(interactions("coap", "property", "ok")).to.equal(3);
        expect(interactions("coap", "property", "refused")).to.equal(1);
        const count = (protocol: string, kind: string) =>
            sampleOf(text, "nodewotvo_interaction_duration_seconds_count", { protocol, kind });
        expect(count("http", "property")).to.equal(6);
        expect(count("http", "action")).to.equal(2);
        expect(count("coap", "property")).to.equal(4);
        // cumulative buckets, ending at the count
        const buckets = [
            "0.0005",
            "0.001",
            "0.0025",
            "0.005",
            "0.01",
            "0.025",
            "0.05",
            "0.1",
            "0.25",
            "0.5",
            "1",
            "2.5",
            "5",
            "10",
            "+Inf",
        ].map((le) =>
            sampleOf(text, "nodewotvo_interaction_duration_seconds_bucket", { protocol: "coap", kind: "property", le })!
        );
        expect(buckets.every((n, i) => i === 0 || n >= buckets[i - 1])).to.equal(true);
        expect(buckets[buckets.length - 1]).to.equal(4);
        const sum = sampleOf(text, "nodewotvo_interaction_duration_seconds_sum", {
            protocol: "coap",
            kind: "property",
        });
        expect(sum)
            .to.be.above(0)
            .and.below(4 * 10);

        // the write path, read from its own counters at the scrape
        await vo.vo.flush();
        const after = (await httpRequest(metricsUrl)).body.toString();
        const stats = vo.vo.stats();
        expect(sampleOf(after, "nodewotvo_records_written_total")).to.equal(stats.written).and.to.equal(12);
        expect(sampleOf(after, "nodewotvo_records_dropped_total")).to.equal(0);
        expect(sampleOf(after, "nodewotvo_store_write_errors_total")).to.equal(0);
        expect(sampleOf(after, "nodewotvo_write_queue_records")).to.equal(0);
        expect(sampleOf(after, "nodewotvo_write_queue_capacity_records")).to.equal(100_000);
        // the device nobody answers for at port 9 is not alive
        const states = ["unknown", "alive", "suspect", "lost"].map((state) =>
            sampleOf(after, "nodewotvo_device_state", { state })
        );
        expect(states.reduce((a, b) => a! + b!, 0)).to.equal(1);
        expect(states[1]).to.equal(0);
    });

    it("is not recorded: scraping and probing leave no record and no history", async function () {
        await vo.vo.flush();
        const before = vo.vo.stats().recorded;
        for (const p of ["metrics", "livez", "readyz"]) {
            expect((await httpRequest(`http://127.0.0.1:${vo.httpPort}/${p}`)).status).to.equal(200);
        }
        await vo.vo.flush();
        expect(vo.vo.stats().recorded).to.equal(before);
    });

    it("passes `promtool check metrics` (Prometheus's own linter) after HTTP and CoAP interactions", async function () {
        const promtool = promtoolFor(this);
        await interact();
        // an observation over CoAP, so the observers' series exists
        await coapRequest(`coap://127.0.0.1:${vo.coapPort}/${SENSOR}/properties/temperature`, { observe: true });
        const text = (await httpRequest(metricsUrl)).body.toString();
        expect(text).to.include("nodewotvo_observers{");
        const { code, output } = await checkMetrics(promtool, text);
        expect(output, "promtool's findings").to.equal("");
        expect(code).to.equal(0);
    });

    it("answers GET and HEAD; any other method 405 with Allow", async function () {
        const head = await httpRequest(metricsUrl, { method: "HEAD" });
        expect(head.status).to.equal(200);
        expect(head.body.length).to.equal(0);
        const post = await httpRequest(metricsUrl, { method: "POST", body: "x" });
        expect(post.status).to.equal(405);
        expect(post.headers.allow).to.equal("GET, HEAD, OPTIONS");
    });
});

describe("/metrics options and isolation", function () {
    this.timeout(60_000);

    it("`metrics: false` serves no /metrics (404) and keeps /livez and /readyz", async function () {
        const vo = await startVo({ metrics: false });
        try {
            expect(vo.vo.metrics).to.equal(undefined);
            expect((await httpRequest(`http://127.0.0.1:${vo.httpPort}/metrics`)).status).to.equal(404);
            expect((await httpRequest(`http://127.0.0.1:${vo.httpPort}/livez`)).status).to.equal(200);
            expect((await httpRequest(`http://127.0.0.1:${vo.httpPort}/readyz`)).status).to.equal(200);
        } finally {
            await vo.close();
        }
    });

    it("refuses a `metrics` option that is not true or false", async function () {
        const servient = new Servient();
        let error: Error | undefined;
        try {
            await VoPersistence.attach(servient, { metrics: "yes" as never, sqlite: { path: ":memory:" } });
        } catch (err) {
            error = err as Error;
        }
        expect(error?.message).to.equal('node-wot-vo option metrics: must be true or false, got "yes"');
    });

    it("leaves /metrics to a Thing served there (its TD), as the dashboard leaves /dashboard", async function () {
        const vo = await startVo();
        try {
            const thing = await vo.wot.produce({ title: "metrics", properties: { p: { type: "number" } } } as never);
            await thing.expose();
            const res = await httpRequest(`http://127.0.0.1:${vo.httpPort}/metrics`);
            expect(res.status).to.equal(200);
            expect(JSON.parse(res.body.toString())).to.include({ title: "metrics" });
            expect((await httpRequest(`http://127.0.0.1:${vo.httpPort}/livez?verbose`)).status).to.equal(200);
        } finally {
            await vo.close();
        }
    });

    it("keeps each VO's metrics apart when several run in one process", async function () {
        const a = await startVo();
        const b = await startVo();
        try {
            await exposeSensor(a.wot);
            await exposeSensor(b.wot, { id: "urn:dev:ops:environment-sensor-2" });
            for (let i = 0; i < 2; i++)
                await httpRequest(`http://127.0.0.1:${a.httpPort}/${SENSOR}/properties/humidity`);
            const read = async (v: VoFixture) =>
                sampleOf(
                    (await httpRequest(`http://127.0.0.1:${v.httpPort}/metrics`)).body.toString(),
                    "nodewotvo_interactions_total",
                    { protocol: "http", kind: "property", outcome: "ok" }
                );
            expect(await read(a)).to.equal(2);
            expect(await read(b)).to.equal(undefined);
        } finally {
            await a.close();
            await b.close();
        }
    });

    it("asks for the Things' credentials when they ask for them, as the dashboard does", async function () {
        setStaticAddress("127.0.0.1");
        const dir = tempDir();
        const servient = new Servient();
        const http = new HttpServer({ port: 0, address: "127.0.0.1", security: [{ scheme: "basic" }] as never });
        servient.addServer(http);
        await VoPersistence.attach(servient, { sqlite: { path: path.join(dir, "vo.sqlite") }, vo: { thing: false } });
        servient.addCredentials({ "urn:metrics:secured": { username: "ann", password: "s3cret" } });
        try {
            const wot = await servient.start();
            const thing = await wot.produce({
                id: "urn:metrics:secured",
                title: "Secured",
                securityDefinitions: { basic_sc: { scheme: "basic", in: "header" } },
                security: "basic_sc",
                properties: { p: { type: "number" } },
            } as never);
            await thing.expose();
            const wrong = { authorization: `Basic ${Buffer.from("ann:nope").toString("base64")}` };
            const right = { authorization: `Basic ${Buffer.from("ann:s3cret").toString("base64")}` };
            for (const p of ["metrics", "livez", "readyz"]) {
                const url = `http://127.0.0.1:${http.getPort()}/${p}`;
                const none = await httpRequest(url);
                expect(none.status, p).to.equal(401);
                expect(none.headers["www-authenticate"]).to.match(/^Basic /);
                expect((await httpRequest(url, { headers: wrong })).status, p).to.equal(401);
                expect((await httpRequest(url, { headers: right })).status, p).to.equal(200);
            }
        } finally {
            await servient.shutdown();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
