import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { freeTcpPort, freeUdpPort } from "../helpers/free-port";
import { deviceStateAt, NodeProcess, queryFile } from "../helpers/node-process";
import { tempDir, waitFor } from "../helpers/vo-fixture";

describe("examples/demo (what `npm start` runs): the simulated device and a VO proxying it", function () {
    this.timeout(40_000);
    let dir: string;
    let demo: NodeProcess | undefined;
    let restarted: NodeProcess | undefined;
    afterEach(async () => {
        await demo?.stop("SIGKILL");
        await restarted?.stop("SIGKILL");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("prints what to try, serves the device through the VO, survives the device's death and return, stops on SIGTERM", async function () {
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
        const temperature = async () => {
            const res = await fetch(`${base}/properties/temperature`);
            expect(res.status).to.equal(200);
            return (await res.json()) as number;
        };
        expect(await temperature()).to.be.a("number");

        // the device killed under the running demo: the VO counts it lost and answers from its record
        const pid = Number(/simulated EnvironmentSensor at \S+ \(pid (\d+)\)/.exec(demo.output)![1]);
        process.kill(pid, "SIGKILL");
        await waitFor(
            async () => (await deviceStateAt(httpPort)) === "lost",
            15_000,
            "the VO to count the device lost"
        );
        const stale = await temperature(); // the last recorded value, marked stale
        await demo.waitForOutput("the device exited");
        // and restarted on its port: the VO counts it alive and forwards again
        restarted = new NodeProcess(["dist/examples/sensor-device.js"], { SENSOR_PORT: String(devicePort) });
        await restarted.waitForOutput("simulated EnvironmentSensor");
        await waitFor(
            async () => (await deviceStateAt(httpPort)) === "alive",
            15_000,
            "the VO to count the device alive"
        );
        expect(await temperature()).to.be.a("number");

        expect(await demo.stop("SIGTERM")).to.equal(0);
        expect(demo.output).to.match(/\[vo\] Stopped \(SIGTERM\): \d+ interactions recorded, \d+ written, 0 dropped/);
        expect(demo.output).to.include("demo stopped (SIGTERM)");
        const rows = await queryFile(
            dbPath,
            "SELECT op, protocol, value FROM ts_interaction WHERE name = 'label' ORDER BY ts"
        );
        expect(rows).to.deep.equal([
            { op: "writeproperty", protocol: "http", value: "from the test" },
            { op: "readproperty", protocol: "http", value: "from the test" },
        ]);
        expect(
            await queryFile(dbPath, "SELECT value FROM ts_interaction WHERE name = 'temperature' AND stale = 1")
        ).to.deep.equal([{ value: stale }]);
        const [before] = await queryFile(
            dbPath,
            `SELECT value FROM ts_interaction WHERE name = 'temperature' AND stale = 0 AND ok = 1
             AND ts < (SELECT ts FROM ts_interaction WHERE stale = 1) ORDER BY ts DESC LIMIT 1`
        );
        expect(before).to.deep.equal({ value: stale });
    });
});
