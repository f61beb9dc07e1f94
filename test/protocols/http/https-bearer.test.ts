import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { Servient } from "@node-wot/core";
import { HttpServer } from "@node-wot/binding-http";
import { parseDescriptor, DescriptorError } from "../../../src/cli/descriptor";
import { runVo, RunningVo } from "../../../src/cli/run-vo";
import { VoPersistence } from "../../../src";
import { checkBearer, verifyJwt } from "../../../src/protocols/http/http-bearer";
import { VoHttpsClientFactory } from "../../../src/protocols/http/http-client-factory";
import { selfSignedCertificate } from "../../helpers/certificate";
import { ROOT } from "../../helpers/node-process";
import { tempDir, waitFor } from "../../helpers/vo-fixture";

const run = promisify(execFile);
const ROOM_TD = path.join(ROOT, "thing-descriptions", "room-log.td.json");
const TOKENS = ["tok-A.1_~+/=", "second-token-0123456789"];

/** A compact JWS (RFC 7515) of `claims`, signed as `alg` says. */
function jwt(claims: object, key: crypto.KeyObject, alg = "ES256"): string {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const signed = `${part({ alg, typ: "JWT" })}.${part(claims)}`;
    const hash = alg === "EdDSA" ? null : `sha${alg.slice(2)}`;
    const sig = crypto.sign(hash, Buffer.from(signed), { key, dsaEncoding: "ieee-p1363" });
    return `${signed}.${sig.toString("base64url")}`;
}

async function curl(args: string[]): Promise<{ status: number; body: string; headers: string }> {
    const { stdout } = await run("curl", ["-s", "-D", "-", "-w", "\n%{http_code}", ...args]);
    const lines = stdout.trimEnd().split("\n");
    const status = Number(lines.pop());
    const text = lines.join("\n");
    const cut = text.indexOf("\r\n\r\n");
    return { status, headers: text.slice(0, cut), body: text.slice(cut + 4) };
}

// binding-http 0.9.2, http-server.js checkCredentials: `case "Bearer"` never matches a TD's `bearer`.
describe("binding-http 0.9.2's bearer check (the upstream bug http-bearer.ts fixes)", function () {
    it("alone, answers 401 even to the right token; instrumented by node-wot-vo, 200", async function () {
        const answers: number[] = [];
        for (const instrumented of [false, true]) {
            const servient = new Servient();
            const server = new HttpServer({ port: 0, address: "127.0.0.1", security: [{ scheme: "bearer" }] as never });
            servient.addServer(server);
            const dir = tempDir("node-wot-vo-bearer-");
            const vo = instrumented
                ? await VoPersistence.attach(servient, {
                      sqlite: { path: path.join(dir, "vo.sqlite") },
                      vo: { thing: false, selfCheckIntervalMs: 0 },
                  })
                : undefined;
            try {
                const wot = await servient.start();
                const thing = await wot.produce({
                    title: "T",
                    securityDefinitions: { b: { scheme: "bearer" } },
                    security: "b",
                    properties: { p: { type: "number" } },
                } as never);
                thing.setPropertyReadHandler("p", async () => 1);
                servient.addCredentials({ [thing.getThingDescription().id!]: { token: TOKENS[0] } });
                await thing.expose();
                const res = await fetch(`http://127.0.0.1:${server.getPort()}/t/properties/p`, {
                    headers: { authorization: `Bearer ${TOKENS[0]}` },
                });
                answers.push(res.status);
            } finally {
                await servient.shutdown();
                await vo?.close();
                fs.rmSync(dir, { recursive: true, force: true });
            }
        }
        expect(answers).to.deep.equal([401, 200]);
    });
});

describe("HTTPS and bearer tokens (node-wot-vo run, curl and node-wot's own client on 127.0.0.1)", function () {
    this.timeout(30_000);
    let dir: string;
    let tls: { cert: string; key: string };
    let running: RunningVo | undefined;
    const logs: string[] = [];

    before(async function () {
        dir = tempDir("node-wot-vo-https-");
        tls = await selfSignedCertificate(dir);
    });
    afterEach(async () => {
        await running?.stop();
        running = undefined;
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const start = async (security: string, env: NodeJS.ProcessEnv = {}) => {
        const config = parseDescriptor(
            [
                "name: secure-vo",
                `http: { port: 0, certFile: ${tls.cert}, keyFile: ${tls.key} }`,
                "coap: false",
                `security: ${security}`,
                "selfCheck: { interval: 200ms }",
            ].join("\n"),
            path.join(dir, "vo.yaml"),
            env
        );
        running = await runVo({ config, tdFile: ROOM_TD, log: (l) => logs.push(l) });
        return `https://127.0.0.1:${running.httpPort}`;
    };

    it("serves HTTPS with tokens from a file: curl and node-wot's client with a right token, 401 recorded otherwise", async function () {
        const file = path.join(dir, "tokens");
        fs.writeFileSync(file, `# accepted tokens\n${TOKENS[0]}\n\n${TOKENS[1]}, \n`);
        const base = await start(`{ scheme: bearer, tokensFile: ${file} }`);
        const td = running!.thing!.getThingDescription();
        expect(td.securityDefinitions).to.deep.equal({
            bearer_sc: { scheme: "bearer", in: "header", format: "opaque" },
        });
        const href = (td.properties!.occupancy.forms[0] as { href: string }).href;
        expect(href.startsWith(`${base}/`), href).to.equal(true);

        const url = `${base}/roomlog/properties/occupancy`;
        const ca = ["--cacert", tls.cert];
        for (const token of TOKENS) {
            const ok = await curl([...ca, "-H", `Authorization: Bearer ${token}`, url]);
            expect(ok.status, token).to.equal(200);
        }
        const lower = await curl([...ca, "-H", `Authorization: bearer ${TOKENS[0]}`, url]);
        expect(lower.status, "the scheme name is case-insensitive (RFC 6750)").to.equal(200);
        const none = await curl([...ca, url]);
        expect(none.status).to.equal(401);
        expect(none.headers).to.match(/^www-authenticate: Bearer realm=/im);
        const wrong = await curl([...ca, "-H", "Authorization: Bearer not-a-SECRET-we-know", url]);
        expect(wrong.status).to.equal(401);
        const write = await curl([
            ...ca,
            "-X",
            "PUT",
            "-H",
            "Authorization: Bearer nope",
            "-H",
            "Content-Type: application/json",
            "--data",
            "3",
            url,
        ]);
        expect(write.status).to.equal(401);

        // node-wot's own HTTP client, with the token as its credentials for the Thing
        const servient = new Servient();
        servient.addClientFactory(new VoHttpsClientFactory({ allowSelfSigned: true }));
        servient.addCredentials({ [td.id!]: { token: TOKENS[1] } });
        const wot = await servient.start();
        try {
            const thing = await wot.consume(td);
            await thing.writeProperty("occupancy", 7);
            expect(await (await thing.readProperty("occupancy")).value()).to.equal(7);
        } finally {
            await servient.shutdown();
        }

        // the self-check probes its own HTTPS server (a certificate it does not trust is still an answer)
        await waitFor(async () => running!.vo.state.status?.status === "ok", 10_000, "self-check ok");

        await running!.vo.flush();
        const refused = await running!.vo.history({
            thing: td.id!,
            kind: "property",
            name: "occupancy",
            okOnly: false,
            ops: ["readproperty", "writeproperty"],
        });
        const errors = refused.filter((r) => !r.ok).map((r) => `${r.op} ${r.protocol} ${r.error}`);
        expect(errors).to.deep.equal([
            "readproperty https no bearer token",
            "readproperty https unknown token",
            "writeproperty https unknown token",
        ]);
        expect(logs.join("\n")).to.not.include("not-a-SECRET");
        expect(JSON.stringify(refused)).to.not.include("not-a-SECRET");
    });

    it("accepts JWTs its key signed, in their validity; refuses expired, foreign, alg none and HMAC ones", async function () {
        const { publicKey, privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
        const other = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
        const pem = path.join(dir, "jwt.pem");
        fs.writeFileSync(pem, publicKey.export({ type: "spki", format: "pem" }));
        const base = await start(`{ scheme: bearer, jwtPublicKeyFile: ${pem} }`);
        const url = `${base}/roomlog/properties/occupancy`;
        const now = Math.floor(Date.now() / 1000);
        const get = (token: string) => curl(["--cacert", tls.cert, "-H", `Authorization: Bearer ${token}`, url]);

        expect((await get(jwt({ sub: "operator", exp: now + 60 }, privateKey))).status).to.equal(200);
        expect((await get(jwt({ sub: "operator" }, privateKey))).status).to.equal(200);
        expect((await get(jwt({ exp: now - 3600 }, privateKey))).status).to.equal(401);
        expect((await get(jwt({ nbf: now + 3600 }, privateKey))).status).to.equal(401);
        expect((await get(jwt({ exp: now + 60 }, other))).status).to.equal(401);
        const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from("{}").toString("base64url")}.`;
        expect((await get(none)).status).to.equal(401);
        expect(verifyJwt(none, publicKey)).to.equal('JWT algorithm "none" is not accepted');
        // the classic confusion: an HMAC keyed with the public key's PEM
        const secret = publicKey.export({ type: "spki", format: "pem" });
        const head = `${Buffer.from('{"alg":"HS256"}').toString("base64url")}.${Buffer.from("{}").toString("base64url")}`;
        const hmac = `${head}.${crypto.createHmac("sha256", secret).update(head).digest("base64url")}`;
        expect((await get(hmac)).status).to.equal(401);
        expect(verifyJwt(hmac, publicKey)).to.equal('JWT algorithm "HS256" is not accepted');
        expect(checkBearer(jwt({ exp: now - 3600 }, privateKey), [{ publicKey }])).to.equal("JWT expired");
        expect(checkBearer(jwt({}, other), [{ publicKey }])).to.equal("JWT signature does not verify");
        const rsa = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
        expect(verifyJwt(jwt({}, rsa.privateKey, "RS256"), publicKey)).to.equal(
            "JWT algorithm RS256 does not fit the configured key"
        );
        expect(verifyJwt(jwt({}, rsa.privateKey, "RS256"), rsa.publicKey)).to.equal(undefined);
    });

    it("takes the tokens from an environment variable; never echoes one in an error", async function () {
        const base = await start("{ scheme: bearer, tokensEnv: VO_TOKENS }", { VO_TOKENS: TOKENS.join(",") });
        const url = `${base}/roomlog/properties/occupancy`;
        const ok = await curl(["--cacert", tls.cert, "-H", `Authorization: Bearer ${TOKENS[1]}`, url]);
        expect(ok.status).to.equal(200);
    });

    it("refuses what cannot work, naming the file or key and never its content", function () {
        const at = path.join(dir, "vo.yaml");
        const problems = (text: string, env: NodeJS.ProcessEnv = {}): string[] => {
            try {
                parseDescriptor(`name: x\n${text}`, at, env);
            } catch (err) {
                return (err as DescriptorError).problems.map((p) => `${p.path}: ${p.message}`);
            }
            return [];
        };
        const missing = path.join(dir, "no-such.pem");
        expect(problems(`http: { certFile: ${missing}, keyFile: ${tls.key} }\ncoap: false`)).to.deep.equal([
            `http.certFile: cannot read ${missing}: ENOENT`,
        ]);
        expect(problems(`http: { certFile: ${tls.key}, keyFile: ${tls.key} }\ncoap: false`)).to.deep.equal([
            `http.certFile: ${tls.key} is not a PEM certificate`,
        ]);
        expect(problems(`http: { certFile: ${tls.cert} }`)[0]).to.include("keyFile");
        expect(problems("security: { scheme: bearer }\ncoap: false")).to.deep.equal([
            "security: bearer needs what it accepts: tokensEnv, tokensFile or jwtPublicKeyFile",
        ]);
        expect(problems("security: { scheme: bearer, tokensEnv: VO_TOKENS }", { VO_TOKENS: "t" })).to.deep.equal([
            "coap: must be false when security.scheme is bearer (CoAP carries no bearer token)",
        ]);
        const secret = path.join(dir, "secret.pem");
        fs.writeFileSync(secret, "my-SECRET-not-a-key\n");
        const p = problems(`security: { scheme: bearer, jwtPublicKeyFile: ${secret} }\ncoap: false`);
        expect(p).to.deep.equal([`security.jwtPublicKeyFile: ${secret} is not a PEM public key`]);
        const empty = path.join(dir, "empty-tokens");
        fs.writeFileSync(empty, "# none yet\n\n");
        expect(problems(`security: { scheme: bearer, tokensFile: ${empty} }\ncoap: false`)).to.deep.equal([
            `security.tokensFile: ${empty} holds no token`,
        ]);
    });
});
