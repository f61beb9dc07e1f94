import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { expect } from "chai";
import { freeTcpPort } from "../helpers/free-port";
import { ROOT } from "../helpers/node-process";
import { startVo, tempDir, VoFixture, waitFor } from "../helpers/vo-fixture";
import { runPython, voWotPythonFor } from "../helpers/vo-wot-python";

const FUNCTIONS = path.join(ROOT, "test", "fixtures", "vo-wot", "status-functions.py");
const FAST = { intervalMs: 100, timeoutMs: 150, retries: 0, suspectAfter: 1, lostAfter: 2, recoverAfter: 1 };
/** How both write `timestamp`: SQLite's date and time, with a fraction of a second */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3,6}$/;

type Row = { id: number; timestamp: string; status: number };

/**
 * The seed's `vo_status` and `device_status` as vo-wot 0.19's own `vo_status()` and `device_status()` write them
 * (run from vo-wot's virtual environment, on vo-wot's own database) and as a node-wot-vo VO writes them for the
 * same states: the VO answering and not, the device answering and not.
 */
describe("vo_status and device_status read as vo-wot's own functions write them", function () {
    this.timeout(60_000);
    let vo: VoFixture | undefined;
    let device: http.Server | undefined;
    let dir: string | undefined;
    after(async () => {
        if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
        await vo?.close();
        await new Promise((resolve) => (device ? device.close(resolve) : resolve(undefined)));
    });

    it("1 for a VO or device that answers, 0 for one that does not, in the same three columns", async function () {
        const python = voWotPythonFor(this);
        device = http.createServer((_req, res) => res.end("21.5"));
        const devicePort = await freeTcpPort();
        await new Promise<void>((resolve) => device!.listen(devicePort, "127.0.0.1", resolve));
        const deviceUrl = `http://127.0.0.1:${devicePort}/`;
        const closed = await freeTcpPort();
        vo = await startVo({
            vo: { thing: {}, selfCheckIntervalMs: 100, selfCheckTimeoutMs: 300, device: { url: deviceUrl, ...FAST } },
        });
        const ours = async (table: string) =>
            (await vo!.vo.sqliteDb.executeQuery(`SELECT id, timestamp, status FROM ${table} ORDER BY id`)) as Row[];
        await waitFor(async () => (await ours("vo_status")).length > 0, 5000, "a self-check row");
        await waitFor(() => vo!.vo.state.deviceLiveness.state === "alive", 5000, "the device alive");

        // vo-wot's functions, on the same VO and device while both answer, and on a closed port
        dir = tempDir("node-wot-vo-vowot-status-");
        const dbFile = path.join(dir, "vo.db");
        const args = [dbFile, String(vo.httpPort), String(closed), deviceUrl, `http://127.0.0.1:${closed}/`];
        const run = await runPython(python, FUNCTIONS, args, 30_000);
        expect(run.code, run.stderr).to.equal(0);
        const theirs = JSON.parse(run.stdout.trim().split("\n").pop()!) as {
            rows: Record<string, [number, string, number][]>;
        };
        expect(theirs.rows.vo_status.map((r) => r[2])).to.deep.equal([1, 0]);
        expect(theirs.rows.device_status.map((r) => r[2])).to.deep.equal([1, 0]);

        // the VO's rows for the same states: answering now, then the device and the VO's own server stopped
        await new Promise((resolve) => device!.close(resolve));
        device = undefined;
        await waitFor(() => vo!.vo.state.deviceLiveness.state === "lost", 5000, "the device lost");
        for (const server of vo.servient.getServers()) await server.stop();
        await waitFor(async () => (await ours("vo_status")).at(-1)?.status === 0, 5000, "the VO failed");
        const voRows = await ours("vo_status");
        const deviceRows = await ours("device_status");
        expect(voRows[0].status).to.equal(1);
        expect(voRows.at(-1)!.status).to.equal(0);
        expect(deviceRows.map((r) => r.status)).to.include(1);
        expect(deviceRows.at(-1)!.status).to.equal(0);

        // the seed's columns first, in the seed's order, as vo-wot's positional rows fill them
        for (const table of ["vo_status", "device_status"]) {
            const columns = (await vo.vo.sqliteDb.executeQuery(`PRAGMA table_info(${table})`)) as { name: string }[];
            expect(columns.slice(0, 3).map((c) => c.name)).to.deep.equal(["id", "timestamp", "status"]);
        }
        // the same timestamp text: vo-wot's is Python's datetime (local time; UTC on this machine, as the VO's)
        for (const row of [...voRows, ...deviceRows]) expect(row.timestamp).to.match(TIMESTAMP);
        for (const [, timestamp] of [...theirs.rows.vo_status, ...theirs.rows.device_status]) {
            expect(timestamp).to.match(TIMESTAMP);
        }
    });
});
