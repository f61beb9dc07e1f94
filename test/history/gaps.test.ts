import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { coapCall } from "../conformance/wire-clients";
import { freeTcpPort, freeUdpPort } from "../helpers/free-port";
import { expandHistory } from "../helpers/history-template";
import { freshBuckets, influxForTests, InfluxConnection, InfluxServer } from "../helpers/influxdb-server";
import { Influx1Server, ownInflux1Server } from "../helpers/influxdb1-server";
import { CLI, descriptorCopy, deviceStateAt, NodeProcess } from "../helpers/node-process";
import { tempDir, waitFor } from "../helpers/vo-fixture";
import { DEFAULT_HEARTBEAT_MS } from "../../src/options/vo-state-options";

const DEVICE = "dist/examples/sensor-device.js";
/** The liveness of the proxy VO under test: a killed device is suspect after one probe, lost after two. */
const PROBE = { intervalMs: 300, timeoutMs: 300, lostAfter: 2 };
/** Timers and process starts on a loaded 2-core machine run late by this much, at most. */
const SLACK_MS = 1500;

interface Gap {
    from: string;
    to: string;
    reason: "vo-down" | "device-lost";
    open?: boolean;
    clean?: boolean;
}
interface RawAnswer {
    items: { time: string; value: unknown }[];
    gaps: Gap[];
}
interface WindowAnswer {
    windows: { time: string; value: number | null; gap?: string }[];
}

const at = (iso: string): number => Date.parse(iso);

function expectWithin(iso: string, low: number, high: number, what: string): void {
    const t = at(iso);
    expect(t, `${what}: ${iso} within ${new Date(low).toISOString()} .. ${new Date(high).toISOString()}`).to.be.within(
        low,
        high
    );
}

/**
 * The proxy VO example run by the CLI (`node-wot-vo run`) in front of the simulated CoAP sensor,
 * both real processes on 127.0.0.1, with one descriptor and one SQLite file across restarts.
 */
class Rig {
    vo: NodeProcess | undefined;
    device: NodeProcess | undefined;

    constructor(
        readonly config: string,
        readonly httpPort: number,
        readonly devicePort: number,
        readonly env: NodeJS.ProcessEnv
    ) {}

    async startDevice(): Promise<void> {
        this.device = new NodeProcess([DEVICE], { SENSOR_PORT: String(this.devicePort) });
        await this.device.waitForOutput("simulated EnvironmentSensor");
    }

    /** Starts the VO; returns when it was spawned and when it said it serves. */
    async startVo(): Promise<{ spawnedAt: number; readyAt: number }> {
        const spawnedAt = Date.now();
        this.vo = new NodeProcess([CLI, "run", "--config", this.config, "examples/proxy-vo/script.js"], this.env);
        await this.vo.waitForOutput("Ctrl-C", 20_000);
        return { spawnedAt, readyAt: Date.now() };
    }

    /** Stops the VO with `signal`; returns when the signal was sent and when the process was gone. */
    async stopVo(signal: NodeJS.Signals): Promise<{ sentAt: number; goneAt: number }> {
        const sentAt = Date.now();
        await this.vo!.stop(signal);
        return { sentAt, goneAt: Date.now() };
    }

    /** The history hrefs (HTTP, CoAP) of an affordance of a Thing, from its served TD alone. */
    async hrefs(thing: string, property: string): Promise<{ http: string; coap: string }> {
        const td = (await (await fetch(`http://127.0.0.1:${this.httpPort}/${thing}`)).json()) as WoT.ThingDescription;
        const links = (td.properties![property] as unknown as { "vo:history": { href: string }[] })["vo:history"];
        const find = (scheme: string) => expandHistory(links.find((l) => l.href.startsWith(`${scheme}:`))!.href);
        return { http: find("http"), coap: find("coap") };
    }

    /** The gaps of one answer over HTTP only, for polling while they change. */
    async httpGaps(thing: string, property: string, query: string): Promise<Gap[]> {
        const { http } = await this.hrefs(thing, property);
        return ((await (await fetch(`${http}?${query}`)).json()) as RawAnswer).gaps;
    }

    /** One answer over HTTP and the same over CoAP; their gaps must agree. */
    async raw(thing: string, property: string, query: string): Promise<RawAnswer> {
        const { http, coap } = await this.hrefs(thing, property);
        const res = await fetch(`${http}?${query}`);
        const text = await res.text();
        expect(res.status, text).to.equal(200);
        const overHttp = JSON.parse(text) as RawAnswer;
        const answer = await coapCall(`${coap}?${query}`, "GET");
        expect(answer.code, answer.body.toString()).to.equal("2.05");
        const overCoap = JSON.parse(answer.body.toString()) as RawAnswer;
        expect(overCoap.gaps, "the same gaps over CoAP as over HTTP").to.deep.equal(overHttp.gaps);
        return overHttp;
    }

    async windows(thing: string, property: string, query: string): Promise<WindowAnswer> {
        const { http, coap } = await this.hrefs(thing, property);
        const res = await fetch(`${http}?${query}`);
        const text = await res.text();
        expect(res.status, text).to.equal(200);
        const overHttp = JSON.parse(text) as WindowAnswer;
        const answer = await coapCall(`${coap}?${query}`, "GET");
        expect(answer.code, answer.body.toString()).to.equal("2.05");
        const gapsOf = (a: WindowAnswer) => a.windows.filter((w) => w.gap !== undefined);
        expect(gapsOf(JSON.parse(answer.body.toString()) as WindowAnswer)).to.deep.equal(gapsOf(overHttp));
        return overHttp;
    }

    /** Waits until a relayed temperature change later than `ms` is in the history. */
    async dataAfter(ms: number): Promise<void> {
        const { http } = await this.hrefs("environmentsensorvo", "temperature");
        await waitFor(
            async () => ((await (await fetch(`${http}?from=${ms + 1}`)).json()) as RawAnswer).items.length > 0,
            15_000,
            `temperature points after ${new Date(ms).toISOString()}`
        );
    }

    async close(): Promise<void> {
        for (const p of [this.vo, this.device]) await p?.stop("SIGKILL");
    }
}

/** Every window lying wholly inside the gap says so with value null; no window without data lacks a gap. */
function expectGapWindows(answer: WindowAnswer, gap: Gap, everyMs: number): void {
    const inside = answer.windows.filter((w) => at(w.time) >= at(gap.from) && at(w.time) + everyMs <= at(gap.to));
    expect(inside.length, "windows wholly inside the gap").to.be.greaterThan(0);
    for (const w of inside) expect(w, w.time).to.deep.equal({ time: w.time, value: null, gap: gap.reason });
    for (const w of answer.windows) if (w.value === null) expect(w.gap, w.time).to.be.a("string");
    const outside = answer.windows.filter((w) => at(w.time) + everyMs <= at(gap.from) || at(w.time) >= at(gap.to));
    expect(
        outside.some((w) => w.value !== null && w.gap === undefined),
        "data windows around the gap"
    ).to.equal(true);
}

for (const store of ["embedded", "influxdb", "influxdb 1.8"] as const) {
    describe(`gaps in history: a proxy VO stopped, SIGKILLed, its device killed (real processes, ${store} store)`, function () {
        this.timeout(60_000);
        let dir: string;
        let rig: Rig;
        let influx: InfluxServer | Influx1Server | undefined;

        before(async function () {
            dir = tempDir("node-wot-vo-gaps-");
            const [httpPort, coapPort, devicePort] = [await freeTcpPort(), await freeUdpPort(), await freeUdpPort()];
            const changes: [string[], unknown][] = [
                [["http", "port"], httpPort],
                [["coap", "port"], coapPort],
                [["databaseConfig", "persistent", "sqlite", "path"], path.join(dir, "vo.sqlite")],
                [["proxy", "td"], `coap://127.0.0.1:${devicePort}/environmentsensor`],
                [["liveness", "interval"], `${PROBE.intervalMs}ms`],
                [["liveness", "timeout"], `${PROBE.timeoutMs}ms`],
                [["liveness", "lostAfter"], PROBE.lostAfter],
                [["liveness", "recoverAfter"], 1],
            ];
            const env: NodeJS.ProcessEnv = {};
            if (store !== "embedded") {
                let connection: InfluxConnection;
                if (store === "influxdb") ({ connection, server: influx } = await influxForTests(this));
                else connection = influx = await ownInflux1Server(this);
                changes.push([
                    ["databaseConfig", "timeseries", "influxdb"],
                    {
                        enabled: true,
                        url: connection.url,
                        org: connection.org,
                        tokenEnv: "GAPS_INFLUX_TOKEN",
                        buckets: freshBuckets(),
                    },
                ]);
                env.GAPS_INFLUX_TOKEN = connection.token;
            }
            const config = descriptorCopy("examples/proxy-vo/vo.yaml", path.join(dir, "vo.yaml"), changes);
            rig = new Rig(config, httpPort, devicePort, env);
            await rig.startDevice();
            await rig.startVo();
            expect(rig.vo!.output).to.include(store === "embedded" ? "time series: sqlite:" : "time series: influxdb:");
            await waitFor(async () => (await deviceStateAt(httpPort)) === "alive", 10_000, "the device alive");
        });

        after(async function () {
            await rig?.close();
            await influx?.stop();
            if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
        });

        it("a clean stop for a measured interval: one vo-down gap, clean, from the stop to the restart", async function () {
            const begin = Date.now();
            // temperature changes of the device are relayed every second: data before the stop
            await waitFor(
                async () => (await rig.raw("environmentsensorvo", "temperature", `from=${begin}`)).items.length >= 2,
                10_000,
                "temperature points before the stop"
            );
            const stop = await rig.stopVo("SIGTERM");
            expect(rig.vo!.output).to.include("Stopped (SIGTERM)");
            await new Promise((r) => setTimeout(r, 1500)); // the measured interval down
            const start = await rig.startVo();
            await rig.dataAfter(start.readyAt);
            const end = Date.now();

            const answer = await rig.raw("environmentsensorvo", "temperature", `from=${begin}&to=${end}&limit=1000`);
            expect(answer.gaps).to.have.length(1);
            const [gap] = answer.gaps;
            expect(gap).to.include({ reason: "vo-down", clean: true });
            expect(gap.open).to.equal(undefined);
            expectWithin(gap.from, stop.sentAt, stop.goneAt, "the gap starts at the clean stop");
            expectWithin(gap.to, start.spawnedAt, start.readyAt, "the gap ends at the restart");
            expect(at(gap.to) - at(gap.from)).to.be.within(1500, start.readyAt - stop.sentAt);
            for (const p of answer.items) {
                expect(
                    at(p.time) < at(gap.from) || at(p.time) >= at(gap.to),
                    `no point in the gap: ${p.time}`
                ).to.equal(true);
            }
            // the status Thing, which fronts no device, has the same vo-down gap
            const status = await rig.raw("vostatus", "status", `from=${begin}&to=${end}`);
            expect(status.gaps).to.deep.equal(answer.gaps);

            const windows = await rig.windows(
                "environmentsensorvo",
                "temperature",
                `from=${begin}&to=${end}&every=500ms&fn=count`
            );
            expectGapWindows(windows, gap, 500);
        });

        it("a SIGKILL: one vo-down gap, not clean, from the last heartbeat (at most its interval early) to the restart", async function () {
            const begin = Date.now();
            const kill = await rig.stopVo("SIGKILL");
            await new Promise((r) => setTimeout(r, 1000));
            const start = await rig.startVo();
            const end = Date.now() + 500;

            const answer = await rig.raw("environmentsensorvo", "label", `from=${begin}&to=${end}`);
            expect(answer.gaps).to.have.length(1);
            const [gap] = answer.gaps;
            expect(gap).to.include({ reason: "vo-down", clean: false });
            // the documented tolerance: the last heartbeat is at most one interval (plus timer lateness) before the kill
            expectWithin(
                gap.from,
                kill.sentAt - DEFAULT_HEARTBEAT_MS - SLACK_MS,
                kill.sentAt,
                "the gap starts at the last heartbeat"
            );
            expectWithin(gap.to, start.spawnedAt, start.readyAt, "the gap ends at the restart");
            expect(rig.vo!.output, "the restart noticed").to.not.include("Stopped (");
        });

        it("a device killed and restarted: one device-lost gap on the mirror, open while lost; none on the status Thing", async function () {
            await waitFor(async () => (await deviceStateAt(rig.httpPort)) === "alive", 10_000, "the device alive");
            const begin = Date.now();
            await rig.dataAfter(begin);
            const killedAt = Date.now();
            await rig.device!.stop("SIGKILL");
            // while it is lost, the gap is open and ends at the range's end
            const rangeEnd = Date.now() + 60_000;
            await waitFor(
                async () =>
                    (await rig.httpGaps("environmentsensorvo", "label", `from=${begin}&to=${rangeEnd}`)).length > 0,
                10_000,
                "an open device-lost gap"
            );
            const lostSeenAt = Date.now();
            const open = await rig.raw("environmentsensorvo", "label", `from=${begin}&to=${rangeEnd}`);
            expect(await deviceStateAt(rig.httpPort)).to.equal("lost");
            expect(open.gaps).to.have.length(1);
            expect(open.gaps[0]).to.include({
                reason: "device-lost",
                open: true,
                to: new Date(rangeEnd).toISOString(),
            });
            // the first failed probe that led to lost: at most one probe (interval + timeout) after the kill
            const firstProbeBound = killedAt + PROBE.intervalMs + PROBE.timeoutMs + SLACK_MS;
            expectWithin(
                open.gaps[0].from,
                killedAt,
                Math.min(firstProbeBound, lostSeenAt),
                "the gap starts at the first failed probe"
            );

            const restartAt = Date.now();
            await rig.startDevice();
            await waitFor(
                async () => {
                    const now = await rig.httpGaps(
                        "environmentsensorvo",
                        "label",
                        `from=${begin}&to=${Date.now() + 1}`
                    );
                    return now.length === 1 && now[0].open === undefined;
                },
                10_000,
                "the gap closed by the recovery"
            );
            const aliveSeenAt = Date.now();
            expect(await deviceStateAt(rig.httpPort)).to.equal("alive");
            await rig.dataAfter(aliveSeenAt);
            const end = Date.now();

            const answer = await rig.raw("environmentsensorvo", "temperature", `from=${begin}&to=${end}&limit=1000`);
            expect(answer.gaps).to.have.length(1);
            const [gap] = answer.gaps;
            expect(gap).to.deep.equal({ from: open.gaps[0].from, to: gap.to, reason: "device-lost" });
            expectWithin(gap.to, restartAt, aliveSeenAt, "the gap ends when the device is alive again");

            const windows = await rig.windows(
                "environmentsensorvo",
                "temperature",
                `from=${begin}&to=${end}&every=500ms&fn=mean`
            );
            expectGapWindows(windows, gap, 500);

            // the status Thing does not front the device: no gap
            expect((await rig.raw("vostatus", "device", `from=${begin}&to=${end}`)).gaps).to.deep.equal([]);

            // CSV: the gap as a row of its own, and windows with a gap column
            const { http } = await rig.hrefs("environmentsensorvo", "temperature");
            const csv = await (
                await fetch(`${http}?from=${begin}&to=${end}&limit=1000`, { headers: { accept: "text/csv" } })
            ).text();
            const lines = csv.split("\r\n");
            expect(lines[0]).to.match(/,stale,gap,gapTo,gapOpen$/);
            const gapRows = lines.filter((l) => l.includes(",device-lost,"));
            expect(gapRows).to.deep.equal([`${gap.from},,,,,,,,,,,,,device-lost,${gap.to},`]);
            const windowCsv = await (
                await fetch(`${http}?from=${begin}&to=${end}&every=500ms&fn=mean`, { headers: { accept: "text/csv" } })
            ).text();
            expect(windowCsv.split("\r\n")[0]).to.equal("time,value,gap");
            expect(windowCsv).to.match(/\r\n[^,]+Z,,device-lost\r\n/);
        });
    });
}
