import dgram from "node:dgram";
import fs from "node:fs";
import net from "node:net";

// Ports are handed out below the kernel's ephemeral range: a port taken from that range (listen on 0) is free only
// until the next outgoing connection picks it as its local port, and the tests open many (InfluxDB set-up, clients),
// so a VO started a moment later failed with EADDRINUSE. Below the range only listeners take ports, and this
// process never hands out the same one twice.
const handedOut = new Set<number>();

function ephemeralLow(): number {
    try {
        const [low] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/);
        const n = Number(low);
        if (Number.isInteger(n) && n > 12000) return n;
    } catch {
        // not Linux: the IANA dynamic range starts at 49152
    }
    return 49152;
}

const LOW = 10000;
const HIGH = ephemeralLow() - 1;

function bindsTcp(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
}

function bindsUdp(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = dgram.createSocket("udp4");
        socket.once("error", () => resolve(false));
        socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
    });
}

async function freePort(binds: (port: number) => Promise<boolean>): Promise<number> {
    for (let attempt = 0; attempt < 200; attempt++) {
        const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
        if (handedOut.has(port)) continue;
        handedOut.add(port);
        if (await binds(port)) return port;
    }
    throw new Error(`no free port found in ${LOW}-${HIGH} after 200 attempts`);
}

/** A TCP port free on 127.0.0.1, outside the ephemeral range, not handed out before by this process. */
export function freeTcpPort(): Promise<number> {
    return freePort(bindsTcp);
}

/** A UDP port free on 127.0.0.1, outside the ephemeral range, not handed out before by this process. */
export function freeUdpPort(): Promise<number> {
    return freePort(bindsUdp);
}

/**
 * A UDP port p free on 127.0.0.1 with TCP port p + `tcpOffset` free too (aiocoap, under vo-wot's CoAP server,
 * also listens on the CoAP port plus 3000 for CoAP over WebSocket); both handed out.
 */
export async function freeUdpPortWithTcp(tcpOffset: number): Promise<number> {
    for (let attempt = 0; attempt < 50; attempt++) {
        const port = await freeUdpPort();
        const tcp = port + tcpOffset;
        if (tcp > HIGH || handedOut.has(tcp)) continue;
        handedOut.add(tcp);
        if (await bindsTcp(tcp)) return port;
    }
    throw new Error(`no free UDP port p with TCP p + ${tcpOffset} free after 50 attempts`);
}
