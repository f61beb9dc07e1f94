import { format } from "node:util";
import { expect } from "chai";
import createDebug from "debug";
import type { Content } from "@node-wot/core";
import type { HttpForm } from "@node-wot/binding-http";
import { VoHttpClient } from "../../../src/protocols/http/http-client-factory";
import { voWotConsumable } from "../../../src/protocols/vo-wot-forms";
import { waitFor } from "../../helpers/vo-fixture";
import { voWotPythonFor } from "../../helpers/vo-wot-python";
import { VoWotVo, VoWotVoSpec } from "../../helpers/vo-wot-vo";

const SPEC: VoWotVoSpec = {
    name: "vo1",
    td: {
        "@context": ["https://www.w3.org/2022/wot/td/v1.1"],
        title: "vo1",
        id: "urn:dev:wot:test:vo1",
        securityDefinitions: { no_sc: { scheme: "nosec" } },
        security: "no_sc",
        events: { alarm: { data: { type: "string" } } },
    },
    descriptor: (ports) => `name: vo1
type: VO
catalogue: ${ports.catalogue}
bindingNB:
    bindingModeNB: [H]
    hostname: 127.0.0.1
    ports: { httpPort: ${ports.http} }
databaseConfig:
    timeseriesDB: { influxDB: disabled }
    persistentDB: { SQLite: enabled, dbFilePath: vo1.db }
periodicFunction: { tick: 300 }
`,
    script: `n = 0
def tick():
    global n
    n += 1
    exposed_thing.emit_event("alarm", "alarm %d" % n)
`,
};

/**
 * The VO's HTTP client following a real vo-wot VO's event by long polls, while that VO goes away for a while and
 * comes back on the same ports: the polls go on, less and less often, and the log says so once each way.
 */
describe("a long poll of a vo-wot VO that goes away and comes back (vo-wot 0.19 from PyPI)", function () {
    this.timeout(60_000);
    let vo: VoWotVo | undefined;
    const client = new VoHttpClient();
    const lines: string[] = [];
    const log = createDebug.log;
    const enabled = createDebug.disable();

    before(function () {
        createDebug.enable("node-wot-vo:protocols:http:vo-wot-http-client:warn");
        createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
    });
    after(async function () {
        createDebug.log = log;
        createDebug.enable(enabled);
        await client.stop();
        await vo?.stop();
    });

    it("polls on while it is down, says so once, and delivers again once it is back", async function () {
        const python = voWotPythonFor(this);
        vo = await VoWotVo.start(python, SPEC);
        const td = (await (await fetch(vo.catalogueUrl)).json()) as object;
        const consumable = voWotConsumable(td).td as { events: { alarm: { forms: HttpForm[] } } };
        const form = consumable.events.alarm.forms.find((f) => f.href.startsWith("http:"))!;
        const got: string[] = [];
        const next = (content: Content) => void content.toBuffer().then((b) => got.push(JSON.parse(b.toString())));
        await client.subscribeResource(form, next);
        await waitFor(() => got.length >= 2, 10_000, "two alarms");

        const ports = vo.ports;
        await vo.stop();
        vo = undefined;
        const downAt = got.length;
        await new Promise((resolve) => setTimeout(resolve, 5000));
        const failed = lines.filter((l) => /long poll of .*alarm\/subscription failed, polling again/.test(l));
        expect(failed, lines.join("\n")).to.have.length(1); // not one line a poll (a poll a second, before)
        expect(got.length).to.equal(downAt);

        vo = await VoWotVo.start(python, SPEC, ports);
        await waitFor(() => got.length > downAt, 40_000, "an alarm after the VO came back");
        expect(got.at(-1)).to.match(/^alarm \d+$/);
        expect(lines.filter((l) => /answers again after \d+ failed/.test(l))).to.have.length(1);
    });
});
