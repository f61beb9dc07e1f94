import fs from "node:fs";
import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { freeUdpPort } from "../helpers/free-port";
import { coapCall } from "../conformance/wire-clients";
import { startExampleVo } from "../helpers/example-vo";
import { deviceStateAt, NodeProcess, queryFile } from "../helpers/node-process";
import { ClientFixture, formIndex, startClient, tempDir, waitFor } from "../helpers/vo-fixture";

const DEVICE = "dist/examples/sensor-device.js";

interface Row {
    kind: string;
    name: string;
    op: string;
    protocol: string;
    ok: number;
    value: unknown;
    output: unknown;
    error: string | null;
    stale: number;
}

const via = (scheme: string, affordance: unknown, op?: string) => ({
    formIndex: formIndex(affordance as { forms: { href: string }[] }, scheme, op),
});

/** Values delivered to a subscription until `count` arrived; the subscription is stopped either way. */
async function collect(
    subscribe: (listener: WoT.WotListener) => Promise<WoT.Subscription>,
    count: number,
    what: string
): Promise<unknown[]> {
    const values: unknown[] = [];
    const sub = await subscribe(async (d) => void values.push(await d.value()));
    try {
        await waitFor(() => values.length >= count, 10_000, what);
    } finally {
        await sub.stop();
    }
    return values;
}

describe("examples as processes: the simulated CoAP device, the proxy VO, the history VO, the composite VO", function () {
    this.timeout(60_000);
    let dir: string;
    let devicePort: number;
    let device: NodeProcess;
    let proxyVo: NodeProcess;
    let proxyDb: string;
    let proxyBase: string;
    let proxyHttpPort: number;
    let proxyCoapBase: string;
    let client: ClientFixture;
    let mirror: WoT.ConsumedThing;
    let td: WoT.ThingDescription;
    const others: NodeProcess[] = [];

    const startDevice = async () => {
        device = new NodeProcess([DEVICE], { SENSOR_PORT: String(devicePort) });
        await device.waitForOutput("simulated EnvironmentSensor");
    };

    /** Rows the proxy VO recorded, once `ready` holds of them (the VO writes in batches). */
    async function recorded(where: string, ready: (rows: Row[]) => boolean): Promise<Row[]> {
        let rows: Row[] = [];
        await waitFor(
            async () => {
                rows = await queryFile<Row>(
                    proxyDb,
                    `SELECT kind, name, op, protocol, ok, value, output, error, stale FROM ts_interaction WHERE ${where} ORDER BY ts`
                );
                return ready(rows);
            },
            10_000,
            `records where ${where}`
        );
        return rows;
    }

    before(async function () {
        dir = tempDir("node-wot-vo-examples-");
        devicePort = await freeUdpPort();
        await startDevice();
        const started = await startExampleVo(dir, "proxy-vo", {
            changes: [
                [["proxy", "td"], `coap://127.0.0.1:${devicePort}/environmentsensor`],
                [["liveness", "interval"], "300ms"],
                [["liveness", "timeout"], "300ms"],
            ],
        });
        ({ vo: proxyVo, dbPath: proxyDb } = started);
        const { httpPort, coapPort } = started;
        proxyHttpPort = httpPort;
        proxyCoapBase = `coap://127.0.0.1:${coapPort}/environmentsensorvo`;
        proxyBase = `http://127.0.0.1:${httpPort}/environmentsensorvo`;
        expect(proxyVo.output).to.include(
            `EnvironmentSensorVO: ${proxyBase}  coap://127.0.0.1:${coapPort}/environmentsensorvo`
        );
        expect(proxyVo.output).to.include("mirroring EnvironmentSensor as EnvironmentSensorVO");
        client = await startClient();
        td = await client.wot.requestThingDescription(proxyBase);
        mirror = await client.wot.consume(td);
    });

    after(async function () {
        await client?.close();
        for (const p of [...others, proxyVo, device]) await p?.stop("SIGKILL");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("proxy VO: reads, writes and actions over HTTP and CoAP reach the device and are recorded", async function () {
        for (const scheme of ["http", "coap"]) {
            const t = await mirror.readProperty("temperature", via(scheme, td.properties!.temperature));
            expect(await t.value()).to.be.a("number");
            await mirror.writeProperty("label", `via ${scheme}`, via(scheme, td.properties!.label, "writeproperty"));
            const label = await mirror.readProperty("label", via(scheme, td.properties!.label, "readproperty"));
            expect(await label.value()).to.equal(`via ${scheme}`); // the device holds it
            const offset = scheme === "http" ? 0.5 : 0.25;
            const out = await mirror.invokeAction("calibrate", { offset }, via(scheme, td.actions!.calibrate));
            expect(await out!.value()).to.deep.equal({ offset, applied: true });
        }
        const writes = await recorded("name = 'label' AND op = 'writeproperty'", (r) => r.length === 2);
        expect(writes.map((r) => [r.protocol, r.ok, r.value])).to.deep.equal([
            ["http", 1, "via http"],
            ["coap", 1, "via coap"],
        ]);
        const calls = await recorded("kind = 'action'", (r) => r.length === 2);
        expect(
            calls.map((r) => [r.name, r.protocol, JSON.parse(String(r.value)), JSON.parse(String(r.output))])
        ).to.deep.equal([
            ["calibrate", "http", { offset: 0.5 }, { offset: 0.5, applied: true }],
            ["calibrate", "coap", { offset: 0.25 }, { offset: 0.25, applied: true }],
        ]);
    });

    it("proxy VO: observing a property and subscribing to an event deliver over HTTP and CoAP, and are recorded", async function () {
        for (const scheme of ["http", "coap"]) {
            const changes = await collect(
                (l) =>
                    mirror.observeProperty(
                        "temperature",
                        l,
                        undefined,
                        via(scheme, td.properties!.temperature, "observeproperty")
                    ),
                2,
                `two temperature changes over ${scheme}`
            );
            for (const c of changes) expect(c).to.be.a("number");
        }
        // a large offset puts the simulated temperature above 26 °C: overheat every second
        await mirror.invokeAction("calibrate", { offset: 20 });
        try {
            for (const scheme of ["http", "coap"]) {
                const [event] = await collect(
                    (l) =>
                        mirror.subscribeEvent(
                            "overheat",
                            l,
                            undefined,
                            via(scheme, td.events!.overheat, "subscribeevent")
                        ),
                    1,
                    `an overheat over ${scheme}`
                );
                expect((event as { temperature: number }).temperature).to.be.above(26);
            }
        } finally {
            await mirror.invokeAction("calibrate", { offset: 0 });
        }
        const events = await recorded(
            "kind = 'event' AND name = 'overheat' AND op = 'emitevent'",
            (r) => r.length >= 2
        );
        expect(JSON.parse(String(events[0].value)).temperature).to.be.above(26);
        const changes = await recorded("name = 'temperature' AND op = 'propertychange'", (r) => r.length >= 4);
        expect(changes.every((r) => typeof r.value === "number")).to.equal(true);
    });

    it("history VO: a script's handlers, held values, its own SQLite table and the history API", async function () {
        const { vo, httpPort } = await startExampleVo(dir, "history-vo", {
            td: "room-log.td.json",
            changes: [[["periodicFunctions", "sample"], "1h"]], // the test sets occupancy itself
        });
        others.push(vo);
        const base = `http://127.0.0.1:${httpPort}/roomlog`;
        const json = { "content-type": "application/json" };
        expect(await (await fetch(`${base}/properties/occupancy`)).json()).to.equal(10); // setup's first value
        for (const n of [12, 7]) {
            const put = await fetch(`${base}/properties/occupancy`, { method: "PUT", headers: json, body: String(n) });
            expect(put.status).to.equal(204);
        }
        const refused = await fetch(`${base}/properties/occupancy`, { method: "PUT", headers: json, body: "1000" });
        expect(refused.status).to.be.within(400, 599); // above the TD's maximum
        const note = await fetch(`${base}/actions/addNote`, {
            method: "POST",
            headers: json,
            body: JSON.stringify({ text: "window 'open'; DROP TABLE room_note; --" }),
        });
        expect(await note.json()).to.deep.equal({ id: 1 });
        const notes = (await (await fetch(`${base}/properties/recentNotes`)).json()) as { text: string }[];
        expect(notes.map((n) => n.text)).to.deep.equal(["window 'open'; DROP TABLE room_note; --"]);
        // occupancyStats answers from the recorded writes (the VO flushes in batches)
        let stats: { minutes: number; peak: number; latest: number } = { minutes: 0, peak: 0, latest: 0 };
        await waitFor(
            async () => {
                stats = (await (await fetch(`${base}/properties/occupancyStats`)).json()) as typeof stats;
                // its three queries may straddle a batch of the VO's writes: wait for one answer that has them all
                return stats.latest === 7 && stats.peak === 12 && stats.minutes > 0;
            },
            10_000,
            "occupancyStats to see the writes"
        );
        expect(stats.minutes).to.be.within(1, 2); // the writes fall in one or two minute windows
        // a client's write crossing 40 is a change the script's propertyChanges sees: it emits crowded
        for (const n of [45, 46]) {
            await fetch(`${base}/properties/occupancy`, { method: "PUT", headers: json, body: String(n) });
        }
        let crowded: { items: { value: unknown }[] } = { items: [] };
        await waitFor(
            async () => {
                crowded = (await (await fetch(`${base}/events/crowded/history`)).json()) as typeof crowded;
                return crowded.items.length > 0;
            },
            10_000,
            "crowded to be recorded"
        );
        expect(crowded.items.map((i) => i.value)).to.deep.equal([{ occupancy: 45 }]); // once: 46 crosses nothing
        expect(await vo.stop()).to.equal(0);
        expect(vo.output).to.match(/Stopped \(SIGTERM\): \d+ interactions recorded, \d+ written, 0 dropped/);
    });

    it("composite VO: reads from two VOs, writes into one, relays their events", async function () {
        const { vo: room, httpPort: roomHttp } = await startExampleVo(dir, "history-vo", {
            td: "room-log.td.json",
            changes: [[["periodicFunctions", "sample"], "1h"]],
        });
        others.push(room);
        const { vo: composite, httpPort } = await startExampleVo(dir, "composite-vo", {
            td: "building.td.json",
            env: { ENVIRONMENT_VO_TD: proxyBase, ROOM_VO_TD: `http://127.0.0.1:${roomHttp}/roomlog` },
        });
        others.push(composite);
        expect(composite.output).to.include("relaying overheat of environment");
        expect(composite.output).to.include("relaying crowded of room");

        const building = await client.wot.consume(
            await client.wot.requestThingDescription(`http://127.0.0.1:${httpPort}/building`)
        );
        const comfort = (await (await building.readProperty("comfort")).value()) as Record<string, unknown>;
        expect(comfort.occupancy).to.equal(10);
        expect(comfort.temperature).to.be.a("number");
        const out = await building.invokeAction("note", "draughty");
        expect(await out!.value()).to.deep.equal({ id: 1 });
        const notes = (await (await fetch(`http://127.0.0.1:${roomHttp}/roomlog/properties/recentNotes`)).json()) as {
            text: string;
        }[];
        expect(notes[0].text).to.match(/^draughty \(-?\d+(\.\d+)? °C\)$/);

        await mirror.invokeAction("calibrate", { offset: 20 });
        try {
            const [alert] = await collect(
                (l) => building.subscribeEvent("alert", l),
                1,
                "an alert relayed from overheat"
            );
            expect(alert).to.deep.include({ source: "environment", event: "overheat" });
        } finally {
            await mirror.invokeAction("calibrate", { offset: 0 });
        }
        expect(await composite.stop()).to.equal(0);
        expect(await room.stop()).to.equal(0);
    });

    it("proxy VO: the device killed answers stale reads and refuses writes; restarted, it is relayed again", async function () {
        const humidity = async (scheme: string) =>
            (await mirror.readProperty("humidity", via(scheme, td.properties!.humidity))).value();
        const before = await humidity("http");
        await device.stop("SIGKILL");
        await waitFor(
            async () => (await deviceStateAt(proxyHttpPort)) === "lost",
            10_000,
            "the VO to count the device lost"
        );
        expect(await humidity("http")).to.equal(before);
        expect(await humidity("coap")).to.equal(before);
        const write = await fetch(`${proxyBase}/properties/label`, {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: JSON.stringify("while lost"),
        });
        // the device's fault, not the client's: 503 with a retry hint (was binding-http's 500)
        expect(write.status).to.equal(503);
        expect(write.headers.get("retry-after")).to.match(/^[1-9]\d*$/);
        expect(await write.text()).to.match(/is lost since .*: write of property "label" not forwarded/);
        const stale = await recorded("name = 'humidity' AND stale = 1", (r) => r.length === 2);
        expect(stale.map((r) => [r.protocol, r.ok, r.value])).to.deep.equal([
            ["http", 1, before],
            ["coap", 1, before],
        ]);
        // a stale read says so: Age counts from when the value was recorded
        const staleRead = await fetch(`${proxyBase}/properties/humidity`);
        expect(staleRead.status).to.equal(200);
        expect(staleRead.headers.get("age")).to.match(/^\d+$/);
        await staleRead.arrayBuffer();
        // over CoAP: 5.03 with Max-Age as the retry hint for a write, Max-Age 0 on a stale read
        const coapWrite = await coapCall(`${proxyCoapBase}/properties/label`, "PUT", {
            body: Buffer.from(JSON.stringify("while lost")),
            contentFormat: 50,
        });
        expect(coapWrite.code).to.equal("5.03");
        expect(coapWrite.headers["Max-Age"]).to.match(/^[1-9]\d*$/);
        expect(coapWrite.body.toString()).to.match(/is lost since .*: write of property "label" not forwarded/);
        const coapStale = await coapCall(`${proxyCoapBase}/properties/humidity`, "GET");
        expect(coapStale.code).to.equal("2.05");
        expect(coapStale.headers["Max-Age"]).to.equal("0");
        expect(proxyVo.output).to.match(/device lost: lost/);

        await startDevice(); // the same device, back on its port
        await waitFor(
            async () => (await deviceStateAt(proxyHttpPort)) === "alive",
            10_000,
            "the VO to count the device alive"
        );
        const fresh = await humidity("coap");
        expect(fresh).to.be.a("number");
        await mirror.invokeAction("calibrate", { offset: 20 });
        try {
            const [event] = await collect(
                (l) =>
                    mirror.subscribeEvent("overheat", l, undefined, via("coap", td.events!.overheat, "subscribeevent")),
                1,
                "an overheat relayed after the restart"
            );
            expect((event as { temperature: number }).temperature).to.be.above(26);
        } finally {
            await mirror.invokeAction("calibrate", { offset: 0 });
        }
        expect(await proxyVo.stop("SIGINT")).to.equal(0);
        expect(proxyVo.output).to.match(/Stopped \(SIGINT\): \d+ interactions recorded, \d+ written, 0 dropped/);
    });
});
