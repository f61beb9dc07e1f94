import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Database } from "../../src/sqlite/database";
import { freeTcpPort, freeUdpPort } from "../helpers/free-port";
import { tempDir, waitFor } from "../helpers/vo-fixture";

const DEMO = path.join(__dirname, "..", "..", "examples", "demo-vo.js");

describe("examples/demo-vo (what `npm start` runs)", function () {
    this.timeout(30_000);
    let dir: string;
    let child: ChildProcess | undefined;
    afterEach(() => {
        child?.kill("SIGKILL");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("serves the sensor over HTTP and CoAP, records interactions, and flushes on SIGTERM", async function () {
        dir = tempDir();
        const dbPath = path.join(dir, "demo.sqlite");
        const [httpPort, coapPort] = [await freeTcpPort(), await freeUdpPort()];
        let out = "";
        child = spawn(process.execPath, [DEMO], {
            env: {
                ...process.env,
                VO_HTTP_PORT: String(httpPort),
                VO_COAP_PORT: String(coapPort),
                VO_SQLITE_PATH: dbPath,
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        child.stdout!.on("data", (d) => (out += d));
        child.stderr!.on("data", (d) => (out += d));
        await waitFor(() => out.includes("Ctrl-C"), 15_000, "the demo to start");
        expect(out).to.include(`http://127.0.0.1:${httpPort}/environmentsensor`);
        expect(out).to.include(`coap://127.0.0.1:${coapPort}/environmentsensor`);
        expect(out).to.include(`sqlite:${dbPath}`);

        const base = `http://127.0.0.1:${httpPort}/environmentsensor`;
        const put = await fetch(`${base}/properties/label`, {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: JSON.stringify("from the test"),
        });
        expect(put.status).to.be.within(200, 204);
        expect(await (await fetch(`${base}/properties/label`)).json()).to.equal("from the test");

        const exited = new Promise<number | null>((resolve) => child!.once("exit", resolve));
        child.kill("SIGTERM");
        expect(await exited).to.equal(0);
        expect(out).to.match(/Stopped \(SIGTERM\): \d+ interactions recorded, \d+ written, 0 dropped/);

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
