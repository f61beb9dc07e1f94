import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { parseDescriptor } from "../../src/cli/descriptor";
import { runVo, RunningVo } from "../../src/cli/run-vo";
import { ROOT } from "../helpers/node-process";
import { tempDir, waitFor } from "../helpers/vo-fixture";

const ROOM_TD = path.join(ROOT, "thing-descriptions", "room-log.td.json");

/** Reacts to its own Thing as vo-wot's `occupancy_on_next` and `crowded_on_next` would, and says what it saw. */
const SCRIPT = `const seen = [];
module.exports = {
    seen,
    propertyChanges: {
        occupancy(value, ctx) {
            seen.push(["occupancy", value]);
            if (value === 13) throw new Error("unlucky");
            if (value > 40) ctx.thing.emitEvent("crowded", { occupancy: value });
        },
    },
    events: {
        async crowded(data, ctx) {
            seen.push(["crowded", data]);
            await new Promise((r) => setTimeout(r, 100)); // the write's own record is queued once its handler returns
            await ctx.vo.flush();
            const from = "-1m";
            const mean = await ctx.vo.mean({ thing: "urn:dev:ops:room-log-1", name: "occupancy", from, ops: ["writeproperty"] });
            seen.push(["mean of the writes", mean]);
        },
    },
    actions: {
        async addNote(input, ctx) {
            await ctx.setValue("occupancy", input.text.length);
            return { id: 1 };
        },
    },
};`;

describe("a VO script reacts to its own Thing: propertyChanges and events (vo-wot's <name>_on_next)", function () {
    this.timeout(30_000);
    let dir: string;
    let running: RunningVo | undefined;

    before(() => (dir = tempDir("node-wot-vo-reactions-")));
    after(async () => {
        await running?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("calls them after each accepted write, setValue and emitted event; a failing one is logged", async function () {
        const file = path.join(dir, "room.js");
        fs.writeFileSync(file, SCRIPT);
        const lines: string[] = [];
        running = await runVo({
            config: parseDescriptor(
                ["name: room", "http: { port: 0 }", "selfCheck: { interval: 0 }"].join("\n"),
                path.join(dir, "vo.yaml"),
                {}
            ),
            tdFile: ROOM_TD,
            scriptFile: file,
            log: (line) => lines.push(line),
        });
        const base = `http://127.0.0.1:${running.httpPort}/roomlog`;
        const put = async (value: number) => {
            const res = await fetch(`${base}/properties/occupancy`, {
                method: "PUT",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(value),
            });
            expect(res.status, `PUT ${value}`).to.equal(204);
        };
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const seen = (require(file) as { seen: unknown[][] }).seen;
        await put(12);
        await put(13); // its handler throws: the write stands, the failure is logged
        const refused = await fetch(`${base}/properties/occupancy`, { method: "PUT", body: "-1" });
        expect(refused.status).to.equal(400); // refused by the TD's minimum: no change, no call
        await fetch(`${base}/actions/addNote`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ text: "four" }),
        });
        await put(45);
        await waitFor(() => seen.length >= 6);
        expect(seen).to.deep.equal([
            ["occupancy", 12],
            ["occupancy", 13],
            ["occupancy", 4],
            ["occupancy", 45],
            ["crowded", { occupancy: 45 }],
            ["mean of the writes", (12 + 13 + 45) / 3],
        ]);
        expect(lines).to.include("propertyChanges.occupancy failed: unlucky");
        expect(await (await fetch(`${base}/properties/occupancy`)).json()).to.equal(45);
    });
});
