import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { InvalidOptionsError } from "../../../src/model/errors";
import { resolveOptions } from "../../../src/options/vo-options";
import { DescriptorError, parseDescriptor } from "../../../src/cli/descriptor";
import { tempDir } from "../../helpers/vo-fixture";

describe("MQTT and WebSocket options: attach options and the descriptor", function () {
    let dir: string;
    before(() => (dir = tempDir()));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const refusedOption = (o: object, env: NodeJS.ProcessEnv = {}): string => {
        try {
            resolveOptions(o, env);
        } catch (err) {
            expect(err).to.be.instanceOf(InvalidOptionsError);
            return (err as Error).message;
        }
        throw new Error("accepted");
    };

    it("reads the broker credentials from the environment or a file", function () {
        const file = path.join(dir, "pw");
        fs.writeFileSync(file, "from-file\n");
        const env = { U: "vo-user", P: "from-env" };
        expect(
            resolveOptions({ mqtt: { broker: "mqtt://127.0.0.1:1883", usernameEnv: "U", passwordEnv: "P" } }, env).mqtt
        ).to.include({
            uri: "mqtt://127.0.0.1:1883",
            username: "vo-user",
            password: "from-env",
        });
        expect(resolveOptions({ mqtt: { broker: "mqtts://broker.local", passwordFile: file } }, env).mqtt).to.include({
            uri: "mqtts://broker.local",
            password: "from-file",
        });
        expect(resolveOptions({ websocket: { port: 0 } }).websocket).to.deep.equal({ port: 0, address: undefined });
    });

    it("refuses a broker that is no mqtt URL, credentials in it (without echoing them), unset variables, bad ports", function () {
        expect(refusedOption({ mqtt: { broker: "http://127.0.0.1" } })).to.match(
            /mqtt\.broker: must be an mqtt:\/\/ or mqtts:\/\/ URL like mqtt:\/\/127\.0\.0\.1:1883, got http:\/\//
        );
        const withSecret = refusedOption({ mqtt: { broker: "mqtt://vo:hunter2@127.0.0.1" } });
        expect(withSecret).to.match(/mqtt\.broker: holds credentials/);
        expect(withSecret).to.not.include("hunter2");
        expect(refusedOption({ mqtt: { broker: "mqtt://127.0.0.1", passwordEnv: "NOPE" } })).to.equal(
            "node-wot-vo option mqtt.passwordEnv: names the environment variable NOPE, which is not set"
        );
        expect(
            refusedOption({ mqtt: { broker: "mqtt://127.0.0.1", passwordFile: path.join(dir, "missing") } })
        ).to.match(/mqtt\.passwordFile: cannot read .*missing: ENOENT/);
        expect(refusedOption({ websocket: { port: 70000 } })).to.match(
            /websocket\.port: must be an integer from 0 to 65535, got 70000/
        );
    });

    const descriptor = (text: string, env: NodeJS.ProcessEnv = {}) =>
        parseDescriptor(text, path.join(dir, "vo.yaml"), env);
    const problems = (text: string, env: NodeJS.ProcessEnv = {}): [string, string][] => {
        try {
            descriptor(text, env);
        } catch (err) {
            expect(err).to.be.instanceOf(DescriptorError);
            return (err as DescriptorError).problems.map((p) => [p.path, p.message]);
        }
        throw new Error("accepted");
    };

    it("the descriptor's mqtt and websocket keys become the attach options", function () {
        fs.writeFileSync(path.join(dir, "mqtt-pw"), "x\n");
        const c = descriptor(
            "name: a\nmqtt:\n    broker: mqtt://127.0.0.1:1883\n    usernameEnv: MQ_USER\n    passwordFile: mqtt-pw\n    connectTimeout: 2s\nwebsocket: { port: 9001 }\n",
            { MQ_USER: "u" }
        );
        expect(c.persistence.mqtt).to.deep.equal({
            broker: "mqtt://127.0.0.1:1883",
            usernameEnv: "MQ_USER",
            passwordFile: path.join(dir, "mqtt-pw"),
            connectTimeoutMs: 2000,
        });
        expect(c.persistence.websocket).to.deep.equal({ port: 9001, address: "127.0.0.1" });
        expect(descriptor("name: a\nmqtt: false\nwebsocket: false\n").persistence).to.not.have.any.keys(
            "mqtt",
            "websocket"
        );
    });

    it("the descriptor refuses a literal password, credentials in the URL, a missing file, and basic security over WebSocket", function () {
        expect(
            problems("name: a\nmqtt:\n    broker: mqtt://127.0.0.1\n    password: pw-SECRET\n").map(([p]) => p)
        ).to.deep.equal(["mqtt.password"]);
        const inUrl = problems("name: a\nmqtt:\n    broker: mqtt://u:pw-SECRET@127.0.0.1\n");
        expect(inUrl).to.deep.equal([
            ["mqtt.broker", "must not carry credentials (name them with usernameEnv and passwordEnv or passwordFile)"],
        ]);
        expect(problems("name: a\nmqtt:\n    broker: mqtt://127.0.0.1\n    passwordFile: nope\n")[0][1]).to.match(
            /^cannot read .*nope: ENOENT/
        );
        expect(
            problems(
                "name: a\ncoap: false\nwebsocket: { port: 9001 }\nsecurity: { scheme: basic, usernameEnv: U, passwordEnv: P }\n",
                { U: "u", P: "p" }
            )
        ).to.deep.equal([
            ["websocket", "must be false when security.scheme is basic (the WebSocket server checks no credentials)"],
        ]);
    });
});
