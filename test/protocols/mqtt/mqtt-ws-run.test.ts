import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { freeTcpPort } from "../../helpers/free-port";
import { Mosquitto } from "../../helpers/mosquitto";
import { CLI, NodeProcess, queryFile, ROOT } from "../../helpers/node-process";
import { tempDir, waitFor } from "../../helpers/vo-fixture";
import { TestWsClient } from "../websocket/ws-clients";
import { TestMqttClient } from "./mqtt-clients";

const ROOM_TD = path.join(ROOT, "thing-descriptions", "room-log.td.json");

describe("node-wot-vo run with mqtt and websocket in its descriptor, the broker down at start", function () {
    this.timeout(60_000);
    let dir: string;
    let broker: Mosquitto | undefined;
    before(() => (dir = tempDir()));
    after(async function () {
        await broker?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("serves HTTP and WebSocket at once, connects to the broker once it is up, and records every protocol", async function () {
        const [http, ws, mqttPort] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
        const file = path.join(dir, "vo.yaml");
        fs.writeFileSync(
            file,
            [
                "name: room-vo",
                `http: { port: ${http} }`,
                "coap: false",
                `mqtt: { broker: "mqtt://127.0.0.1:${mqttPort}", connectTimeout: 500ms }`,
                `websocket: { port: ${ws} }`,
                "selfCheck: { interval: 0 }",
                "",
            ].join("\n")
        );
        const vo = new NodeProcess([CLI, "run", "--td", ROOM_TD, "-f", file]);
        try {
            await vo.waitForOutput("VO room-vo is running.");
            expect(vo.output).to.match(/MQTT broker 127\.0\.0\.1:\d+ is not reachable \(connect ECONNREFUSED/);
            expect((await fetch(`http://127.0.0.1:${http}/roomlog/properties/occupancy`)).status).to.equal(200);
            const socket = await TestWsClient.open(`ws://127.0.0.1:${ws}/roomlog/properties/occupancy`);
            try {
                expect(await socket.request({ op: "writeproperty", value: 3 })).to.deep.include({ ok: true });
                expect(await socket.request({ op: "readproperty" })).to.deep.include({ value: 3 });
            } finally {
                await socket.close();
            }

            broker = await Mosquitto.start({ port: mqttPort });
            const client = await TestMqttClient.connect(broker.url);
            try {
                // the VO connects by itself and announces the Thing: its TD, retained
                let td: { title?: string } = {};
                await waitFor(
                    async () => {
                        td = JSON.parse((await client.next("RoomLog", 1000).catch(() => Buffer.from("{}"))).toString());
                        return td.title === "RoomLog";
                    },
                    20_000,
                    "the TD at the broker"
                );
                const answer = await client.request("RoomLog/properties/occupancy/writeproperty", "7");
                expect(answer.status).to.equal(200);
            } finally {
                await client.end();
            }
            const res = await fetch(`http://127.0.0.1:${http}/roomlog/properties/occupancy`);
            expect(await res.json()).to.equal(7);
        } finally {
            expect(await vo.stop()).to.equal(0);
        }
        const db = path.join(dir, "data", "room-vo.sqlite");
        const rows = await queryFile<{ protocol: string; op: string }>(
            db,
            "SELECT DISTINCT protocol, op FROM ts_interaction WHERE name = 'occupancy' AND ok = 1 ORDER BY protocol, op"
        );
        expect(rows.map((r) => `${r.protocol} ${r.op}`)).to.include.members([
            "http readproperty",
            "mqtt writeproperty",
            "ws readproperty",
            "ws writeproperty",
        ]);
    });
});
