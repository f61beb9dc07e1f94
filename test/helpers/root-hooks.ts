import * as coap from "coap";
import { InfluxServer } from "./influxdb-server";
import { Influx1Server } from "./influxdb1-server";
import { Mosquitto } from "./mosquitto";
import { NodeProcess } from "./node-process";

/** What of node-coap's Agent is used here (`_sock` and `_doClose` are its own, not typed). */
interface CoapAgent {
    close(): void;
    _sock?: unknown;
    _doClose?: () => void;
}

/**
 * Loaded by .mocharc for the whole suite (which also sets `exit`, so a handle nothing here knows of
 * cannot hold a finished run open). A child process a test forgot to stop keeps mocha's event
 * loop alive, so the run never ends (and CI times out with every test green): stop the leftovers and
 * fail the run, naming them.
 */
export const mochaHooks = {
    async afterAll(): Promise<void> {
        const leftovers: string[] = [];
        for (const server of [...InfluxServer.running]) {
            leftovers.push(`influxd on port ${server.port}`);
            await server.stop();
        }
        for (const server of [...Influx1Server.running]) {
            leftovers.push(`influxd 1.x on port ${server.port}`);
            await server.stop();
        }
        for (const broker of [...Mosquitto.running]) {
            leftovers.push(`mosquitto on port ${broker.port}`);
            await broker.stop();
        }
        for (const proc of [...NodeProcess.running]) {
            leftovers.push(`node ${proc.args.join(" ")}`);
            await proc.stop("SIGKILL");
        }
        // node-coap's global agents (requests made without an agent of their own) keep a UDP socket
        // open while anything is in flight, e.g. an observation whose server went: close them
        for (const agent of [coap.globalAgent, coap.globalAgentIPv6] as unknown as CoapAgent[]) {
            try {
                agent.close(); // at once when idle, else it aborts its requests and waits
                if (agent._sock != null) agent._doClose?.();
            } catch {
                // closed already
            }
        }
        if (leftovers.length > 0) {
            throw new Error(`tests left ${leftovers.length} process(es) running: ${leftovers.join("; ")}`);
        }
    },
};
