import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { parseDescriptor } from "../../src/cli/descriptor";
import { runVo, RunningVo } from "../../src/cli/run-vo";
import { freeTcpPort } from "../helpers/free-port";
import { ROOT } from "../helpers/node-process";
import { tempDir } from "../helpers/vo-fixture";
import { httpRequest, RawAnswer } from "../protocols/http/http-helpers";

const ROOM_TD = path.join(ROOT, "thing-descriptions", "room-log.td.json");

describe("/readyz of a VO that consumes another (consumedVOs)", function () {
    this.timeout(120_000);
    let dir: string;
    const running: RunningVo[] = [];

    beforeEach(() => (dir = tempDir("node-wot-vo-readyz-")));
    afterEach(async () => {
        for (const vo of running.splice(0)) await vo.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const config = (name: string, port: number, extra: string[] = []) =>
        parseDescriptor(
            [`name: ${name}`, `http: { port: ${port} }`, "coap: false", "selfCheck: { interval: 0 }", ...extra].join(
                "\n"
            ),
            path.join(dir, `${name}.yaml`),
            {}
        );

    /** The first answer of `url` that `done` accepts (connection refused counts as none), within 20 s. */
    async function answerOf(url: string, done: (a: RawAnswer) => boolean): Promise<RawAnswer | undefined> {
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline) {
            const a = await httpRequest(url).catch(() => undefined);
            if (a !== undefined && done(a)) return a;
            await new Promise((r) => setTimeout(r, 100));
        }
        return undefined;
    }

    it("is not ready while a consumed VO is not consumed yet, naming it; ready once it is", async function () {
        const [own, other] = [await freeTcpPort(), await freeTcpPort()];
        const starting = runVo({
            config: config("cvo", own, [
                "consumedVOs:",
                `    vo1: { url: "http://127.0.0.1:${other}/roomlog", timeout: 90s }`, // a loaded machine starts vo1 slowly
            ]),
            log: () => undefined,
        });
        const readyz = `http://127.0.0.1:${own}/readyz`;
        try {
            const waiting = await answerOf(readyz, () => true);
            expect(waiting?.status).to.equal(503);
            expect(waiting?.headers["retry-after"]).to.equal("1");
            expect(waiting?.body.toString()).to.include("[-]consumedVOs failed: not consumed yet: vo1\n");
            // alive meanwhile: it serves
            expect((await httpRequest(`http://127.0.0.1:${own}/livez`)).status).to.equal(200);

            running.push(await runVo({ config: config("vo1", other), tdFile: ROOM_TD, log: () => undefined }));
        } finally {
            running.push(await starting);
        }
        const ready = await httpRequest(readyz);
        expect(ready.status, ready.body.toString()).to.equal(200);
        expect(ready.body.toString()).to.include("[+]consumedVOs ok: vo1 consumed\n");
    });
});
