import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { exposeSensor, SensorState } from "../../helpers/sensor-thing";
import { startVo, tempDir, VoFixture } from "../../helpers/vo-fixture";
import { httpHref, httpRequest, lastRecordOf, recordsOf } from "./http-helpers";

const THING = "urn:dev:ops:environment-sensor-1";
const MAX = 1024 * 1024; // the default bound

/**
 * Sends `headers` then a chunked body, `chunkBytes` at a time, until `totalBytes` are sent or the
 * server answers; resolves with what the server sent and whether it closed the connection.
 */
function sendChunked(
    port: number,
    head: string,
    chunkBytes: number,
    totalBytes: number
): Promise<{ answer: string; closed: boolean; sent: number }> {
    return new Promise((resolve, reject) => {
        const socket = net.connect(port, "127.0.0.1");
        let answer = "";
        let sent = 0;
        let closed = false;
        const deadline = setTimeout(() => {
            socket.destroy();
            resolve({ answer, closed, sent });
        }, 5000);
        socket.on("data", (d) => (answer += d.toString("latin1")));
        socket.on("error", () => undefined); // a reset after the answer is the server closing on us
        socket.on("close", () => {
            closed = true;
            clearTimeout(deadline);
            resolve({ answer, closed, sent });
        });
        socket.on("connect", () => {
            socket.write(head);
            const chunk = Buffer.alloc(chunkBytes, 0x61);
            const next = (): void => {
                if (answer.length > 0 || socket.destroyed) return;
                if (sent >= totalBytes) {
                    socket.write("0\r\n\r\n");
                    return;
                }
                sent += chunk.length;
                socket.write(`${chunk.length.toString(16)}\r\n`);
                socket.write(chunk);
                socket.write("\r\n", () => setTimeout(next, 1));
            };
            next();
        });
        socket.on("timeout", () => reject(new Error("socket timeout")));
    });
}

// binding-http 0.9.2 reads a request body whole, whatever its size, and hands it to the handler
// (a 5 MB write reached the script); http-body-limit.ts bounds it by limits.maxBodyBytes.
describe("HTTP request bodies are bounded by maxBodyBytes (real clients on 127.0.0.1)", function () {
    this.timeout(20_000);
    let vo: VoFixture;
    let td: WoT.ThingDescription;
    let state: SensorState;
    let labelUrl: string;

    before(async function () {
        vo = await startVo();
        ({ td, state } = await exposeSensor(vo.wot));
        labelUrl = httpHref(td.properties!.label);
    });
    after(async function () {
        await vo?.close();
    });

    it("answers 413 to a Content-Length over the bound before 100 Continue, so the body is never sent", async function () {
        const answer = await new Promise<{ status: number; continued: boolean; connection?: string }>(
            (resolve, reject) => {
                let continued = false;
                const req = http.request(labelUrl, {
                    method: "PUT",
                    headers: {
                        "content-type": "application/json",
                        "content-length": 5_000_000,
                        expect: "100-continue",
                    },
                });
                req.on("continue", () => (continued = true));
                req.on("response", (res) => {
                    res.resume();
                    resolve({ status: res.statusCode ?? 0, continued, connection: res.headers.connection });
                    req.destroy();
                });
                req.on("error", (err) => (continued ? undefined : reject(err)));
                req.setTimeout(5000, () => req.destroy(new Error("no answer")));
                req.flushHeaders();
            }
        );
        expect(answer).to.deep.equal({ status: 413, continued: false, connection: "close" });
        expect(state.label).to.equal("lab");
        const r = await lastRecordOf(vo, THING, "property", "label");
        expect(r).to.include({ op: "writeproperty", ok: false, protocol: "http" });
        expect(r.error).to.equal(`request body over ${MAX} bytes (Content-Length 5000000)`);
        expect(r.origin).to.match(/^127\.0\.0\.1:\d+$/);
    });

    it("still sends 100 Continue to a body within the bound, and serves it", async function () {
        const status = await new Promise<number>((resolve, reject) => {
            const body = JSON.stringify("continued");
            const req = http.request(labelUrl, {
                method: "PUT",
                headers: { "content-type": "application/json", "content-length": body.length, expect: "100-continue" },
            });
            req.on("continue", () => req.end(body));
            req.on("response", (res) => {
                res.resume();
                resolve(res.statusCode ?? 0);
            });
            req.on("error", reject);
            req.setTimeout(5000, () => req.destroy(new Error("no answer")));
            req.flushHeaders();
        });
        expect(status).to.equal(204);
        expect(state.label).to.equal("continued");
        state.label = "lab";
    });

    it("answers 413 to a 5 MB body sent with its length (fetch, curl), the handler never called", async function () {
        const okWrites = async () =>
            (await recordsOf(vo, THING, "property", "label")).filter((r) => r.op === "writeproperty" && r.ok).length;
        const written = await okWrites();
        const body = JSON.stringify("x".repeat(5_000_000));
        const res = await fetch(labelUrl, { method: "PUT", headers: { "content-type": "application/json" }, body });
        expect(res.status).to.equal(413);
        expect(await res.text()).to.include(`at most ${MAX} bytes`);

        const dir = tempDir();
        try {
            const file = path.join(dir, "big.json");
            fs.writeFileSync(file, body);
            const { stdout } = await promisify(execFile)(
                "curl",
                [
                    "-s",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    "-X",
                    "PUT",
                    "-H",
                    "Content-Type: application/json",
                ].concat(["-H", "Expect:", "--max-time", "10", "--data-binary", `@${file}`, labelUrl]),
                { timeout: 15_000 }
            );
            expect(stdout).to.equal("413");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        expect(state.label).to.equal("lab");
        expect(await okWrites()).to.equal(written);
        const refused = (await recordsOf(vo, THING, "property", "label")).slice(-2);
        expect(refused.map((r) => [r.ok, r.error])).to.deep.equal([
            [false, `request body over ${MAX} bytes (Content-Length 5000002)`],
            [false, `request body over ${MAX} bytes (Content-Length 5000002)`],
        ]);
    });

    it("stops a chunked body once it passes the bound: 413, connection closed, nothing reaches the handler", async function () {
        const { pathname } = new URL(labelUrl);
        const head =
            `PUT ${pathname} HTTP/1.1\r\nHost: 127.0.0.1:${vo.httpPort}\r\n` +
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        const before = (await recordsOf(vo, THING, "property", "label")).length;
        // at most 3 MiB, 64 KiB at a time, stopping when the answer comes
        const { answer, closed, sent } = await sendChunked(vo.httpPort, head, 64 * 1024, 3 * MAX);
        expect(answer.split("\r\n")[0]).to.equal("HTTP/1.1 413 Payload Too Large");
        expect(closed, "the server closes the connection").to.equal(true);
        expect(sent)
            .to.be.greaterThan(MAX)
            .and.below(3 * MAX);
        expect(state.label).to.equal("lab");
        const rows = await recordsOf(vo, THING, "property", "label");
        expect(rows).to.have.length(before + 1);
        expect(rows[rows.length - 1]).to.include({
            op: "writeproperty",
            ok: false,
            error: `request body over ${MAX} bytes`,
        });
    });

    it("hands a chunked body within the bound to the handler whole", async function () {
        const value = "chunked:" + "y".repeat(300_000);
        const text = JSON.stringify(value);
        const status = await new Promise<number>((resolve, reject) => {
            const req = http.request(labelUrl, { method: "PUT", headers: { "content-type": "application/json" } });
            req.on("response", (res) => {
                res.resume();
                resolve(res.statusCode ?? 0);
            });
            req.on("error", reject);
            req.setTimeout(5000, () => req.destroy(new Error("no answer")));
            // three writes without a Content-Length: node sends them chunked
            const third = Math.ceil(text.length / 3);
            req.write(text.slice(0, third));
            setTimeout(() => {
                req.write(text.slice(third, 2 * third));
                req.end(text.slice(2 * third));
            }, 20);
        });
        expect(status).to.equal(204);
        expect(state.label).to.equal(value);
        const r = await lastRecordOf(vo, THING, "property", "label");
        expect(r).to.include({ op: "writeproperty", ok: true, truncated: true }); // recorded cut at maxValueBytes
        expect(value.startsWith(r.value as string)).to.equal(true);
        state.label = "lab";
    });

    it("bounds action inputs the same way, recorded as a refused invocation", async function () {
        const url = httpHref(td.actions!.calibrate);
        const res = await httpRequest(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ offset: 1, pad: "z".repeat(MAX) }),
        }).catch((err: Error) => err);
        expect(res).to.not.be.instanceOf(Error);
        expect((res as { status: number }).status).to.equal(413);
        expect(state.offset).to.equal(0);
        const r = await lastRecordOf(vo, THING, "action", "calibrate");
        expect(r).to.include({ op: "invokeaction", ok: false, protocol: "http" });
        expect(r.error).to.match(/^request body over 1048576 bytes/);
    });
});
