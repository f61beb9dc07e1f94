import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import * as mqtt from "mqtt";
import WebSocket from "ws";
import { DescriptorError, parseDescriptor } from "../../../src/cli/descriptor";
import { runVo, RunningVo } from "../../../src/cli/run-vo";
import { selfSignedCertificate } from "../../helpers/certificate";
import { freeTcpPort } from "../../helpers/free-port";
import { Mosquitto } from "../../helpers/mosquitto";
import { CLI, NodeProcess } from "../../helpers/node-process";
import { tempDir, waitFor } from "../../helpers/vo-fixture";

/** One request over a WebSocket that must come over TLS with `ca` trusted; the answer's JSON. */
async function wssRequest(url: string, ca: string, message: object): Promise<Record<string, unknown>> {
    const ws = new WebSocket(url, { ca, handshakeTimeout: 5000 });
    try {
        await new Promise<void>((resolve, reject) => {
            ws.once("open", () => resolve());
            ws.once("error", reject);
        });
        const answer = new Promise<Buffer>((resolve) => ws.once("message", (d) => resolve(d as Buffer)));
        ws.send(JSON.stringify(message));
        return JSON.parse((await answer).toString("utf8")) as Record<string, unknown>;
    } finally {
        ws.terminate();
    }
}

/** What `refused` reports: each problem as "path: message". */
function problemsOf(text: string, file: string): string[] {
    try {
        parseDescriptor(text, file, {});
    } catch (err) {
        expect(err).to.be.instanceOf(DescriptorError);
        return (err as DescriptorError).problems.map((p) => `${p.path}: ${p.message}`);
    }
    throw new Error("the descriptor was accepted");
}

describe("TLS on every TCP server: WSS with the VO's certificate, MQTT over TLS, or refused", function () {
    this.timeout(40_000);
    let dir: string;
    let tls: { cert: string; key: string };
    let ca: string;
    let running: RunningVo | undefined;
    let broker: Mosquitto | undefined;
    const processes: NodeProcess[] = [];

    beforeEach(async () => {
        dir = tempDir("node-wot-vo-tls-");
        tls = await selfSignedCertificate(dir, ["localhost"]);
        ca = fs.readFileSync(tls.cert, "utf8");
    });
    afterEach(async () => {
        await running?.stop();
        running = undefined;
        for (const p of processes.splice(0)) await p.stop();
        await broker?.stop();
        broker = undefined;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("a vo-wot descriptor with serverCert/serverKey and WS serves WSS: the TD's forms say wss://", async () => {
        const [http, ws] = [await freeTcpPort(), await freeTcpPort()];
        const file = path.join(dir, "vo.yaml");
        fs.writeFileSync(
            file,
            [
                "name: vo1",
                "type: VO",
                "bindingNB:",
                "    bindingModeNB: [H, WS]",
                "    bind: 127.0.0.1",
                "    hostname: 127.0.0.1",
                `    ports: { httpPort: ${http}, websocketPort: ${ws} }`,
                `    serverCert: ${tls.cert}`,
                `    serverKey: ${tls.key}`,
            ].join("\n")
        );
        const vo = new NodeProcess([CLI, "run", "--config", file]);
        processes.push(vo);
        await vo.waitForOutput(`VoStatus: wss://127.0.0.1:${ws}/vostatus  https://127.0.0.1:${http}/vostatus`);
        type Status = { status: string; checks: Record<string, { ok: boolean }> };
        let answer: { id?: number; op?: string; value?: unknown } = {};
        // the self-check's handshake reached the WSS server (its certificate is no part of being up); its first
        // run may still be under way when the VO says it is running
        await waitFor(
            async () => {
                answer = await wssRequest(`wss://127.0.0.1:${ws}/vostatus/properties/status`, ca, {
                    op: "readproperty",
                    id: 1,
                });
                return (answer.value as Status | undefined)?.checks?.wss !== undefined;
            },
            10_000,
            "the self-check of the WSS server"
        );
        expect(answer).to.include({ id: 1, op: "readproperty" });
        expect((answer.value as Status).checks.wss).to.include({ ok: true });
        // nothing in cleartext on that port: a ws:// handshake gets no WebSocket
        const plain = new WebSocket(`ws://127.0.0.1:${ws}/vostatus/properties/status`, { handshakeTimeout: 3000 });
        const failed = await new Promise<boolean>((resolve) => {
            plain.once("open", () => resolve(false));
            plain.once("error", () => resolve(true));
        });
        plain.terminate();
        expect(failed).to.equal(true);
    });

    it("node-wot-vo's own descriptor: the HTTP server's certificate makes WebSocket WSS, and MQTT goes to an mqtts:// broker checked against caFile", async () => {
        broker = await Mosquitto.start({ tls });
        const certFile = path.relative(dir, tls.cert);
        const config = parseDescriptor(
            [
                "name: tls-vo",
                `http: { port: 0, certFile: ${certFile}, keyFile: ${path.relative(dir, tls.key)} }`,
                "coap: false",
                "websocket: { port: 0 }",
                `mqtt: { broker: "${broker.url}", caFile: ${certFile}, connectTimeout: 5s }`,
                "selfCheck: { interval: 0 }",
            ].join("\n"),
            path.join(dir, "vo.yaml"),
            {}
        );
        running = await runVo({ config, log: () => undefined });
        const urls = running.thingUrls().find((t) => t.title === "VoStatus")!.urls;
        const wss = urls.find((u) => u.startsWith("wss://"));
        expect(urls.filter((u) => u.startsWith("ws://"))).to.deep.equal([]);
        expect(wss).to.match(/^wss:\/\/127\.0\.0\.1:\d+\/vostatus$/);
        const answer = await wssRequest(`${wss}/properties/status`, ca, { op: "readproperty", id: 2 });
        expect(answer.value).to.have.property("status");
        // the VO published its TD to the broker over TLS, retained: its MQTT forms say mqtts://
        const client = await mqtt.connectAsync(broker.url, { ca, reconnectPeriod: 0, connectTimeout: 5000 });
        try {
            const td = new Promise<{ properties: Record<string, { forms: { href: string }[] }> }>((resolve) =>
                client.on("message", (_topic, payload) => resolve(JSON.parse(payload.toString("utf8"))))
            );
            await client.subscribeAsync("VoStatus");
            const forms = (await td).properties.status.forms.map((f) => f.href);
            expect(forms.some((h) => h.startsWith(`mqtts://127.0.0.1:${broker!.port}/`))).to.equal(true, forms.join());
        } finally {
            await client.endAsync();
        }
    });

    it("refuses, naming it, what would go in cleartext beside TLS (validate exits 2)", async () => {
        const file = path.join(dir, "vo.yaml");
        const [cert, key] = [path.relative(dir, tls.cert), path.relative(dir, tls.key)];
        const https = `http: { certFile: ${cert}, keyFile: ${key} }`;
        expect(
            problemsOf(
                ["name: a", https, "coap: false", "catalogue: 9090", 'mqtt: { broker: "mqtt://127.0.0.1:1883" }'].join(
                    "\n"
                ),
                file
            )
        ).to.deep.equal([
            "catalogue: serves plain HTTP only, while the VO serves TLS (http.certFile): remove it (the HTTP server answers /.well-known/wot over HTTPS)",
            "mqtt.broker: is reached in cleartext (mqtt://) while the VO serves TLS (http.certFile): use an mqtts:// broker (mqtt.caFile names a private CA)",
        ]);
        expect(
            problemsOf(["name: a", "coap: false", `websocket: { certFile: ${cert}, keyFile: ${key} }`].join("\n"), file)
        ).to.deep.equal([
            "http: serves plain HTTP while websocket.certFile makes the WebSocket server TLS: give http certFile and keyFile too, or http: false",
        ]);
        expect(
            problemsOf(["name: a", `mqtt: { broker: "mqtt://127.0.0.1:1883", caFile: ${cert} }`].join("\n"), file)
        ).to.deep.equal(["mqtt.caFile: is for a broker reached over TLS: mqtt.broker must be mqtts://"]);
        // vo-wot's dialect: the problem at vo-wot's key
        fs.writeFileSync(
            file,
            [
                "name: vo1",
                "bindingNB:",
                "    bindingModeNB: [H, M]",
                "    brokerIP: 127.0.0.1:1883",
                `    serverCert: ${cert}`,
                `    serverKey: ${key}`,
            ].join("\n")
        );
        const validate = new NodeProcess([CLI, "validate", "--config", file]);
        expect(await validate.exited()).to.equal(2);
        expect(validate.output).to.include(
            `${file}: bindingNB.brokerIP: is reached in cleartext (mqtt://) while the VO serves TLS (http.certFile): use an mqtts:// broker`
        );
    });
});
