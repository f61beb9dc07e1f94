import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { checkVoScript, VoScriptError } from "../../src/cli/vo-script";
import { NodeProcess, ROOT } from "../helpers/node-process";
import { tempDir } from "../helpers/vo-fixture";

const TD = {
    title: "Room",
    properties: { temperature: { type: "number" }, mode: { type: "string" } },
    actions: { calibrate: {} },
    events: { overheat: {} },
} as unknown as WoT.ExposedThingInit;

const fn = () => undefined;

/** The problems checkVoScript names for a script of these exports. */
function problemsOf(script: Record<string, unknown>, periodic: Record<string, number> = {}): string[] {
    try {
        checkVoScript(script, "room.js", TD, periodic, {
            vo1: { url: "http://127.0.0.1:1/vo1", events: ["smoke"], propertyChanges: ["humidity"] },
        });
    } catch (err) {
        expect(err).to.be.instanceOf(VoScriptError);
        return (err as VoScriptError).problems;
    }
    return [];
}

describe("a VO script written for vo-wot", function () {
    it("is refused, each vo-wot-named export with what it is in node-wot-vo", function () {
        const problems = problemsOf({
            temperature_read_handler: fn,
            mode_write_handler: fn,
            mode_init: "auto",
            calibrate_handler: fn,
            smoke_vo1_on_next: fn,
            humidity_vo1_on_error: fn,
            overheat_on_next: fn,
            temperature_on_next: fn,
            mode_on_error: fn,
        });
        expect(problems).to.deep.equal([
            "temperature_read_handler: a vo-wot handler name, never called here; export properties: { temperature: { read(ctx) {...} } }",
            "mode_write_handler: a vo-wot handler name, never called here; export properties: { mode: { write(value, ctx) {...} } }",
            'mode_init: a vo-wot handler name, never called here; give the initial value in setup: async setup(ctx) { await ctx.setValue("mode", value) }',
            "calibrate_handler: a vo-wot handler name, never called here; export actions: { calibrate: async (input, ctx) => {...} }",
            "smoke_vo1_on_next: a vo-wot handler name, never called here; export consumed: { vo1: { events: { smoke: (value, ctx) => {...} } } }",
            "humidity_vo1_on_error: a vo-wot handler name, never called here; node-wot-vo logs the end and the errors of consumedVOs.vo1's propertyChanges (no handler)",
            "overheat_on_next: a vo-wot handler name, never called here; export events: { overheat: (data, ctx) => {...} }",
            "temperature_on_next: a vo-wot handler name, never called here; export propertyChanges: { temperature: (value, ctx) => {...} }",
            "mode_on_error: a vo-wot handler name, never called here; the VO's own property changes neither end nor fail; a failing handler is logged (no handler)",
        ]);
    });

    it("propertyChanges and events: functions by the name of a property or event of the TD", function () {
        expect(problemsOf({ propertyChanges: { temperature: fn }, events: { overheat: fn } })).to.deep.equal([]);
        expect(
            problemsOf({ propertyChanges: { humidity: fn, mode: 1 }, events: { overheat: fn, smoke: fn } })
        ).to.deep.equal([
            "propertyChanges.humidity: the TD has no such property (it has: temperature, mode)",
            "propertyChanges.mode: must be a function",
            "events.smoke: the TD has no such event (it has: overheat)",
        ]);
        expect(problemsOf({ events: [fn] })).to.deep.equal(["events: must be an object of functions by event name"]);
        expect(problemsOf({ propertyChanges: "temperature" })).to.deep.equal([
            "propertyChanges: must be an object of functions by property name",
        ]);
    });

    it("leaves names that are no vo-wot handler of this TD alone, and periodic functions the descriptor names", function () {
        expect(
            problemsOf({ helper_handler: fn, sample_on_next: fn, calibrate_handler: fn }, { calibrate_handler: 1000 })
        ).to.deep.equal([]);
    });

    it("is refused by node-wot-vo validate, exit 2, with the mapping", async function () {
        const dir = tempDir("node-wot-vo-vowot-script-");
        try {
            const td = path.join(dir, "room.td.json");
            fs.writeFileSync(td, JSON.stringify(TD));
            const script = path.join(dir, "room.js");
            fs.writeFileSync(script, "exports.temperature_read_handler = async () => 21.5;\n");
            const p = new NodeProcess([path.join(ROOT, "dist/src/cli/main.js"), "validate", "--td", td, script]);
            expect(await p.exited()).to.equal(2);
            expect(p.output).to.include(
                `${script}: temperature_read_handler: a vo-wot handler name, never called here; export properties: { temperature: { read(ctx) {...} } }`
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
