import { expect } from "chai";
import { InvalidOptionsError } from "../../src";
import { resolveInfluxDbOptions } from "../../src/options/influxdb-options";

describe("InfluxDB options", function () {
    const resolve = (url: string, gzipThreshold?: number) =>
        resolveInfluxDbOptions({ url, token: "t", gzipThreshold }, {}).gzipThreshold;

    it("gzips request bodies over 1000 bytes, except to an InfluxDB on this machine", function () {
        expect(resolve("http://influx.example:8086")).to.equal(1000);
        expect(resolve("https://10.0.0.5:8086")).to.equal(1000);
        for (const local of [
            "http://127.0.0.1:8086",
            "http://127.8.9.1:8086",
            "http://localhost:8086",
            "http://[::1]:8086",
        ]) {
            expect(resolve(local), local).to.equal(Number.MAX_SAFE_INTEGER);
        }
        expect(resolve("http://127.0.0.1:8086", 200)).to.equal(200); // an explicit threshold wins
        expect(() => resolve("http://127.0.0.1:8086", -1)).to.throw(
            InvalidOptionsError,
            "node-wot-vo option influxdb.gzipThreshold: must be a positive number, got -1"
        );
    });

    it("takes layout per-kind or per-thing, leaves it unset to be found, and names a bad one with its path", function () {
        const layout = (value: unknown) =>
            resolveInfluxDbOptions({ url: "http://127.0.0.1:8086", token: "t", layout: value as never }, {}).layout;
        expect(layout("per-kind")).to.equal("per-kind");
        expect(layout("per-thing")).to.equal("per-thing");
        expect(layout(undefined)).to.equal(undefined);
        expect(() => layout("per-measurement")).to.throw(
            InvalidOptionsError,
            'node-wot-vo option influxdb.layout: must be one of "per-kind", "per-thing", got "per-measurement"'
        );
    });
});
