import { ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freeTcpPort } from "./free-port";

export const MOSQUITTO_BIN = process.env.MOSQUITTO_BIN ?? "/usr/sbin/mosquitto";
const MOSQUITTO_PASSWD_BIN = process.env.MOSQUITTO_PASSWD_BIN ?? "/usr/bin/mosquitto_passwd";

/**
 * A real Mosquitto started by a test on 127.0.0.1 with a temporary config (anonymous clients, no
 * persistence); it can be stopped and started again on the same port, to take the broker away
 * under a VO. The root hook stops any a test forgot.
 */
export class Mosquitto {
    static readonly running = new Set<Mosquitto>();
    private child: ChildProcess | undefined;
    private log = "";

    private constructor(
        readonly dir: string,
        readonly port: number,
        readonly tls: boolean
    ) {}

    get url(): string {
        return `${this.tls ? "mqtts" : "mqtt"}://127.0.0.1:${this.port}`;
    }

    /**
     * `users`: only these may connect (user name -> password), else anyone; `port`: a given one, else a free
     * one; `tls`: its listener speaks TLS with this certificate and key (PEM files), an mqtts:// broker
     */
    static async start(
        options: { users?: Record<string, string>; port?: number; tls?: { cert: string; key: string } } = {}
    ): Promise<Mosquitto> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vo-mosquitto-"));
        // run as whoever runs the tests (as root, mosquitto would drop to a user who cannot read the temp files)
        // set_tcp_nodelay: without it each message to a client waits on Nagle and the client's delayed ACK (~40 ms)
        const conf = [
            "persistence false",
            "set_tcp_nodelay true",
            `user ${os.userInfo().username}`,
            "log_dest stderr",
            "log_type error",
            "log_type warning",
        ];
        if (options.users === undefined) conf.push("allow_anonymous true");
        else {
            const file = path.join(dir, "passwd");
            fs.writeFileSync(file, "", { mode: 0o600 });
            for (const [user, password] of Object.entries(options.users)) {
                execFileSync(MOSQUITTO_PASSWD_BIN, ["-b", file, user, password]);
            }
            conf.push("allow_anonymous false", `password_file ${file}`);
        }
        // per-listener settings: launch() writes the listener line above them
        if (options.tls !== undefined) conf.unshift(`certfile ${options.tls.cert}`, `keyfile ${options.tls.key}`);
        fs.writeFileSync(path.join(dir, "mosquitto.conf"), `${conf.join("\n")}\n`);
        const broker = new Mosquitto(dir, options.port ?? (await freeTcpPort()), options.tls !== undefined);
        Mosquitto.running.add(broker);
        try {
            await broker.launch();
        } catch (err) {
            await broker.stop();
            throw err;
        }
        return broker;
    }

    /** Starts it again (after `kill`) on the same port. */
    async launch(): Promise<void> {
        if (this.child !== undefined) return;
        // the listener goes in the config: mosquitto 2 binds -p to every interface
        const conf = path.join(this.dir, "mosquitto.conf");
        const text = fs.readFileSync(conf, "utf8").replace(/^listener .*\n/m, "");
        fs.writeFileSync(conf, `listener ${this.port} 127.0.0.1\n${text}`);
        const child = spawn(MOSQUITTO_BIN, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
        this.child = child;
        child.stderr?.on("data", (d: Buffer) => (this.log = (this.log + d.toString()).slice(-4000)));
        const deadline = Date.now() + 10_000;
        while (!(await accepts(this.port))) {
            if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}): ${this.log}`);
            if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${this.port}: ${this.log}`);
            await new Promise((r) => setTimeout(r, 50));
        }
    }

    /** Takes the broker away (its clients see the connection drop). */
    async kill(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
        const child = this.child;
        if (child === undefined) return;
        this.child = undefined;
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill(signal);
        await exited;
    }

    async stop(): Promise<void> {
        await this.kill();
        Mosquitto.running.delete(this);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

function accepts(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.once("connect", () => {
            socket.destroy();
            resolve(true);
        });
        socket.once("error", () => resolve(false));
    });
}
