import { expect } from "chai";
import { tdValidator } from "@thing-description-playground/core";
import { freeTcpPort } from "../../helpers/free-port";
import { exposeSensor } from "../../helpers/sensor-thing";
import { startClient, startVo, VoFixture, ClientFixture } from "../../helpers/vo-fixture";

const HOSTILE = 'Room "7", <b>&/%\nline';
const IDS = ["urn:dev:ops:environment-sensor-1", "urn:dev:ops:hostile-%2F,1", "urn:node-wot-vo:status"];

interface Td {
    id: string;
    title: string;
}

async function validated(td: unknown): Promise<Record<string, string | null>> {
    const { report } = (await tdValidator(JSON.stringify(td), () => undefined, { checkJsonLd: false })) as {
        report: Record<string, string | null>;
    };
    return report;
}

async function discovered(client: ClientFixture, url: string): Promise<Td[]> {
    const found: Td[] = [];
    const process = await client.wot.exploreDirectory(url);
    for await (const td of process) found.push(td as unknown as Td);
    expect(process.error, String(process.error)).to.equal(undefined);
    return found;
}

describe("the VO as a Thing Description Directory: /.well-known/wot and the catalogue (real servers on 127.0.0.1)", function () {
    let vo: VoFixture;
    let client: ClientFixture;
    let catalogue: number;

    before(async function () {
        catalogue = await freeTcpPort();
        vo = await startVo({ vo: { thing: {}, selfCheckIntervalMs: 0 }, catalogue: { port: catalogue } });
        await exposeSensor(vo.wot);
        const hostile = await vo.wot.produce({ id: IDS[1], title: HOSTILE, properties: { v: { type: "number" } } });
        hostile.setPropertyReadHandler("v", async () => 1);
        await hostile.expose();
        client = await startClient();
    });
    after(async function () {
        await client?.close();
        await vo?.close();
    });

    it("answers its directory TD at /.well-known/wot, valid for the TD Playground validator", async function () {
        const res = await fetch(`http://127.0.0.1:${vo.httpPort}/.well-known/wot`);
        expect(res.status).to.equal(200);
        expect(res.headers.get("content-type")).to.equal("application/td+json");
        const td = (await res.json()) as { "@type": string; base: string; properties: object };
        expect(td["@type"]).to.equal("ThingDirectory");
        expect(td.base).to.equal(`http://127.0.0.1:${vo.httpPort}/`);
        const report = await validated(td);
        expect(report.json).to.equal("passed");
        expect(report.schema).to.equal("passed");
        expect(report.additional).to.not.equal("failed");
    });

    it("node-wot's WoT.exploreDirectory finds every Thing from the VO's HTTP server and from the catalogue", async function () {
        for (const url of [
            `http://127.0.0.1:${vo.httpPort}/.well-known/wot`,
            `http://127.0.0.1:${catalogue}/.well-known/wot`,
        ]) {
            const tds = await discovered(client, url);
            expect(tds.map((t) => t.id).sort(), url).to.deep.equal([...IDS].sort());
            expect(tds.find((t) => t.id === IDS[1])?.title).to.equal(HOSTILE);
        }
    });

    it("pages the listing with offset and limit, the next page in Link, none repeated or missed", async function () {
        const base = `http://127.0.0.1:${vo.httpPort}`;
        let next: string | undefined = "/.well-known/wot/things?limit=2";
        const ids: string[] = [];
        for (let page = 0; next !== undefined && page < 5; page++) {
            const res: Response = await fetch(base + next);
            expect(res.status).to.equal(200);
            expect(res.headers.get("content-type")).to.equal("application/ld+json");
            const tds = (await res.json()) as Td[];
            expect(tds.length).to.be.within(1, 2);
            ids.push(...tds.map((t) => t.id));
            next = /^<([^>]+)>; rel="next"$/.exec(res.headers.get("link") ?? "")?.[1];
        }
        expect(ids.sort()).to.deep.equal([...IDS].sort());
    });

    it("retrieveThing gives one TD by its id, through node-wot and over plain HTTP; an unknown id is 404", async function () {
        const directory = await client.wot.consume(
            await client.wot.requestThingDescription(`http://127.0.0.1:${vo.httpPort}/.well-known/wot`)
        );
        const out = await directory.invokeAction("retrieveThing", undefined, { uriVariables: { id: IDS[1] } });
        expect(((await out!.value()) as unknown as Td).title).to.equal(HOSTILE);
        const res = await fetch(
            `http://127.0.0.1:${vo.httpPort}/.well-known/wot/things/${encodeURIComponent("urn:no:such")}`
        );
        expect(res.status).to.equal(404);
        expect(res.headers.get("content-type")).to.equal("application/problem+json");
        expect(((await res.json()) as { detail: string }).detail).to.include("urn:no:such");
    });

    it("refuses bad paging arguments (400, naming them) and any write (405): the directory is read-only", async function () {
        const base = `http://127.0.0.1:${vo.httpPort}/.well-known/wot`;
        for (const [query, name] of [
            ["limit=0", "limit"],
            ["limit=abc", "limit"],
            ["offset=-1", "offset"],
            ["limit=100000", "limit"],
        ]) {
            const res = await fetch(`${base}/things?${query}`);
            expect(res.status, query).to.equal(400);
            expect(((await res.json()) as { detail: string }).detail.startsWith(`${name}:`), query).to.equal(true);
        }
        for (const [method, url] of [
            ["PUT", `${base}/things/urn:x`],
            ["POST", `${base}/things`],
            ["DELETE", `http://127.0.0.1:${catalogue}/things/urn:x`],
            ["POST", `http://127.0.0.1:${catalogue}/`],
        ]) {
            const res = await fetch(url, { method, body: method === "DELETE" ? undefined : "{}" });
            expect(res.status, `${method} ${url}`).to.equal(405);
            expect(res.headers.get("allow")).to.equal("GET, HEAD");
        }
        expect((await fetch(`${base}/nothing-here`)).status).to.equal(404);
    });

    it("the catalogue port answers as vo-wot's: title -> TD path, ?expanded=true -> the TDs, /<thing> -> its TD", async function () {
        const listing = (await (await fetch(`http://127.0.0.1:${catalogue}/`)).json()) as Record<string, string>;
        expect(Object.keys(listing).sort()).to.deep.equal([HOSTILE, "EnvironmentSensor", "VoStatus"].sort());
        for (const [title, path] of Object.entries(listing)) {
            const res = await fetch(`http://127.0.0.1:${catalogue}${path}`);
            expect(res.status, path).to.equal(200);
            expect(((await res.json()) as Td).title).to.equal(title);
        }
        const expanded = (await (await fetch(`http://127.0.0.1:${catalogue}/?expanded=true`)).json()) as Record<
            string,
            Td
        >;
        expect(
            Object.values(expanded)
                .map((t) => t.id)
                .sort()
        ).to.deep.equal([...IDS].sort());
        const missing = await fetch(`http://127.0.0.1:${catalogue}/no-such-thing`);
        expect(missing.status).to.equal(404);
        expect(await missing.text()).to.include("no-such-thing");
        expect(vo.vo.catalogue).to.deep.equal({ host: "127.0.0.1", port: catalogue });
    });
});

describe("the catalogue option", function () {
    it("refuses a port that is not one, and a port already taken, naming it", async function () {
        let refused: Error | undefined;
        try {
            await startVo({ catalogue: { port: 70000 } });
        } catch (err) {
            refused = err as Error;
        }
        expect(refused?.message).to.include("catalogue.port: must be an integer from 0 to 65535, got 70000");

        const taken = await startVo({ catalogue: { port: 0 } });
        try {
            const port = taken.vo.catalogue!.port;
            let error: Error | undefined;
            try {
                await startVo({ catalogue: { port } });
            } catch (err) {
                error = err as Error;
            }
            expect(error?.message).to.equal(`catalogue: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
        } finally {
            await taken.close();
        }
    });
});
