import { WebSocketServer } from "@node-wot/binding-websockets";
import { Servient } from "@node-wot/core";
import { expect } from "chai";
import { setStaticAddress, VoPersistence } from "../../../src";
import { tempDir } from "../../helpers/vo-fixture";
import { TestWsClient } from "./ws-clients";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..", "..", "..");

const MODEL = {
    title: "Lamp",
    properties: { level: { type: "integer", observable: true } },
    actions: { toggle: { output: { type: "boolean" } } },
} as const;

/** binding-websockets 0.9.0 (built against core 0.9.0) run in this core 0.9.2 servient, as it is and as protocols/websocket fixes it. */
describe("binding-websockets 0.9.0 fixes", function () {
    this.timeout(20_000);

    async function run(
        server: unknown
    ): Promise<{ servient: Servient; td: Record<string, unknown>; close(): Promise<void> }> {
        setStaticAddress("127.0.0.1");
        const dir = tempDir();
        const servient = new Servient();
        if (server !== undefined) servient.addServer(server as never);
        await VoPersistence.attach(servient, {
            sqlite: { path: path.join(dir, "vo.sqlite") },
            vo: { thing: false, selfCheckIntervalMs: 0 },
            websocket: server === undefined ? { port: 0, address: "127.0.0.1" } : undefined,
        });
        const wot = await servient.start();
        const thing = await wot.produce(MODEL as never);
        let level = 3;
        let on = false;
        thing.setPropertyReadHandler("level", async () => level);
        thing.setPropertyWriteHandler("level", async (io) => void (level = (await io.value()) as number));
        thing.setActionHandler("toggle", async () => (on = !on));
        await thing.expose();
        return {
            servient,
            td: thing.getThingDescription() as unknown as Record<string, unknown>,
            async close() {
                await servient.shutdown();
                fs.rmSync(dir, { recursive: true, force: true });
            },
        };
    }
    const href = (td: Record<string, unknown>, kind: string, name: string): string =>
        (td[kind] as Record<string, { forms: { href: string }[] }>)[name].forms.find((f) => f.href.startsWith("ws:"))!
            .href;

    it("node-wot#476: upstream advertises invokeaction but drops the action's socket; here it is answered", async function () {
        const upstream = await run(new WebSocketServer({ port: 0, address: "127.0.0.1" }));
        try {
            const url = href(upstream.td, "actions", "toggle");
            expect(url).to.match(/^ws:\/\/127\.0\.0\.1:\d+\/lamp\/actions\/toggle$/); // static address reached its core copy
            const error = await TestWsClient.open(url).then(
                async (c) => {
                    await c.close();
                    return undefined;
                },
                (err: Error) => err
            );
            expect(error?.message).to.match(/socket hang up|ECONNRESET/);
        } finally {
            await upstream.close();
        }

        const fixed = await run(undefined);
        try {
            const c = await TestWsClient.open(href(fixed.td, "actions", "toggle"));
            try {
                expect(await c.request({ op: "invokeaction" })).to.deep.include({ output: true });
            } finally {
                await c.close();
            }
        } finally {
            await fixed.close();
        }
    });

    it("node-wot#476: upstream reads nothing a client sends on a property socket, and a client leaving it crashes the process; here it is served", async function () {
        // upstream, in a child process of its own: it unobserves a listener it never registered, which throws out of a socket event
        const script = `
            const { Servient } = require("@node-wot/core");
            const wsCore = require.resolve("@node-wot/core", { paths: [require.resolve("@node-wot/binding-websockets")] });
            require(wsCore).Helpers.setStaticAddress("127.0.0.1"); // its forms on loopback only
            const { WebSocketServer } = require("@node-wot/binding-websockets");
            const WebSocket = require("ws");
            const servient = new Servient();
            servient.addServer(new WebSocketServer({ port: 0, address: "127.0.0.1" }));
            servient.start().then(async (wot) => {
                const thing = await wot.produce(${JSON.stringify(MODEL)});
                thing.setPropertyReadHandler("level", async () => 3);
                await thing.expose();
                const href = thing.getThingDescription().properties.level.forms.find((f) => f.href.startsWith("ws:")).href;
                const ws = new WebSocket(href);
                let answered = false;
                ws.on("message", () => (answered = true));
                ws.on("open", () => {
                    ws.send(JSON.stringify({ op: "readproperty", id: 1 }));
                    setTimeout(() => { console.log("answered:" + answered); ws.close(); }, 300);
                });
                setTimeout(() => { console.log("survived"); process.exit(0); }, 2000);
            });`;
        const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
            const child = execFile(
                process.execPath,
                ["-e", script],
                { cwd: ROOT, timeout: 15_000 },
                (_err, stdout, stderr) => resolve({ code: child.exitCode, out: stdout + stderr })
            );
        });
        expect(result.out).to.include("answered:false");
        expect(result.out).to.match(/Error: Not found/);
        expect(result.out).to.not.include("survived");
        expect(result.code).to.not.equal(0);

        const fixed = await run(undefined);
        try {
            const c = await TestWsClient.open(href(fixed.td, "properties", "level"));
            try {
                expect(await c.request({ op: "readproperty" })).to.deep.include({ value: 3 });
                expect(await c.request({ op: "observeproperty" })).to.deep.include({ ok: true });
                expect(await c.request({ op: "writeproperty", value: 4 })).to.deep.include({ ok: true });
            } finally {
                await c.close();
            }
            // the client left and the VO still serves
            const again = await TestWsClient.open(href(fixed.td, "properties", "level"));
            expect(await again.request({ op: "readproperty" })).to.deep.include({ value: 4 });
            await again.close();
        } finally {
            await fixed.close();
        }
    });
});
