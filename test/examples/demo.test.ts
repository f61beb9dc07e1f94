import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Database } from "../../src/sqlite/database";
import { freeTcpPort, freeUdpPort } from "../helpers/free-port";
import { NodeProcess } from "../helpers/node-process";
import { tempDir } from "../helpers/vo-fixture";

describe("examples/demo (what `npm start` runs): the simulated device and a VO proxying it", function () {
    this.timeout(40_000);
    let dir: string;
    let demo: NodeProcess | undefined;
    afterEach(async () => {
        await demo?.stop("SIGKILL");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("prints what to try, serves the device through the VO, records it, and stops both on SIGTERM", async function () {
        dir = tempDir();
        const dbPath = path.join(dir, "demo.sqlite");
        const [httpPort, coapPort, devicePort] = [await freeTcpPort(), await freeUdpPort(), await freeUdpPort()];
        demo = new NodeProcess(["dist/examples/demo.js"], {
            DEMO_HTTP_PORT: String(httpPort),
            DEMO_COAP_PORT: String(coapPort),
            DEMO_DEVICE_PORT: String(devicePort),
            DEMO_SQLITE_PATH: dbPath,
        });
        await demo.waitForOutput("Ctrl-C stops both", 25_000);
        const base = `http://127.0.0.1:${httpPort}/environmentsensorvo`;
        expect(demo.output).to.include(
            `[device] simulated EnvironmentSensor at coap://127.0.0.1:${devicePort}/environmentsensor`
        );
        expect(demo.output).to.include(`curl ${base}/properties/temperature`);
        expect(demo.output).to.include(
            `coap-client -m get coap://127.0.0.1:${coapPort}/environmentsensorvo/properties/temperature`
        );
        expect(demo.output).to.include(`sqlite3 ${dbPath}`);

        const put = await fetch(`${base}/properties/label`, {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: JSON.stringify("from the test"),
        });
        expect(put.status).to.equal(204);
        expect(await (await fetch(`${base}/properties/label`)).json()).to.equal("from the test");

        expect(await demo.stop("SIGTERM")).to.equal(0);
        expect(demo.output).to.match(/\[vo\] Stopped \(SIGTERM\): \d+ interactions recorded, \d+ written, 0 dropped/);
        expect(demo.output).to.include("demo stopped (SIGTERM)");
        const db = await Database.open(dbPath);
        const rows = await db.all<{ op: string; protocol: string; value: string }>(
            "SELECT op, protocol, value FROM ts_interaction WHERE name = 'label' ORDER BY ts"
        );
        await db.close();
        expect(rows).to.deep.equal([
            { op: "writeproperty", protocol: "http", value: "from the test" },
            { op: "readproperty", protocol: "http", value: "from the test" },
        ]);
    });
});
