import { InfluxServer } from "./influxdb-server";
import { Mosquitto } from "./mosquitto";
import { NodeProcess } from "./node-process";

/**
 * Loaded by .mocharc for the whole suite. A child process a test forgot to stop keeps mocha's event
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
        for (const broker of [...Mosquitto.running]) {
            leftovers.push(`mosquitto on port ${broker.port}`);
            await broker.stop();
        }
        for (const proc of [...NodeProcess.running]) {
            leftovers.push(`node ${proc.args.join(" ")}`);
            await proc.stop("SIGKILL");
        }
        if (leftovers.length > 0) {
            throw new Error(`tests left ${leftovers.length} process(es) running: ${leftovers.join("; ")}`);
        }
    },
};
