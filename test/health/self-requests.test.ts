import { expect } from "chai";
import { exposeSensor, formIndex, startClient, startVo, VoFixture } from "../helpers/vo-fixture";

/** Rows recorded by a protocol (the VO's own emissions, `local`, left out), by Thing, name, op and protocol. */
async function remoteRows(fx: VoFixture): Promise<object[]> {
    await fx.vo.flush();
    return fx.vo.sqliteDb.executeQuery(
        "SELECT thing, name, op, protocol, count(*) AS n FROM ts_interaction WHERE protocol <> 'local' " +
            "GROUP BY thing, name, op, protocol"
    );
}

describe("what the VO asks of itself is not recorded", function () {
    this.timeout(30_000);
    let fx: VoFixture | undefined;

    afterEach(async () => fx?.close());

    it("records none of the self-check's probes of its HTTP and CoAP ports, /metrics, /livez, /readyz or TD reads; a client's CoAP read is recorded", async function () {
        fx = await startVo({ vo: { selfCheckIntervalMs: 100 } });
        await exposeSensor(fx);
        const base = `http://127.0.0.1:${fx.httpPort}`;
        const client = await startClient();
        try {
            // twenty self-checks, each asking both servers through their real ports
            await new Promise((r) => setTimeout(r, 2000));
            const status = fx.vo.state.status!;
            expect(status.status).to.equal("ok");
            expect(Object.keys(status.checks)).to.include.members(["http", "coap"]);
            for (const path of ["/metrics", "/livez", "/readyz", "/", "/vostatus", "/sensor"]) {
                expect((await fetch(`${base}${path}`)).status, path).to.equal(200);
            }
            const td = await client.wot.requestThingDescription(`coap://127.0.0.1:${fx.coapPort}/sensor`);
            expect(await remoteRows(fx)).to.deep.equal([]);

            const sensor = await client.wot.consume(td);
            const coap = formIndex(td.properties!.temperature as never, "coap");
            expect(await (await sensor.readProperty("temperature", { formIndex: coap })).value()).to.equal(21.5);
            expect(await remoteRows(fx)).to.deep.equal([
                { thing: "urn:test:sensor", name: "temperature", op: "readproperty", protocol: "coap", n: 1 },
            ]);
        } finally {
            await client.close();
        }
    });
});
