import { expect } from "chai";
import { Mosquitto } from "../../helpers/mosquitto";
import { startVo, VoFixture, waitFor } from "../../helpers/vo-fixture";
import { TestMqttClient } from "./mqtt-clients";

const TOPIC = "devices/sensor 1/heartbeat";

describe("liveness of an MQTT device, probed by its broker and topic (real Mosquitto)", function () {
    this.timeout(30_000);
    let broker: Mosquitto;
    let vo: VoFixture | undefined;
    let device: TestMqttClient | undefined;
    let beat: NodeJS.Timeout | undefined;
    before(async () => (broker = await Mosquitto.start()));
    after(async function () {
        clearInterval(beat);
        await device?.end();
        await vo?.close();
        await broker?.stop();
    });

    it("alive while the device publishes on its topic, lost when it stops, alive again when it is back", async function () {
        device = await TestMqttClient.connect(broker.url, "sensor-1");
        const startBeating = () => (beat = setInterval(() => void device!.publish(TOPIC, "1", false), 50));
        startBeating();
        const url = `${broker.url}/${encodeURIComponent(TOPIC)}`;
        vo = await startVo({
            vo: {
                thing: {},
                selfCheckIntervalMs: 0,
                device: {
                    url,
                    intervalMs: 200,
                    timeoutMs: 500,
                    retries: 0,
                    suspectAfter: 1,
                    lostAfter: 2,
                    recoverAfter: 1,
                },
            },
        });
        await waitFor(() => vo!.vo.state.deviceLiveness.state === "alive", 5000, "alive");

        clearInterval(beat);
        await waitFor(() => vo!.vo.state.deviceLiveness.state === "lost", 8000, "lost");
        expect(vo.vo.state.deviceLiveness.reason).to.include(`no message on ${TOPIC} within 500 ms`);

        startBeating();
        await waitFor(() => vo!.vo.state.deviceLiveness.state === "alive", 8000, "recovered");
    });

    it("a broker that is not there is named as the reason", async function () {
        const gone = await Mosquitto.start();
        const url = `${gone.url}/x`;
        await gone.stop();
        await vo?.close();
        vo = await startVo({
            vo: {
                thing: false,
                selfCheckIntervalMs: 0,
                device: {
                    url,
                    intervalMs: 200,
                    timeoutMs: 500,
                    retries: 0,
                    suspectAfter: 1,
                    lostAfter: 1,
                    recoverAfter: 1,
                },
            },
        });
        await waitFor(() => vo!.vo.state.deviceLiveness.state === "lost", 8000, "lost");
        expect(vo.vo.state.deviceLiveness.reason).to.match(/broker 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    });
});
