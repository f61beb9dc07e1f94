import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { expect } from "chai";
import { freeTcpPort, freeUdpPort } from "../helpers/free-port";
import { deviceStateAt, NodeProcess, queryFile } from "../helpers/node-process";
import { tempDir, waitFor } from "../helpers/vo-fixture";

/** Whether no process has this pid (a zombie still has one: the demo must have reaped its children). */
function gone(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return false;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "ESRCH";
    }
}

/** The process's exit code, or a failure with its output when it is still running after `ms`. */
async function exitCode(p: NodeProcess, ms: number): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still running after ${ms} ms\n--- output:\n${p.output}`)), ms);
    });
    try {
        return await Promise.race([p.exited(), late]);
    } finally {
        clearTimeout(timer);
    }
}

describe("examples/demo (what `npm start` runs): the simulated device and a VO proxying it", function () {
    this.timeout(40_000);
    let dir: string;
    let demo: NodeProcess | undefined;
    let restarted: NodeProcess | undefined;
    // the demo's children, killed after a failed test: a demo that does not stop them leaves them running
    let pids: number[] = [];
    afterEach(async () => {
        await demo?.stop("SIGKILL");
        await restarted?.stop("SIGKILL");
        for (const pid of pids) if (!gone(pid)) process.kill(pid, "SIGKILL");
        [demo, restarted, pids] = [undefined, undefined, []];
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Starts the demo on free ports and a temporary database. */
    async function startDemo(httpPort?: number): Promise<void> {
        dir = tempDir();
        demo = new NodeProcess(["dist/examples/demo.js"], {
            DEMO_HTTP_PORT: String(httpPort ?? (await freeTcpPort())),
            DEMO_COAP_PORT: String(await freeUdpPort()),
            DEMO_DEVICE_PORT: String(await freeUdpPort()),
            DEMO_SQLITE_PATH: path.join(dir, "demo.sqlite"),
        });
    }

    /** The pid the demo printed for a child, once it is printed. */
    async function childPid(name: "device" | "vo"): Promise<number> {
        const line = new RegExp(`^${name} started \\(pid (\\d+)\\)$`, "m");
        await demo!.waitForOutput(line);
        const pid = Number(line.exec(demo!.output)![1]);
        pids.push(pid);
        return pid;
    }

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
        expect(demo.output).to.include(`device (pid ${pid}) was killed by SIGKILL: the device exited`);
        expect(demo.running).to.equal(true); // the device's death is part of the demo, not its end
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

    it("says when the VO is killed (SIGKILL), stops the device and exits non-zero", async function () {
        await startDemo();
        await demo!.waitForOutput("Ctrl-C stops both", 25_000);
        const [devicePid, voPid] = [await childPid("device"), await childPid("vo")];
        process.kill(voPid, "SIGKILL");
        expect(await exitCode(demo!, 15_000))
            .to.be.a("number")
            .and.not.equal(0);
        expect(demo!.output).to.include(`vo (pid ${voPid}) was killed by SIGKILL`);
        expect(gone(devicePid), `device pid ${devicePid} still exists`).to.equal(true);
        expect(demo!.output).to.not.include("did not stop within", "the device stopped on SIGTERM, no SIGKILL");
        expect(demo!.output).to.not.include("will count it as lost", "the device's stop is not reported as a loss");
    });

    it("says when the VO exits on its own (SIGTERM sent to it, not to the demo), and exits non-zero", async function () {
        await startDemo();
        await demo!.waitForOutput("Ctrl-C stops both", 25_000);
        const [devicePid, voPid] = [await childPid("device"), await childPid("vo")];
        process.kill(voPid, "SIGTERM");
        expect(await exitCode(demo!, 15_000))
            .to.be.a("number")
            .and.not.equal(0);
        // how it ended is the VO's own business (a clean stop, or the signal itself when it came before the
        // VO's handler): the demo must say which child ended and how
        expect(demo!.output, demo!.output.slice(-2000)).to.match(
            new RegExp(`vo \\(pid ${voPid}\\) (exited with code 0|was killed by SIGTERM)`)
        );
        expect(gone(devicePid), `device pid ${devicePid} still exists`).to.equal(true);
        expect(demo!.output).to.not.include("demo stopped");
    });

    it("says when the VO cannot start (its HTTP port taken), stops the device and exits non-zero", async function () {
        // connections refused at once: the demo polls this port for the VO's TD, and close() waits for them
        const taken = net.createServer((socket) => socket.destroy());
        const httpPort = await freeTcpPort();
        await new Promise<void>((resolve) => taken.listen(httpPort, "127.0.0.1", resolve));
        try {
            await startDemo(httpPort);
            const [devicePid, voPid] = [await childPid("device"), await childPid("vo")];
            expect(await exitCode(demo!, 20_000))
                .to.be.a("number")
                .and.not.equal(0);
            expect(demo!.output).to.include(`vo (pid ${voPid}) exited with code 1`);
            expect(demo!.output).to.not.include("Ctrl-C stops both");
            expect(gone(devicePid), `device pid ${devicePid} still exists`).to.equal(true);
        } finally {
            await new Promise((resolve) => taken.close(resolve));
        }
    });
});
