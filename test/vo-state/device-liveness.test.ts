import dgram from "node:dgram";
import { expect } from "chai";
import * as coap from "coap";
import { Servient } from "@node-wot/core";
import { HttpServer } from "@node-wot/binding-http";
import { InvalidOptionsError, VoPersistence } from "../../src";
import { Database } from "../../src/sqlite/database";
import type { DeviceStatusRow } from "../../src/vo-state/vo-state-tables";
import { freeTcpPort, freeUdpPort } from "../helpers/free-port";
import { startVo, tempDir, VoFixture, waitFor } from "../helpers/vo-fixture";

const VO_THING = "urn:node-wot-vo:status";
const FAST = { intervalMs: 100, timeoutMs: 150, retries: 0, suspectAfter: 1, lostAfter: 3, recoverAfter: 2 };

/** A plain CoAP device (the `coap` package, no node-wot) on a fixed port, which can be stopped and restarted. */
class CoapDevice {
    private server: coap.Server | undefined;
    constructor(readonly port: number) {}
    start(): Promise<void> {
        this.server = coap.createServer((_req, res) => res.end("21.5"));
        return new Promise((resolve) => this.server!.listen(this.port, "127.0.0.1", () => resolve()));
    }
    stop(): Promise<void> {
        return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    }
}

async function deviceRows(vo: VoFixture): Promise<DeviceStatusRow[]> {
    return (await vo.vo.sqliteDb.executeQuery("SELECT * FROM device_status ORDER BY id")) as DeviceStatusRow[];
}

describe("device liveness (real devices on 127.0.0.1)", function () {
    this.timeout(20_000);
    let vo: VoFixture | undefined;
    afterEach(async () => {
        await vo?.close();
        vo = undefined;
    });

    it("a CoAP device: alive, stopped -> lost within the bound, restarted -> recovered; rows, events, property", async function () {
        const device = new CoapDevice(await freeUdpPort());
        await device.start();
        vo = await startVo({
            vo: { thing: {}, selfCheckIntervalMs: 0, device: { url: `coap://127.0.0.1:${device.port}`, ...FAST } },
        });
        await waitFor(() => vo!.vo.state.deviceLiveness.state === "alive", 3000, "alive");

        await device.stop();
        const stoppedAt = Date.now();
        await waitFor(() => vo!.vo.state.deviceLiveness.state === "lost", 5000, "lost");
        // bound: lostAfter probes, each at most interval + timeout apart
        expect(Date.now() - stoppedAt).to.be.below(FAST.lostAfter * (FAST.intervalMs + FAST.timeoutMs) + 1000);

        await device.start();
        await waitFor(() => vo!.vo.state.deviceLiveness.state === "alive", 5000, "recovered");
        await device.stop();

        const rows = await deviceRows(vo);
        expect(rows.map((r) => [r.previous, r.state, r.status])).to.deep.equal([
            ["unknown", "alive", 1],
            ["alive", "suspect", 0], // as vo-wot writes it: the device did not answer
            ["suspect", "lost", 0],
            ["lost", "alive", 1],
        ]);
        expect(rows[2].reason).to.match(/^lost: no answer to a CoAP ping from 127\.0\.0\.1:\d+ within 150 ms$/);
        expect(rows[3].reason).to.match(/^recovered: CoAP (reset|response) from 127\.0\.0\.1:\d+$/);
        expect(rows.every((r) => r.device === `coap://127.0.0.1:${device.port}`)).to.equal(true);

        // the same transitions as events of the VO Thing, recorded in the time series
        await vo.vo.flush();
        const events = await vo.vo.history({ thing: VO_THING, kind: "event", name: "deviceStatusChange" });
        expect(events.map((e) => (e.value as { event: string }).event)).to.deep.equal([
            "alive",
            "suspect",
            "lost",
            "recovered",
        ]);
        const current = await vo.vo.latest(VO_THING, "device");
        expect(current?.value).to.include({ state: "alive" });
    });

    it("a node-wot device over HTTP: stopped -> lost, restarted on its port -> recovered", async function () {
        const port = await freeTcpPort();
        const startDevice = async () => {
            const servient = new Servient();
            servient.addServer(new HttpServer({ port, address: "127.0.0.1" }));
            const wot = await servient.start();
            const thing = await wot.produce({ title: "Lamp", properties: { on: { type: "boolean" } } } as never);
            thing.setPropertyReadHandler("on", async () => true);
            await thing.expose();
            return servient;
        };
        let device = await startDevice();
        vo = await startVo({ vo: { device: { url: `http://127.0.0.1:${port}/lamp`, ...FAST } } });
        await waitFor(() => vo!.vo.state.deviceLiveness.state === "alive", 3000, "alive");
        await device.shutdown();
        await waitFor(() => vo!.vo.state.deviceLiveness.state === "lost", 5000, "lost");
        expect((await deviceRows(vo)).at(-1)?.reason).to.match(
            /^lost: HTTP probe of 127\.0\.0\.1:\d+ failed: ECONNREFUSED$/
        );
        device = await startDevice();
        await waitFor(() => vo!.vo.state.deviceLiveness.state === "alive", 5000, "recovered");
        expect((await deviceRows(vo)).at(-1)?.reason).to.match(/^recovered: HTTP 200 from/);
        await device.shutdown();
    });

    it("a blackholed device (a UDP port that swallows everything) is lost; one that answers garbage too", async function () {
        const blackhole = dgram.createSocket("udp4");
        const garbage = dgram.createSocket("udp4");
        garbage.on("message", (_m, from) => garbage.send(Buffer.from("\xff\x00garbage"), from.port, from.address));
        await Promise.all([
            new Promise<void>((r) => blackhole.bind(0, "127.0.0.1", r)),
            new Promise<void>((r) => garbage.bind(0, "127.0.0.1", r)),
        ]);
        try {
            for (const socket of [blackhole, garbage]) {
                const v = await startVo({
                    vo: { device: { url: `coap://127.0.0.1:${socket.address().port}`, ...FAST } },
                });
                try {
                    await waitFor(() => v.vo.state.deviceLiveness.state === "lost", 5000, "lost");
                    const rows = await deviceRows(v);
                    expect(rows.map((r) => r.state)).to.deep.equal(["suspect", "lost"]);
                } finally {
                    await v.close();
                }
            }
        } finally {
            blackhole.close();
            garbage.close();
        }
    });

    it("a wall-clock jump, forwards or back, neither changes the state nor stalls the probes", async function () {
        const device = new CoapDevice(await freeUdpPort());
        await device.start();
        const realNow = Date.now;
        try {
            vo = await startVo({ vo: { device: { url: `coap://127.0.0.1:${device.port}`, ...FAST } } });
            await waitFor(() => vo!.vo.state.deviceLiveness.state === "alive", 3000, "alive");
            for (const jump of [3_600_000, -7_200_000]) {
                Date.now = () => realNow() + jump; // what an NTP step or a manual clock change looks like to Date
                await new Promise((r) => setTimeout(r, 10 * FAST.intervalMs));
                expect(vo.vo.state.deviceLiveness.state, `after a jump of ${jump} ms`).to.equal("alive");
            }
            expect((await deviceRows(vo)).map((r) => r.state)).to.deep.equal(["alive"]);
            // with the clock still two hours back, the probes go on: a stopped device is lost in time
            await device.stop();
            await waitFor(() => vo!.vo.state.deviceLiveness.state === "lost", 5000, "lost while the clock is back");
        } finally {
            Date.now = realNow;
            await device.stop();
        }
    });

    it("passive evidence keeps a device alive and teaches the VO its address", async function () {
        vo = await startVo({ vo: { deviceIp: "192.0.2.10" } });
        expect(await vo.vo.state.deviceIp()).to.equal("192.0.2.10");
        await vo.vo.state.deviceActivity("[2001:db8::7]:5683");
        await vo.vo.state.deviceActivity("[2001:db8::7]:40000"); // same address: no new row
        expect(await vo.vo.state.deviceIp()).to.equal("2001:db8::7");
        const rows = await vo.vo.sqliteDb.executeQuery("SELECT device_ip, source FROM info ORDER BY id");
        expect(rows).to.deep.equal([
            { device_ip: "192.0.2.10", source: "configuration" },
            { device_ip: "2001:db8::7", source: "learned from a push" },
        ]);
    });

    it("refuses an invalid device URL at attach, naming it", async function () {
        for (const url of ["not a url", "ftp://127.0.0.1/x", "coap://"]) {
            const servient = new Servient();
            let err: Error | undefined;
            await VoPersistence.attach(servient, {
                sqlite: { path: `${tempDir()}/vo.sqlite` },
                vo: { device: { url } },
            }).catch((e: Error) => (err = e));
            expect(err, url).to.be.instanceOf(InvalidOptionsError);
            expect(err!.message).to.include(JSON.stringify(url));
        }
    });
});

describe("VO self-check (its real ports, every interval)", function () {
    this.timeout(20_000);

    it("appends rows while healthy, then degraded and failed as its servers stop", async function () {
        const vo = await startVo({ vo: { thing: {}, selfCheckIntervalMs: 100, selfCheckTimeoutMs: 300 } });
        try {
            const rows = async () =>
                (await vo.vo.sqliteDb.executeQuery("SELECT status, state, detail FROM vo_status ORDER BY id")) as {
                    status: number;
                    state: string;
                    detail: string;
                }[];
            await waitFor(async () => (await rows()).length >= 3, 5000, "three self-check rows");
            const ok = await rows();
            // status as vo-wot's vo_status() writes it (1 the VO answers, 0 not), the state beside it
            expect(ok.every((r) => r.status === 1 && r.state === "ok")).to.equal(true);
            const detail = JSON.parse(ok[0].detail) as { status: string; checks: Record<string, { ok: boolean }> };
            expect(detail.status).to.equal("ok");
            expect(Object.keys(detail.checks)).to.have.members(["http", "coap", "sqlite", "timeseries"]);
            expect((detail.checks.http as { detail?: string }).detail).to.equal(
                `HTTP 200 from 127.0.0.1:${vo.httpPort}`
            );

            const [http, coapServer] = vo.servient.getServers();
            await coapServer.stop();
            await waitFor(async () => (await rows()).at(-1)?.state === "degraded", 5000, "degraded");
            expect((await rows()).at(-1)?.status).to.equal(1);
            const degraded = JSON.parse((await rows()).at(-1)!.detail) as {
                checks: Record<string, { ok: boolean; detail: string }>;
            };
            expect(degraded.checks.coap.ok).to.equal(false);
            await http.stop();
            await waitFor(async () => (await rows()).at(-1)?.state === "failed", 5000, "failed");
            expect((await rows()).at(-1)?.status).to.equal(0);
            expect(vo.vo.state.status?.status).to.equal("failed");

            await vo.vo.flush();
            const changes = await vo.vo.history({ thing: VO_THING, kind: "event", name: "statusChange" });
            expect(changes.map((c) => (c.value as { status: string }).status)).to.deep.equal([
                "ok",
                "degraded",
                "failed",
            ]);
        } finally {
            await vo.close();
        }
    });

    it("keeps history under its retention bound", async function () {
        const vo = await startVo({ vo: { selfCheckIntervalMs: 0, keepStatusRows: 5 } });
        try {
            for (let i = 0; i < 12; i++) await vo.vo.state.selfCheck();
            const [{ n, first }] = (await vo.vo.sqliteDb.executeQuery(
                "SELECT COUNT(*) AS n, MIN(id) AS first FROM vo_status"
            )) as {
                n: number;
                first: number;
            }[];
            expect([n, first]).to.deep.equal([5, 8]);
        } finally {
            await vo.close();
        }
    });
});

describe("observers at start", function () {
    it("closes entries a crash left open", async function () {
        const file = `${tempDir()}/vo.sqlite`;
        const first = await startVo({ sqlite: { path: file } });
        await first.close();
        // what a VO killed mid-subscription leaves behind: a row never ended
        const db = await Database.open(file);
        await db.run(
            "INSERT INTO observer (ip, protocol, thing, affordance, op, started_at) VALUES ('127.0.0.1', 'http', 't', 'e', 'subscribeevent', '2026-01-01 00:00:00')"
        );
        await db.close();
        const second = await startVo({ sqlite: { path: file } });
        try {
            expect(await second.vo.state.listObservers()).to.deep.equal([]);
            expect(await second.vo.sqliteDb.executeQuery("SELECT end_reason FROM observer")).to.deep.equal([
                { end_reason: "VO restarted" },
            ]);
        } finally {
            await second.close();
        }
    });
});
