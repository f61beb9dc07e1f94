import { expect } from "chai";
import { freshBuckets, InfluxServer, ownInfluxServer } from "../helpers/influxdb-server";
import { Influx1Server, ownInflux1Server } from "../helpers/influxdb1-server";
import { exposeSensor } from "../helpers/sensor-thing";
import { startVo, VoFixture } from "../helpers/vo-fixture";
import { coapRequest } from "../protocols/coap/coap-clients";

for (const engine of ["2.x", "1.8"] as const) {
    describe(`history while the store cannot answer (a real influxd ${engine}, killed and restarted)`, function () {
        this.timeout(90_000);
        let influx: InfluxServer | Influx1Server;
        let vo: VoFixture;

        before(async function () {
            influx = engine === "2.x" ? await ownInfluxServer(this) : await ownInflux1Server(this);
            const { url, org, token } = influx;
            vo = await startVo({ influxdb: { url, org, token, buckets: freshBuckets() } });
            await exposeSensor(vo.wot);
        });
        after(async function () {
            await vo?.close();
            await influx?.stop();
        });

        it("answers 503 with Retry-After over HTTP and 5.03 with Max-Age over CoAP, then 200 / 2.05 once it is back", async function () {
            const path = "environmentsensor/properties/temperature/history";
            const http = `http://127.0.0.1:${vo.httpPort}/${path}`;
            const coap = `coap://127.0.0.1:${vo.coapPort}/${path}`;
            expect((await fetch(http)).status).to.equal(200);

            await influx.kill();
            const down = await fetch(http);
            expect(down.status).to.equal(503);
            expect(down.headers.get("retry-after")).to.equal("5");
            expect(await down.text()).to.match(/^the time-series store cannot answer now: /);
            const coapDown = await coapRequest(coap);
            expect(coapDown.code).to.equal("5.03");
            expect(coapDown.headers["Max-Age"]).to.equal(5);
            expect(coapDown.text).to.match(/^the time-series store cannot answer now: /);
            expect(coapDown.text).to.not.include(influx.token);

            await influx.restart();
            expect((await fetch(http)).status).to.equal(200);
            expect((await coapRequest(coap)).code).to.equal("2.05");
        });
    });
}
