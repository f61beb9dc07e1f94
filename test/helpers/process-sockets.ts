import fs from "node:fs";

/** A socket a process listens on: TCP in LISTEN, or UDP bound (CoAP, mDNS). */
export interface ListeningSocket {
    proto: "tcp" | "udp";
    address: string;
    port: number;
}

const TCP_LISTEN = "0A";

/** The inodes of the sockets a process holds open (its /proc/<pid>/fd links `socket:[inode]`). */
function socketInodes(pid: number): Set<string> {
    const inodes = new Set<string>();
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        let target: string;
        try {
            target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
            continue; // closed meanwhile
        }
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (m) inodes.add(m[1]);
    }
    return inodes;
}

/** `0100007F` (little-endian IPv4) or 32 hex digits (IPv6, four little-endian words) as text. */
function addressOf(hex: string): string {
    if (hex.length === 8)
        return (hex.match(/../g) as string[])
            .reverse()
            .map((b) => parseInt(b, 16))
            .join(".");
    const words = (hex.match(/.{8}/g) as string[]).map((w) => (w.match(/../g) as string[]).reverse().join(""));
    const groups = words.join("").match(/.{4}/g) as string[];
    const v4mapped = groups.slice(0, 5).every((g) => g === "0000") && groups[5] === "ffff";
    if (v4mapped) return `::ffff:${addressOf(words[3].match(/../g)!.reverse().join(""))}`;
    const text = groups.map((g) => parseInt(g, 16).toString(16)).join(":");
    return text.replace(/(^|:)0(:0)+(:|$)/, "::").replace(/:{3,}/, "::");
}

/**
 * What `ss -lntup` lists for one process, read from /proc (Linux): its TCP sockets in LISTEN and its
 * UDP sockets, each with the address it is bound to.
 */
export function listeningSockets(pid: number): ListeningSocket[] {
    const inodes = socketInodes(pid);
    const found: ListeningSocket[] = [];
    for (const [file, proto] of [
        ["tcp", "tcp"],
        ["tcp6", "tcp"],
        ["udp", "udp"],
        ["udp6", "udp"],
    ] as const) {
        let table: string;
        try {
            table = fs.readFileSync(`/proc/net/${file}`, "utf8");
        } catch {
            continue; // no IPv6 on this host
        }
        for (const line of table.split("\n").slice(1)) {
            const cols = line.trim().split(/\s+/);
            if (cols.length < 10 || !inodes.has(cols[9])) continue;
            if (proto === "tcp" && cols[3] !== TCP_LISTEN) continue;
            const [hex, port] = cols[1].split(":");
            found.push({ proto, address: addressOf(hex), port: parseInt(port, 16) });
        }
    }
    return found;
}
