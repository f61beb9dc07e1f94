import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freeTcpPort, freeUdpPortWithTcp } from "./free-port";
import { tempDir } from "./vo-fixture";

/** The ports a vo-wot VO is given: its catalogue, HTTP and CoAP servers. */
export interface VoWotPorts {
    catalogue: number;
    http: number;
    coap: number;
}

export interface VoWotVoSpec {
    /** the VO's name (its descriptor's `name`, the Thing's key in vo-wot's URLs) */
    name: string;
    td: object;
    /** the descriptor, written once the ports are known */
    descriptor: (ports: VoWotPorts) => string;
    /** the Python script */
    script: string;
    /** how long to wait for its catalogue to answer the Thing's TD (vo-wot consumes its VOs first) */
    startTimeoutMs?: number;
}

/**
 * A real vo-wot VO (the `vo-wot` command of the virtual environment scripts/vo-wot.sh installs), run in a
 * temporary folder as vo-wot's own documentation runs one: `vo-wot -t td.json -f vo.yaml script.py`.
 */
export class VoWotVo {
    readonly dir: string;
    readonly log: string[] = [];
    private child?: ChildProcess;
    private exited?: Promise<void>;

    private constructor(
        readonly spec: VoWotVoSpec,
        readonly ports: VoWotPorts
    ) {
        this.dir = tempDir("node-wot-vo-vowot-vo-");
    }

    /**
     * Starts it and waits until its catalogue serves its TD; fails with its log if it does not. `ports`: those of
     * a VO stopped before (the same VO back), else free ones.
     */
    static async start(python: string, spec: VoWotVoSpec, ports?: VoWotPorts): Promise<VoWotVo> {
        const vo = new VoWotVo(spec, ports ?? (await freeVoWotPorts()));
        try {
            await vo.run(path.join(path.dirname(python), "vo-wot"));
            return vo;
        } catch (err) {
            await vo.stop();
            throw err;
        }
    }

    /** The URL vo-wot's clients (and a cVO's `consumedVOs`) consume it from. */
    get catalogueUrl(): string {
        return `http://127.0.0.1:${this.ports.catalogue}/${this.spec.name}`;
    }

    /** Stops it (SIGTERM, then SIGKILL after 3 s) and removes its folder. */
    async stop(): Promise<void> {
        const child = this.child;
        if (child !== undefined && child.exitCode === null && child.signalCode === null) {
            child.kill("SIGTERM");
            const killer = setTimeout(() => child.kill("SIGKILL"), 3000);
            await this.exited;
            clearTimeout(killer);
        }
        fs.rmSync(this.dir, { recursive: true, force: true });
    }

    private async run(command: string): Promise<void> {
        fs.writeFileSync(path.join(this.dir, "td.json"), JSON.stringify(this.spec.td));
        fs.writeFileSync(path.join(this.dir, "vo.yaml"), this.spec.descriptor(this.ports));
        fs.writeFileSync(path.join(this.dir, "script.py"), this.spec.script);
        const child = spawn(command, ["-t", "td.json", "-f", "vo.yaml", "script.py"], {
            cwd: this.dir,
            stdio: ["ignore", "pipe", "pipe"],
        });
        this.child = child;
        this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
        const keep = (chunk: Buffer) => this.log.push(...chunk.toString("utf8").split("\n").filter(Boolean));
        child.stdout!.on("data", keep);
        child.stderr!.on("data", keep);
        const deadline = Date.now() + (this.spec.startTimeoutMs ?? 30_000);
        while (Date.now() < deadline) {
            if (child.exitCode !== null) break;
            if (await this.answers()) return;
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
        const why = child.exitCode !== null ? `exited with ${child.exitCode}` : "did not serve its TD in time";
        throw new Error(`vo-wot VO ${this.spec.name} ${why}:\n${this.log.slice(-30).join("\n")}`);
    }

    private async answers(): Promise<boolean> {
        try {
            const res = await fetch(this.catalogueUrl, { signal: AbortSignal.timeout(2000) });
            await res.arrayBuffer();
            return res.status === 200;
        } catch {
            return false;
        }
    }
}

/** Free ports for a vo-wot VO, outside the ephemeral range (test/helpers/free-port.ts says why). */
export async function freeVoWotPorts(): Promise<VoWotPorts> {
    return { catalogue: await freeTcpPort(), http: await freeTcpPort(), coap: await freeUdpPortWithTcp(3000) };
}
