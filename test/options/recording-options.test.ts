import { expect } from "chai";
import {
    DEFAULT_INFLUX_FLUSH_INTERVAL_MS,
    DEFAULT_WRITE_BUFFER_OPTIONS,
    resolveRecordingOptions,
} from "../../src/options/recording-options";
import { resolveOptions } from "../../src/options/vo-options";

const influxdb = { url: "http://127.0.0.1:8086", org: "wot", token: "t" };

describe("recording options: the write buffer's flush interval per store", function () {
    it("flushes every 200 ms into SQLite, every second into InfluxDB (fewer, larger write requests)", function () {
        expect(DEFAULT_WRITE_BUFFER_OPTIONS.flushIntervalMs).to.equal(200);
        expect(DEFAULT_INFLUX_FLUSH_INTERVAL_MS).to.equal(1000);
        expect(resolveOptions({}).writeBuffer.flushIntervalMs).to.equal(200);
        expect(resolveOptions({ influxdb }).writeBuffer.flushIntervalMs).to.equal(1000);
    });

    it("keeps a flush interval given explicitly, whatever the store", function () {
        expect(resolveOptions({ influxdb, recording: { flushIntervalMs: 200 } }).writeBuffer.flushIntervalMs).to.equal(
            200
        );
        expect(resolveOptions({ recording: { flushIntervalMs: 1500 } }).writeBuffer.flushIntervalMs).to.equal(1500);
    });

    it("changes nothing else of the write buffer for InfluxDB", function () {
        const sqlite = resolveRecordingOptions({}).writeBuffer;
        const influx = resolveRecordingOptions({}, true).writeBuffer;
        expect({ ...influx, flushIntervalMs: sqlite.flushIntervalMs }).to.deep.equal(sqlite);
    });
});
