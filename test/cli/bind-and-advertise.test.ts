import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { wsProbe } from "../../src/protocols/websocket/ws-probe";
import { coapRequest } from "../protocols/coap/coap-clients";
import { freeTcpPort, freeUdpPort } from "../helpers/free-port";
import { CLI, NodeProcess } from "../helpers/node-process";
import { listeningSockets } from "../helpers/process-sockets";
import { tempDir } from "../helpers/vo-fixture";

/** Every form href of a TD (properties, actions, events, and the Thing's own forms). */
function hrefsOf(td: Record<string, unknown>): string[] {
    const hrefs: string[] = [];
    const forms = (o: unknown) => ((o as { forms?: { href: string }[] }).forms ?? []).map((f) => f.href);
    hrefs.push(...forms(td));
    for (const kind of ["properties", "actions", "events"]) {
        for (const a of Object.values((td[kind] ?? {}) as Record<string, unknown>)) hrefs.push(...forms(a));
    }
    return hrefs;
}

/**
 * In a container or a pod the VO listens on every interface and advertises a Service name: where the
 * servers listen (`bind`) and what the TDs advertise (`address`; vo-wot's `hostname`) are two settings.
 * 127.0.0.2 is a loopback address of Linux's `lo` that nothing binds explicitly: a server answering on
 * it listens on every interface.
 */
describe("bind and address: where the VO listens, and what its TDs advertise", function () {
    this.timeout(40_000);
    let dir: string;
    let vo: NodeProcess | undefined;

    beforeEach(() => (dir = tempDir("node-wot-vo-bind-")));
    afterEach(async () => {
        await vo?.stop();
        vo = undefined;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const ports = async () => ({ http: await freeTcpPort(), coap: await freeUdpPort(), ws: await freeTcpPort() });

    /** Runs the VO, checks it answers on both loopback addresses and advertises `name`, and returns its sockets. */
    async function runAndReach(lines: string[], p: { http: number; coap: number; ws: number }, name: string) {
        const file = path.join(dir, "vo.yaml");
        fs.writeFileSync(file, lines.join("\n"));
        vo = new NodeProcess([CLI, "run", "--config", file]);
        await vo.waitForOutput("is running");
        for (const host of ["127.0.0.1", "127.0.0.2"]) {
            const res = await fetch(`http://${host}:${p.http}/vostatus`);
            expect(res.status, host).to.equal(200);
            const td = (await res.json()) as Record<string, unknown>;
            const hrefs = hrefsOf(td);
            expect(hrefs.length).to.be.above(0);
            const hosts = new Set(hrefs.map((h) => new URL(h.replace(/\{.*\}$/, "")).host));
            expect([...hosts], host).to.have.members([`${name}:${p.coap}`, `${name}:${p.http}`, `${name}:${p.ws}`]);
            const overCoap = await coapRequest(`coap://${host}:${p.coap}/vostatus`);
            expect(overCoap.code, host).to.equal("2.05");
            expect(await wsProbe(new URL(`ws://${host}:${p.ws}/`), 5000)).to.equal(
                `WebSocket handshake from ${host}:${p.ws}`
            );
        }
        return listeningSockets(vo.child.pid!);
    }

    it("bind: 0.0.0.0 with an advertised name: answers on 127.0.0.1 and 127.0.0.2, forms carry the name, no other socket", async () => {
        const p = await ports();
        const sockets = await runAndReach(
            [
                "name: fleet-vo",
                "bind: 0.0.0.0",
                "address: vo1.fleet.svc",
                `http: { port: ${p.http} }`,
                `coap: { port: ${p.coap} }`,
                `websocket: { port: ${p.ws} }`,
                "selfCheck: { interval: 0 }",
            ],
            p,
            "vo1.fleet.svc"
        );
        expect(sockets).to.have.deep.members([
            { proto: "tcp", address: "0.0.0.0", port: p.http },
            { proto: "udp", address: "0.0.0.0", port: p.coap },
            { proto: "tcp", address: "0.0.0.0", port: p.ws },
        ]);
    });

    it("a vo-wot descriptor with hostname: a Service name runs (was EADDRNOTAVAIL), listening as vo-wot on every interface", async () => {
        const p = await ports();
        const sockets = await runAndReach(
            [
                "name: vo1",
                "type: VO",
                "bindingNB:",
                "    bindingModeNB: [H, U, WS]",
                "    hostname: vo1.fleet.svc",
                `    ports: { httpPort: ${p.http}, coapPort: ${p.coap}, websocketPort: ${p.ws} }`,
            ],
            p,
            "vo1.fleet.svc"
        );
        expect(sockets).to.have.deep.members([
            { proto: "tcp", address: "0.0.0.0", port: p.http },
            { proto: "udp", address: "0.0.0.0", port: p.coap },
            { proto: "tcp", address: "0.0.0.0", port: p.ws },
        ]);
    });

    it("validate prints where the VO listens and what it advertises; refuses an address clients cannot reach", async () => {
        const file = path.join(dir, "vo.yaml");
        fs.writeFileSync(
            file,
            ["name: fleet-vo", "bind: 0.0.0.0", "address: vo1.fleet.svc", "http: { port: 8080 }", "coap: false"].join(
                "\n"
            )
        );
        const ok = new NodeProcess([CLI, "validate", "--config", file]);
        expect(await ok.exited(), ok.output).to.equal(0);
        expect(ok.output).to.equal(
            [
                "listens on 0.0.0.0 (every IPv4 interface): HTTP 8080/tcp",
                "advertises vo1.fleet.svc (the host of the TDs' forms)",
                "valid: VO fleet-vo",
                "",
            ].join("\n")
        );
        fs.writeFileSync(
            file,
            ["name: vo1", "bindingNB:", "    bindingModeNB: [H]", "    hostname: ws://vo1"].join("\n")
        );
        const bad = new NodeProcess([CLI, "validate", "--config", file]);
        expect(await bad.exited()).to.equal(2);
        expect(bad.output).to.include(
            `${file}: bindingNB.hostname: "ws://vo1" is not a host name or an IP address (the TDs' forms would not parse) (line 4)`
        );
    });
});
