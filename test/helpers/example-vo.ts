import path from "node:path";
import { freeTcpPort, freeUdpPort } from "./free-port";
import { CLI, descriptorCopy, NodeProcess } from "./node-process";

let copies = 0;

/** Runs an example VO by its documented command, on free ports and with its database in `dir`. */
export async function startExampleVo(
    dir: string,
    example: string,
    options: { td?: string; changes?: [string[], unknown][]; env?: NodeJS.ProcessEnv } = {}
): Promise<{ vo: NodeProcess; httpPort: number; coapPort: number; dbPath: string }> {
    const [httpPort, coapPort] = [await freeTcpPort(), await freeUdpPort()];
    const dbPath = path.join(dir, `${example}-${++copies}.sqlite`);
    const config = descriptorCopy(`examples/${example}/vo.yaml`, path.join(dir, `${example}-${copies}.yaml`), [
        [["http", "port"], httpPort],
        [["coap", "port"], coapPort],
        [["databaseConfig", "persistent", "sqlite", "path"], dbPath],
        ...(options.changes ?? []),
    ]);
    const td = options.td === undefined ? [] : ["--td", `thing-descriptions/${options.td}`];
    const vo = new NodeProcess([CLI, "run", ...td, "--config", config, `examples/${example}/script.js`], options.env);
    await vo.waitForOutput("Ctrl-C");
    return { vo, httpPort, coapPort, dbPath };
}
