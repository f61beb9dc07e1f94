import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import {
    InvalidThingDescriptionError,
    loadThingDescription,
    validateThingDescription,
} from "../../src/cli/td-validation";

const TD_DIR = path.join(__dirname, "..", "..", "..", "thing-descriptions");
const ENVIRONMENT_SENSOR = path.join(TD_DIR, "environment-sensor.td.json");

function refused(td: unknown, forProduce = true): InvalidThingDescriptionError {
    try {
        validateThingDescription(td, "bad.td.json", { forProduce });
    } catch (err) {
        expect(err).to.be.instanceOf(InvalidThingDescriptionError);
        expect((err as Error).name).to.equal("InvalidThingDescriptionError");
        return err as InvalidThingDescriptionError;
    }
    throw new Error("the TD was accepted");
}

const sensor = (): Record<string, Record<string, Record<string, unknown>>> =>
    JSON.parse(fs.readFileSync(ENVIRONMENT_SENSOR, "utf8"));

describe("Thing Descriptions against the W3C TD 1.1 JSON Schema", function () {
    const files = fs.readdirSync(TD_DIR).filter((f) => f.endsWith(".json"));

    it("finds the TDs of thing-descriptions/", function () {
        expect(files).to.include("environment-sensor.td.json");
    });

    for (const f of files) {
        it(`thing-descriptions/${f} is valid for WoT.produce`, function () {
            const td = loadThingDescription(path.join(TD_DIR, f), { forProduce: true });
            expect(td.title).to.be.a("string");
        });
    }

    it("without forProduce, a TD needs its forms (what node-wot's servers add)", function () {
        const e = refused(sensor(), false);
        expect(e.problems).to.deep.include({
            path: "/properties/temperature",
            message: "must have required property 'forms'",
        });
        expect(e.message).to.include("bad.td.json: /actions/reset: must have required property 'forms'");
    });

    it("accepts a complete TD as written, and fills nothing into the caller's object", function () {
        const td = sensor();
        for (const kind of ["properties", "actions", "events"]) {
            for (const a of Object.values(td[kind])) a.forms = [{ href: "coap://127.0.0.1/x" }];
        }
        validateThingDescription(td, "complete", {});
        const init = sensor();
        validateThingDescription(init, "init", { forProduce: true });
        expect(init).to.deep.equal(sensor());
    });

    it("refuses a malformed TD, listing every problem with its instance path", function () {
        const td = sensor();
        delete (td as Record<string, unknown>).title;
        td.properties.temperature.type = "numbr";
        td.properties.humidity.forms = { href: "/humidity" } as never;
        td.actions.reset = { forms: "nope" };
        const e = refused(td);
        expect(e.problems.map((p) => p.path)).to.deep.equal([
            "(root)",
            "/properties/temperature/type",
            "/properties/humidity/forms",
            "/actions/reset/forms",
        ]);
        expect(e.message).to.include("bad.td.json: (root): must have required property 'title'");
        expect(e.message).to.include(
            'bad.td.json: /properties/temperature/type: must be equal to one of the allowed values: "boolean"'
        );
        expect(e.message).to.include("bad.td.json: /properties/humidity/forms: must be array");
    });

    it("refuses what is not a JSON object, and a file that is not JSON", function () {
        expect(refused([]).problems).to.deep.equal([{ path: "(root)", message: "must be a JSON object" }]);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "node-wot-vo-td-"));
        try {
            const file = path.join(dir, "broken.td.json");
            fs.writeFileSync(file, '{ "title": "x", }');
            expect(() => loadThingDescription(file)).to.throw(
                InvalidThingDescriptionError,
                /broken\.td\.json: \(file\): cannot read JSON/
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
