import dgram from "node:dgram";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { MDNS_GROUP, MDNS_PORT } from "../../../src/protocols/coap/binding-coap-mdns";
import { freeUdpPort } from "../../helpers/free-port";
import { CLI, NodeProcess } from "../../helpers/node-process";
import { listeningSockets } from "../../helpers/process-sockets";
import { tempDir } from "../../helpers/vo-fixture";

/**
 * binding-coap 0.8.16's CoapServer starts an mDNS responder (node-wot pull request 963) on UDP
 * 0.0.0.0:5353 in every start, whatever address the server is given: a socket on every interface that
 * nobody asked for. Read from the process's own sockets (/proc, as `ss -lnup` lists them).
 */
describe("CoAP server: no mDNS socket unless asked (binding-coap 0.8.16 binds UDP 0.0.0.0:5353)", function () {
    this.timeout(30_000);
    let dir: string;
    const processes: NodeProcess[] = [];

    beforeEach(() => (dir = tempDir("node-wot-vo-mdns-")));
    afterEach(async () => {
        for (const p of processes.splice(0)) await p.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const runVo = async (coap: string): Promise<NodeProcess> => {
        const file = path.join(dir, "vo.yaml");
        fs.writeFileSync(file, ["name: mdns-vo", "http: false", coap, "selfCheck: { interval: 0 }"].join("\n"));
        const vo = new NodeProcess([CLI, "run", "--config", file]);
        processes.push(vo);
        await vo.waitForOutput("is running");
        return vo;
    };

    it("a VO with CoAP listens on its CoAP port and nothing else", async () => {
        const port = await freeUdpPort();
        const vo = await runVo(`coap: { port: ${port} }`);
        expect(listeningSockets(vo.child.pid!)).to.deep.equal([{ proto: "udp", address: "127.0.0.1", port }]);
    });

    it("a VoCoapServer made in a library (the example device) listens on its port only", async () => {
        const port = await freeUdpPort();
        const device = new NodeProcess(["dist/examples/sensor-device.js"], { SENSOR_PORT: String(port) });
        processes.push(device);
        await device.waitForOutput("simulated");
        expect(listeningSockets(device.child.pid!)).to.deep.equal([{ proto: "udp", address: "127.0.0.1", port }]);
    });

    it("coap.mdns: true announces on the mDNS group, joined on the server's interface, not on 0.0.0.0", async () => {
        const port = await freeUdpPort();
        const vo = await runVo(`coap: { port: ${port}, mdns: true }`);
        const sockets = listeningSockets(vo.child.pid!);
        expect(sockets).to.have.deep.members([
            { proto: "udp", address: "127.0.0.1", port },
            { proto: "udp", address: MDNS_GROUP, port: MDNS_PORT },
        ]);
        // a query sent to the group on the loopback interface is answered with the VO's Things, each at the
        // address its TD advertises (upstream: the host's first non-loopback IPv4 address)
        const answers = await mdnsQuery("_wot._udp.local");
        expect(answers).to.deep.include({ name: "_wot._udp.local", type: "PTR", data: "VoStatus._wot._udp.local" });
        const srv = answers.find((a) => a.type === "SRV" && a.name === "VoStatus._wot._udp.local");
        expect(srv?.data).to.include({ port, target: "127.0.0.1" });
    });
});

/**
 * The records a DNS-SD PTR query on the loopback interface is answered with (within 2 s). Answers go to the
 * group (RFC 6762 section 6), so the asking socket is bound to it too, as an mDNS querier is.
 */
interface Answer {
    name: string;
    type: string;
    data: unknown;
}

async function mdnsQuery(service: string): Promise<Answer[]> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const packet = require(require.resolve("dns-packet", { paths: [require.resolve("multicast-dns")] })) as {
        encode(p: object): Buffer;
        decode(b: Buffer): { type: string; answers?: Answer[] };
    };
    const socket = dgram.createSocket({ type: "udp4", reuseAddr: true });
    await new Promise<void>((resolve) => socket.bind(MDNS_PORT, MDNS_GROUP, resolve));
    socket.addMembership(MDNS_GROUP, "127.0.0.1");
    socket.setMulticastInterface("127.0.0.1");
    const answers: Answer[] = [];
    socket.on("message", (msg) => {
        const p = packet.decode(msg);
        if (p.type !== "response") return;
        for (const { name, type, data } of p.answers ?? []) answers.push({ name, type, data });
    });
    const query = packet.encode({ type: "query", id: 0, questions: [{ name: service, type: "PTR" }] });
    try {
        await new Promise<void>((resolve, reject) =>
            socket.send(query, MDNS_PORT, MDNS_GROUP, (err) => (err ? reject(err) : resolve()))
        );
        await new Promise((resolve) => setTimeout(resolve, 2000));
        return answers;
    } finally {
        socket.close();
    }
}
