import { expect } from "chai";
import { exposeSensor } from "../../helpers/sensor-thing";
import { startVo, VoFixture } from "../../helpers/vo-fixture";
import { httpRequest } from "./http-helpers";

// binding-http 0.9.2 answers a Thing or an affordance it does not have with 404 and an empty body (its router's
// fallback with "Not Found"), a body type it has no codec for with a bare 415: the answer says why, and a path that is
// not percent-decodable is the client's malformed URL, 400. http-error-reasons.ts.
describe("HTTP errors say why: 404 names what is not there, 415 the types taken (real server on 127.0.0.1)", function () {
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

    it("answers a malformed path 400 and a body type it cannot read 415 naming the types it takes", async function () {
        const malformed = await httpRequest(`${base}/%ZZ/properties/temperature`);
        expect([malformed.status, malformed.body.toString()]).to.deep.equal([
            400,
            "the path /%ZZ/properties/temperature is not percent-decodable\n",
        ]);
        const form = await httpRequest(`${base}/environmentsensor/properties/samplingInterval`, {
            method: "PUT",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: "value=5",
        });
        expect(form.status).to.equal(415);
        expect(form.headers["content-type"]).to.equal("text/plain; charset=utf-8");
        expect(form.body.toString()).to.match(
            /^a body of type application\/x-www-form-urlencoded is not taken here; send one of application\/json, .*text\/plain/
        );
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
