import zlib from "node:zlib";
import { expect } from "chai";
import { Servient } from "@node-wot/core";
import { HttpServer } from "@node-wot/binding-http";
import { InvalidOptionsError } from "../../src/model/errors";
import { resolveOptions } from "../../src/options/vo-options";
import { parseDescriptor } from "../../src/cli/descriptor";
import { setStaticAddress, VoPersistence } from "../../src";
import { startVo, tempDir, VoFixture } from "../helpers/vo-fixture";
import path from "node:path";
import fs from "node:fs";

async function get(url: string, headers: Record<string, string> = {}) {
    const res = await fetch(url, { headers, redirect: "manual" });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe("dashboard files on the VO's HTTP server", function () {
    let fx: VoFixture | undefined;
    let base: string;
    before(async () => {
        fx = await startVo();
        base = `http://127.0.0.1:${fx.httpPort}`;
    });
    after(async () => fx?.close());

    it("serves the page at /dashboard/ under a Content-Security-Policy that forbids inline scripts, with no inline script or style", async function () {
        const res = await get(`${base}/dashboard/`);
        expect(res.status).to.equal(200);
        expect(res.headers.get("content-type")).to.equal("text/html; charset=utf-8");
        const csp = res.headers.get("content-security-policy")!;
        expect(csp).to.include("script-src 'self'").and.include("default-src 'none'").and.not.include("unsafe");
        expect(res.headers.get("x-content-type-options")).to.equal("nosniff");
        expect(res.headers.get("cache-control")).to.equal("no-cache");
        const html = res.body.toString();
        // every script has a src on this server; no style attribute or element, no handler attribute
        for (const tag of html.match(/<script[^>]*>/g) ?? []) expect(tag).to.match(/ src="[A-Za-z.]+"/);
        expect(html).to.not.match(/<script[^>]*>[^<]+<\/script>|<style|style=|\son[a-z]+=|https?:\/\//);
    });

    it("serves every file the page names, uPlot from the package, gzipped when asked, 304 on a matching ETag", async function () {
        const html = (await get(`${base}/dashboard/`)).body.toString();
        const names = [...html.matchAll(/(?:src|href)="([A-Za-z.]+)"/g)].map((m) => m[1]);
        expect(names).to.include.members(["uPlot.iife.min.js", "uPlot.min.css", "dashboard.css", "main.mjs"]);
        const uplot = fs.readFileSync(
            path.join(path.dirname(require.resolve("uplot/package.json")), "dist", "uPlot.iife.min.js")
        );
        for (const name of names) {
            const plain = await get(`${base}/dashboard/${name}`);
            expect(plain.status, name).to.equal(200);
            expect(plain.headers.get("cache-control"), name).to.equal("public, max-age=600");
            if (name === "uPlot.iife.min.js") expect(plain.body.equals(uplot)).to.equal(true);
            const gz = await get(`${base}/dashboard/${name}`, { "accept-encoding": "gzip" });
            // fetch decodes it: the same bytes, sent compressed
            expect(gz.body.equals(plain.body), name).to.equal(true);
            expect(gz.headers.get("content-encoding"), name).to.equal("gzip");
            const etag = gz.headers.get("etag")!;
            const again = await get(`${base}/dashboard/${name}`, { "accept-encoding": "gzip", "if-none-match": etag });
            expect(again.status, name).to.equal(304);
        }
        // the scripts import one another by relative names, all served
        const main = (await get(`${base}/dashboard/main.mjs`)).body.toString();
        for (const m of main.matchAll(/from "\.\/([a-z-]+\.mjs)"/g)) {
            expect((await get(`${base}/dashboard/${m[1]}`)).status, m[1]).to.equal(200);
        }
        expect(zlib.gzipSync(uplot).length).to.be.lessThan(uplot.length);
    });

    it("redirects /dashboard to /dashboard/ and answers 404 naming an unknown file", async function () {
        const bare = await get(`${base}/dashboard`);
        expect(bare.status).to.equal(308);
        expect(bare.headers.get("location")).to.equal("/dashboard/");
        const unknown = await get(`${base}/dashboard/..%2F..%2Fpackage.json`);
        expect(unknown.status).to.equal(404);
        expect(unknown.body.toString()).to.include('no dashboard file "../../package.json"');
    });
});

describe("dashboard beside a Thing titled like its path", function () {
    it("leaves the Thing's TD at /dashboard and serves the page at /dashboard/", async function () {
        const fx = await startVo();
        try {
            const thing = await fx.wot.produce({ title: "dashboard", properties: { p: { type: "number" } } } as never);
            await thing.expose();
            const td = await get(`http://127.0.0.1:${fx.httpPort}/dashboard`);
            expect(td.status).to.equal(200);
            expect(JSON.parse(td.body.toString()).title).to.equal("dashboard");
            const page = await get(`http://127.0.0.1:${fx.httpPort}/dashboard/`);
            expect(page.headers.get("content-type")).to.equal("text/html; charset=utf-8");
        } finally {
            await fx.close();
        }
    });
});

describe("dashboard options", function () {
    it("moves with dashboard.path and is gone with dashboard: false", async function () {
        const moved = await startVo({ dashboard: { path: "/ui/vo" } });
        const off = await startVo({ dashboard: false });
        try {
            expect((await get(`http://127.0.0.1:${moved.httpPort}/ui/vo/`)).status).to.equal(200);
            expect((await get(`http://127.0.0.1:${moved.httpPort}/dashboard/`)).status).to.equal(404);
            expect((await get(`http://127.0.0.1:${off.httpPort}/dashboard/`)).status).to.equal(404);
        } finally {
            await moved.close();
            await off.close();
        }
    });

    it("refuses a path that is not one, naming the option", function () {
        for (const p of ["/", "dashboard", "/a b/", "/x?y", "/%2e%2e/"]) {
            expect(() => resolveOptions({ dashboard: { path: p } }), p).to.throw(
                InvalidOptionsError,
                /dashboard\.path/
            );
        }
        expect(() => resolveOptions({ dashboard: "yes" as never })).to.throw(InvalidOptionsError, /dashboard: must be/);
        expect(resolveOptions({}).dashboard).to.deep.equal({ path: "/dashboard/" });
    });

    it("reads dashboard: { path } and dashboard: false from the descriptor, refusing a bad path by its key and line", function () {
        const cfg = (text: string) => parseDescriptor(`name: d\n${text}`, "vo.yaml", {}).persistence;
        expect(cfg("dashboard: { path: /ui }\n").dashboard).to.deep.equal({ path: "/ui" });
        expect(resolveOptions(cfg("dashboard: { path: /ui }\n")).dashboard).to.deep.equal({ path: "/ui/" });
        expect(cfg("dashboard: false\n").dashboard).to.equal(false);
        expect(cfg("").dashboard).to.equal(undefined);
        expect(() => cfg("dashboard: { path: /a b }\n")).to.throw(
            /dashboard\.path: must be a path like "\/dashboard\/".*line 2/
        );
        expect(() => cfg("dashboard: true\n")).to.throw(/dashboard: must be false \(no dashboard\)/);
    });

    it("asks for the Things' credentials when they ask for them (basic security)", async function () {
        setStaticAddress("127.0.0.1");
        const dir = tempDir();
        const servient = new Servient();
        const http = new HttpServer({ port: 0, address: "127.0.0.1", security: [{ scheme: "basic" }] as never });
        servient.addServer(http);
        await VoPersistence.attach(servient, { sqlite: { path: path.join(dir, "vo.sqlite") }, vo: { thing: false } });
        servient.addCredentials({ "urn:dash:secured": { username: "ann", password: "s3cret" } });
        try {
            const wot = await servient.start();
            const thing = await wot.produce({
                id: "urn:dash:secured",
                title: "Secured",
                securityDefinitions: { basic_sc: { scheme: "basic", in: "header" } },
                security: "basic_sc",
                properties: { p: { type: "number" } },
            } as never);
            await thing.expose();
            const url = `http://127.0.0.1:${http.getPort()}/dashboard/`;
            expect((await get(url)).status).to.equal(401);
            const wrong = { authorization: `Basic ${Buffer.from("ann:nope").toString("base64")}` };
            expect((await get(url, wrong)).status).to.equal(401);
            const right = { authorization: `Basic ${Buffer.from("ann:s3cret").toString("base64")}` };
            expect((await get(url, right)).status).to.equal(200);
            // the live stream is guarded the same way, with the page's CORS headers
            const live = `${url}live?thing=urn:dash:secured`;
            const origin = { origin: "http://elsewhere.example" };
            const cors = (r: { headers: Headers }) => r.headers.get("access-control-allow-origin");
            const refused = await get(live, origin);
            expect(refused.status).to.equal(401);
            expect(cors(refused)).to.equal(cors(await get(url, origin)));
            expect((await get(live, wrong)).status).to.equal(401);
            const head = await fetch(live, { method: "HEAD", headers: { ...right, ...origin } });
            expect(head.status).to.equal(200);
            expect(head.headers.get("content-type")).to.equal("text/event-stream; charset=utf-8");
            expect(cors(head)).to.equal(cors(await get(url, { ...right, ...origin })));
            const unnamed = await get(`${url}live`, right);
            expect(unnamed.status).to.equal(400);
            expect(unnamed.body.toString()).to.match(/name the Things to follow with \?thing=/);
        } finally {
            await servient.shutdown();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
