import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { exposeSensor, SensorState } from "../../helpers/sensor-thing";
import { startVo, VoFixture } from "../../helpers/vo-fixture";
import { httpHref, lastRecordOf, recordsOf } from "./http-helpers";

const THING = "urn:dev:ops:environment-sensor-1";

// binding-http 0.9.2 (routes/property.js) answers a PUT to a read-only property 405 without calling
// any handler, so the recorder never heard of it; its Allow header listed PUT, the refused method.
// http-read-only-write.ts records the refusal and answers 405 with the methods the property takes.
describe("HTTP write to a read-only property: 405, recorded as refused (real clients on 127.0.0.1)", function () {
    let vo: VoFixture;
    let td: WoT.ThingDescription;
    let state: SensorState;

    before(async function () {
        vo = await startVo();
        ({ td, state } = await exposeSensor(vo.wot));
    });
    after(async function () {
        await vo?.close();
    });

    it("answers 405 with Allow: GET, OPTIONS and records the write with the value sent", async function () {
        const before = (await recordsOf(vo, THING, "property", "humidity")).length;
        const res = await fetch(httpHref(td.properties!.humidity), {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: "55",
        });
        expect(res.status).to.equal(405);
        expect(res.headers.get("allow")).to.equal("GET, OPTIONS");
        expect(await res.text()).to.equal('property "humidity" is read-only\n');
        expect(state.humidity).to.equal(40);
        const rows = await recordsOf(vo, THING, "property", "humidity");
        expect(rows).to.have.length(before + 1);
        const r = rows[rows.length - 1];
        expect(r).to.include({
            op: "writeproperty",
            protocol: "http",
            ok: false,
            value: 55,
            error: 'property "humidity" is read-only',
        });
        expect(r.origin).to.match(/^127\.0\.0\.1:\d+$/);
    });

    it("records what curl sends too, a body that is not JSON kept as text", async function () {
        const { stdout } = await promisify(execFile)(
            "curl",
            ["-s", "-i", "-X", "PUT", "-H", "Content-Type: application/json", "--data-binary", "not json"].concat([
                "--max-time",
                "5",
                httpHref(td.properties!.temperature),
            ]),
            { timeout: 10_000 }
        );
        expect(stdout.split("\r\n")[0]).to.equal("HTTP/1.1 405 Method Not Allowed");
        expect(stdout).to.match(/\r\nAllow: GET, OPTIONS\r\n/i);
        const r = await lastRecordOf(vo, THING, "property", "temperature");
        expect(r).to.include({ op: "writeproperty", ok: false, value: "not json", valid: false });
    });

    it("still serves reads and writes of the same Thing", async function () {
        expect(await (await fetch(httpHref(td.properties!.humidity))).json()).to.equal(40);
        const res = await fetch(httpHref(td.properties!.enabled), {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: "false",
        });
        expect(res.status).to.equal(204);
        expect(state.enabled).to.equal(false);
    });
});
