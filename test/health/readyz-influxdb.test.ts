import { expect } from "chai";
import { freshBuckets, InfluxServer, ownInfluxServer } from "../helpers/influxdb-server";
import { Influx1Server, ownInflux1Server } from "../helpers/influxdb1-server";
import { sampleOf } from "../helpers/exposition";
import { checkMetrics, promtoolFor } from "../helpers/promtool";
import { exposeSensor } from "../helpers/sensor-thing";
import { startVo, VoFixture } from "../helpers/vo-fixture";
import { httpRequest, RawAnswer } from "../protocols/http/http-helpers";
import { coapRequest } from "../protocols/coap/coap-clients";

for (const engine of ["2.x", "1.8"] as const) {
    describe(`/readyz and /metrics with InfluxDB (a real influxd ${engine}, killed and restarted)`, function () {
        this.timeout(120_000);
        let influx: InfluxServer | Influx1Server;
        let vo: VoFixture;
        const url = (p: string) => `http://127.0.0.1:${vo.httpPort}/${p}`;

        before(async function () {
            influx = engine === "2.x" ? await ownInfluxServer(this) : await ownInflux1Server(this);
            const { url: influxUrl, org, token } = influx;
            vo = await startVo({ influxdb: { url: influxUrl, org, token, buckets: freshBuckets() } });
            await exposeSensor(vo.wot);
        });
        after(async function () {
            await vo?.close();
            await influx?.stop();
        });

        async function readyzUntil(status: number, ms = 40_000): Promise<RawAnswer> {
            const deadline = Date.now() + ms;
            let answer = await httpRequest(url("readyz"));
            while (answer.status !== status && Date.now() < deadline) {
                await new Promise((r) => setTimeout(r, 250));
                answer = await httpRequest(url("readyz"));
            }
            return answer;
        }

        it("is ready while InfluxDB answers, 503 naming influxdb while it is down, ready again once it is back", async function () {
            const ready = await httpRequest(url("readyz"));
            expect(ready.status, ready.body.toString()).to.equal(200);
            expect(ready.body.toString()).to.match(/^\[\+\]influxdb ok: InfluxDB answers; 0 points spooled$/m);

            await influx.kill();
            const down = await httpRequest(url("readyz"));
            expect(down.status).to.equal(503);
            expect(down.headers["retry-after"]).to.equal("5");
            expect(down.body.toString()).to.match(
                /^\[-\]influxdb failed: InfluxDB unreachable: ECONNREFUSED; \d+ points spooled$/m
            );
            expect(down.body.toString()).to.not.include(influx.token);
            // records are still taken (spooled): only InfluxDB is named
            expect(down.body.toString()).to.match(/^\[\+\]timeseries ok:/m);

            // interactions while it is down go to the spool, which the metrics show
            for (let i = 0; i < 3; i++) await httpRequest(url("environmentsensor/properties/temperature"));
            expect(
                (await coapRequest(`coap://127.0.0.1:${vo.coapPort}/environmentsensor/properties/humidity`)).code
            ).to.equal("2.05");
            let metrics = "";
            for (let i = 0; i < 50 && !(sampleOf(metrics, "nodewotvo_spool_points")! > 0); i++) {
                await new Promise((r) => setTimeout(r, 100));
                metrics = (await httpRequest(url("metrics"))).body.toString();
            }
            expect(sampleOf(metrics, "nodewotvo_spool_points")).to.be.at.least(4);
            expect(sampleOf(metrics, "nodewotvo_spool_bytes")).to.be.above(0);
            expect(sampleOf(metrics, "nodewotvo_influxdb_reachable")).to.equal(0);
            expect(sampleOf(metrics, "nodewotvo_influxdb_lost_points_total")).to.equal(0);
            expect(metrics).to.not.include(influx.token);
            const promtool = promtoolFor(this);
            const lint = await checkMetrics(promtool, metrics);
            expect(lint.output, "promtool's findings").to.equal("");
            expect(lint.code).to.equal(0);

            await influx.restart();
            const back = await readyzUntil(200);
            expect(back.status, back.body.toString()).to.equal(200);
            await vo.vo.flush();
            const after = (await httpRequest(url("metrics"))).body.toString();
            expect(sampleOf(after, "nodewotvo_spool_points")).to.equal(0);
            expect(sampleOf(after, "nodewotvo_influxdb_reachable")).to.equal(1);
        });
    });
}
