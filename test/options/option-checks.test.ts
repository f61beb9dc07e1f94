import { expect } from "chai";
import { InvalidOptionsError } from "../../src/model/errors";
import { allProtocols, PROTOCOL_SCHEMES } from "../../src/protocols";
import { delayMs, hostPort, integer, list, oneOf, port, text, url } from "../../src/options/option-checks";
import { DEVICE_URL_SCHEMES } from "../../src/options/vo-state-options";

/** The message of what `check` throws. */
function refused(check: () => unknown): InvalidOptionsError {
    try {
        check();
    } catch (err) {
        expect(err).to.be.instanceOf(InvalidOptionsError);
        return err as InvalidOptionsError;
    }
    throw new Error("accepted");
}

describe("the option checks: one kit, each refusal naming its path", function () {
    it("numbers: the default when absent, the path and the value when wrong", function () {
        expect(integer(undefined, "a.b", 7)).to.equal(7);
        const e = refused(() => integer("x", "influxdb.batchSize", 1));
        expect([e.path, e.problem, e.message]).to.deep.equal([
            "influxdb.batchSize",
            'must be a positive integer, got "x"',
            'node-wot-vo option influxdb.batchSize: must be a positive integer, got "x"',
        ]);
        expect(refused(() => integer(-1, "vo.device.retries", 1, 0)).problem).to.equal(
            "must be an integer >= 0, got -1"
        );
        expect(refused(() => port(65536, "websocket.port")).problem).to.equal(
            "must be an integer from 0 to 65535, got 65536"
        );
        expect(refused(() => delayMs(2 ** 31, "mqtt.connectTimeoutMs", 1)).problem).to.match(/^must be at most/);
    });

    it("lists: each item checked at its own index", function () {
        const words = (v: unknown) => list(v, "a.list", ["d"], (w, at) => text(w, at, undefined) as string);
        expect(words(undefined)).to.deep.equal(["d"]);
        expect(words(["x", "y"])).to.deep.equal(["x", "y"]);
        expect(refused(() => words("x")).message).to.equal('node-wot-vo option a.list: must be a list, got "x"');
        expect(refused(() => words(["x", ""])).path).to.equal("a.list[1]");
    });

    it("words, URLs and addresses", function () {
        expect(refused(() => oneOf("x", "recording.acknowledge", ["a", "b"], "a")).problem).to.equal(
            'must be one of "a", "b", got "x"'
        );
        expect(refused(() => text("", "sqlite.path", "d")).problem).to.equal("must be a non-empty string");
        const rule = { schemes: ["http:"], what: "an http:// URL", noCredentials: "must not carry credentials" };
        expect(url("http://h:1/p", "u", rule).port).to.equal("1");
        expect(refused(() => url("ftp://h", "u", rule)).problem).to.equal("must be an http:// URL, got ftp://");
        const secret = refused(() => url("http://u:SECRET@h", "u", rule));
        expect(secret.message).to.not.include("SECRET");
        expect(hostPort(" ::1 ")).to.equal(undefined);
        expect(hostPort("[::1]:8080")).to.equal("[::1]:8080");
        expect(hostPort("vo.example:0")).to.equal(undefined);
    });

    it("a device URL may have the schemes the protocols probe, and push:", function () {
        const probed = allProtocols().flatMap((p) => p.schemes.map((s) => `${s}:`));
        expect(allProtocols().flatMap((p) => p.schemes)).to.deep.equal(PROTOCOL_SCHEMES); // the table as the faces say
        expect(DEVICE_URL_SCHEMES).to.have.members([...probed, "push:"]);
    });
});
