import { expect } from "chai";
import { exposeSensor } from "../../helpers/sensor-thing";
import { startVo, VoFixture } from "../../helpers/vo-fixture";
import { httpRequest } from "./http-helpers";

// binding-http 0.9.2 answers a Thing or an affordance it does not have with 404 and an empty body (its router's
// fallback with "Not Found"): the answer names what is not there. http-not-found.ts.
describe("HTTP 404 names what is not there (real server on 127.0.0.1)", function () {
    let vo: VoFixture;
    let base: string;

    before(async function () {
        vo = await startVo({ vo: { thing: {}, selfCheckIntervalMs: 0 } });
        await exposeSensor(vo.wot);
        base = `http://127.0.0.1:${vo.httpPort}`;
    });
    after(async function () {
        await vo?.close();
    });

    it("names the missing Thing, affordance or resource, in plain text", async function () {
        const cases: [string, string, string][] = [
            ["GET", "/nothing", 'no Thing "nothing" here; GET / lists the Things'],
            ["GET", "/environmentsensor/properties/nope", 'Thing "environmentsensor" has no property "nope"'],
            ["PUT", "/environmentsensor/properties/nope", 'Thing "environmentsensor" has no property "nope"'],
            [
                "GET",
                "/environmentsensor/properties/nope/observable",
                'Thing "environmentsensor" has no property "nope"',
            ],
            ["POST", "/environmentsensor/actions/nope", 'Thing "environmentsensor" has no action "nope"'],
            ["GET", "/environmentsensor/events/nope", 'Thing "environmentsensor" has no event "nope"'],
            ["GET", "/nothing/properties/temperature", 'no Thing "nothing" here; GET / lists the Things'],
            [
                "GET",
                "/environmentsensor/widgets",
                'no resource /environmentsensor/widgets on Thing "environmentsensor"; GET /environmentsensor gives its TD and forms',
            ],
            ["GET", "/%ZZ", "/%ZZ is not percent-decodable"],
        ];
        for (const [method, path, reason] of cases) {
            const res = await httpRequest(`${base}${path}`, {
                method,
                headers: { "content-type": "application/json" },
                body: method === "GET" ? undefined : "1",
            });
            expect(res.status, `${method} ${path}`).to.equal(404);
            expect(res.headers["content-type"], `${method} ${path}`).to.equal("text/plain; charset=utf-8");
            expect(res.body.toString(), `${method} ${path}`).to.equal(`${reason}\n`);
        }
    });

    it("HEAD gets the 404 without a body; a 404 with a body of its own keeps it", async function () {
        const head = await httpRequest(`${base}/environmentsensor/properties/nope`, { method: "HEAD" });
        expect([head.status, head.body.length]).to.deep.equal([404, 0]);
        const found = await httpRequest(`${base}/environmentsensor/properties/temperature`);
        expect(found.status).to.equal(200);
        // the VO's own history resource answers its 404 with its own words
        const history = await httpRequest(`${base}/environmentsensor/properties/nope/history`);
        expect(history.status).to.equal(404);
        expect(history.body.toString()).to.equal(
            "no recorded affordance at /environmentsensor/properties/nope/history\n"
        );
    });
});
