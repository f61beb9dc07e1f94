import fs from "node:fs";
import path from "node:path";
import { Servient } from "@node-wot/core";
import { HttpServer } from "@node-wot/binding-http";
import { expect } from "chai";
import { setStaticAddress, VoPersistence } from "../../../src";
import { tempDir } from "../../helpers/vo-fixture";
import { TestWsClient } from "./ws-clients";

/**
 * node-wot's Helpers.getAddresses() gives the IPv6 addresses it finds on the interfaces already in
 * brackets ("[fd00::2]"); bracketing them again wrote `ws://[[fd00::2]]:...` forms, and binding-http
 * parses every form of an affordance at each request: the next HTTP read crashed the process.
 */
describe("forms on an IPv6 address as node-wot's interface scan gives it (in brackets)", function () {
    this.timeout(20_000);
    let servient: Servient;
    let dir: string;

    before(async function () {
        dir = tempDir();
        setStaticAddress("[::1]");
        servient = new Servient();
        servient.addServer(new HttpServer({ port: 0, address: "::1" }));
        await VoPersistence.attach(servient, {
            sqlite: { path: path.join(dir, "vo.sqlite") },
            vo: { thing: false, selfCheckIntervalMs: 0 },
            websocket: { port: 0, address: "::1" },
        });
        const wot = await servient.start();
        const thing = await wot.produce({ title: "Lamp", properties: { level: { type: "integer" } } } as never);
        thing.setPropertyReadHandler("level", async () => 3);
        await thing.expose();
    });
    after(async () => {
        await servient.shutdown();
        setStaticAddress("127.0.0.1");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("writes every href with one pair of brackets, and serves HTTP and WebSocket on it", async function () {
        const [thing] = [
            ...(servient as unknown as { things: Map<string, { getThingDescription(): unknown }> }).things.values(),
        ];
        const td = thing.getThingDescription() as { properties: { level: { forms: { href: string }[] } } };
        const hrefs = td.properties.level.forms.map((f) => f.href);
        expect(hrefs.some((h) => h.startsWith("ws:"))).to.equal(true);
        for (const href of hrefs) expect(new URL(href).hostname, href).to.equal("[::1]");
        const http = hrefs.find((h) => h.startsWith("http:"))!;
        const res = await fetch(http);
        expect(res.status).to.equal(200);
        expect(await res.json()).to.equal(3);
        const ws = await TestWsClient.open(hrefs.find((h) => h.startsWith("ws:"))!);
        try {
            expect(await ws.request({ op: "readproperty" })).to.deep.include({ value: 3 });
        } finally {
            await ws.close();
        }
    });
});
