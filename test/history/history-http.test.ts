import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { validateThingDescription } from "../../src/cli/td-validation";
import { expandHistory } from "../helpers/history-template";
import { exposeSensor } from "../helpers/sensor-thing";
import { startClient, startVo, VoFixture } from "../helpers/vo-fixture";
import { embedded, storesUnderTest } from "./stores-under-test";

const THING = "urn:dev:ops:environment-sensor-1";

interface Page {
    items: { timestampNs: string; op: string; value: unknown; protocol: string; ok: boolean }[];
    next?: string;
    windows?: { time: string; value: number | null }[];
}

type Described = { "vo:history"?: { href: string; contentType: string }[] };

/** The history href of an affordance, from the served TD alone. */
function historyHref(affordance: unknown, contentType = "application/json"): string {
    const links = (affordance as Described)["vo:history"];
    const link = links?.find((l) => l.contentType === contentType);
    if (link === undefined) throw new Error(`no vo:history (${contentType}) on the affordance`);
    return expandHistory(link.href);
}

for (const store of storesUnderTest()) {
    describe(`history over HTTP: GET <affordance>/history, found from the TD (real servient, ${store.name})`, function () {
        this.timeout(60_000);
        let vo: VoFixture;
        let td: WoT.ThingDescription;
        let href: string;

        const write = async (name: string, value: unknown) => {
            const form = td.properties![name].forms.find((f) => f.href.startsWith("http:"))!;
            const res = await fetch(form.href, {
                method: "PUT",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(value),
            });
            expect(res.status).to.equal(204);
        };
        const get = async (url: string, headers: Record<string, string> = {}) => {
            const res = await fetch(url, { headers });
            return { status: res.status, headers: res.headers, text: await res.text() };
        };
        const page = async (query: string): Promise<Page> => {
            const res = await get(`${href}?${query}`);
            expect(res.status, res.text).to.equal(200);
            return JSON.parse(res.text) as Page;
        };

        before(async function () {
            vo = await startVo(await store.options(this));
            expect(vo.vo.timeSeriesTarget).to.match(store === embedded ? /^sqlite:/ : /^influxdb:/);
            ({ td } = await exposeSensor(vo.wot));
            td = (await (await fetch(td.forms![0].href.replace(/\/properties$/, ""))).json()) as WoT.ThingDescription;
            href = historyHref(td.properties!.samplingInterval);
            // a millisecond apart at least: the from/to test below bounds a range by the points' own milliseconds
            for (const v of [5, 6, 7, 8, 9]) {
                await write("samplingInterval", v);
                await new Promise((r) => setTimeout(r, 2));
            }
            await write("label", 'ÄÖ, "quoted"\nline');
            await vo.vo.flush();
        });
        after(async () => {
            await vo?.close();
            await store.stop();
        });

        it("is described on every affordance of the served TD, which stays valid TD 1.1", async function () {
            expect(td["@context"]).to.deep.include({ vo: "urn:node-wot-vo:vocabulary#" });
            for (const map of [td.properties, td.actions, td.events]) {
                for (const [name, a] of Object.entries(map ?? {})) {
                    expect(historyHref(a), name).to.match(/^http:\/\/127\.0\.0\.1:\d+\/.+\/history$/);
                    expect(historyHref(a, "text/csv"), name).to.equal(historyHref(a));
                }
            }
            validateThingDescription(td, "the served TD");
        });

        it("answers the points oldest first, newest first, within from/to and the limit", async function () {
            const all = await page("");
            expect(all.items.map((i) => i.value)).to.deep.equal([5, 6, 7, 8, 9]);
            expect(all.items.every((i) => i.op === "writeproperty" && i.protocol === "http" && i.ok)).to.equal(true);
            expect(all.next).to.equal(undefined);
            const newest = await page("order=newest&limit=2");
            expect(newest.items.map((i) => i.value)).to.deep.equal([9, 8]);
            expect(newest.next).to.be.a("string");
            const ms = (i: number) => Number(BigInt(all.items[i].timestampNs) / 1_000_000n);
            // `to` is exclusive: from the 2nd point's millisecond up to the 4th point's excludes the 4th
            // (and any point written in that same millisecond: two writes can share one)
            const ranged = await page(`from=${ms(1)}&to=${ms(3)}`);
            const expected = all.items.filter((_, i) => ms(i) >= ms(1) && ms(i) < ms(3)).map((i) => i.value);
            expect(ranged.items.map((i) => i.value))
                .to.deep.equal(expected)
                .and.not.include(8);
            expect((await page("from=-1h")).items).to.have.length(5);
        });

        it("pages through 3 pages with a cursor while new points arrive: none repeated, none missing", async function () {
            const seen: unknown[] = [];
            let res = await get(`${href}?limit=2`);
            for (let n = 0; ; n++) {
                expect(res.status, res.text).to.equal(200);
                const p = JSON.parse(res.text) as Page;
                seen.push(...p.items.map((i) => i.timestampNs));
                await write("samplingInterval", 100 + n); // arrives during the paging
                await vo.vo.flush();
                if (p.next === undefined) {
                    expect(res.headers.get("link")).to.equal(null);
                    break;
                }
                const link = /^<([^>]+)>; rel="next"$/.exec(res.headers.get("link") ?? "");
                expect(link, "a Link header to the next page").to.not.equal(null);
                expect(n).to.be.lessThan(5);
                res = await get(new URL(link![1], href).href);
            }
            expect(new Set(seen).size, "no point repeated").to.equal(seen.length);
            // the range's end was pinned by the first page (now + 1 s): the points written while paging after it
            // are not in these pages, every point before it is, in order
            expect(seen.length).to.be.within(5, 8);
            const oldestFirst = await page("limit=100");
            expect(
                oldestFirst.items.slice(0, seen.length).map((i) => i.timestampNs),
                "none missing"
            ).to.deep.equal(seen);
        });

        it("aggregates in epoch-aligned windows with every fn", async function () {
            const values = (await page("")).items.map((i) => i.value as number);
            const expected: Record<string, number> = {
                mean: values.reduce((a, b) => a + b, 0) / values.length,
                min: Math.min(...values),
                max: Math.max(...values),
                count: values.length,
                last: values[values.length - 1],
            };
            for (const [fn, value] of Object.entries(expected)) {
                const p = await page(`from=-1h&every=1h&fn=${fn}`);
                const windows = p.windows!.filter((w) => w.value !== null);
                const total =
                    fn === "count" ? windows.reduce((a, w) => a + w.value!, 0) : windows[windows.length - 1].value;
                if (windows.length === 1 || fn === "count") expect(total, fn).to.be.closeTo(value, 1e-9);
                for (const w of p.windows!) expect(Date.parse(w.time) % 3_600_000, "aligned to the hour").to.equal(0);
            }
        });

        it("answers CSV on Accept: text/csv, RFC 4180 quoted", async function () {
            const res = await get(historyHref(td.properties!.label, "text/csv"), { accept: "text/csv" });
            expect(res.status).to.equal(200);
            expect(res.headers.get("content-type")).to.equal("text/csv");
            const [header, row] = res.text.split("\r\n");
            expect(header).to.equal(
                "time,timestampNs,op,protocol,origin,ok,value,output,error,durationMs,valid,truncated,stale,gap,gapTo,gapOpen"
            );
            expect(row).to.include(',"ÄÖ, ""quoted""\nline",');
        });

        it("refuses what it cannot answer, naming the parameter: 400, 404, 406", async function () {
            const refusals: [string, number, RegExp][] = [
                ["fn=median&every=1m", 400, /^fn:/],
                ["every=0s&fn=mean&from=-1h", 400, /every/],
                ["every=1m", 400, /^every: needs fn/],
                ["from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", 400, /from must be before to/],
                ["from=yesterday", 400, /^from:/],
                ["limit=0", 400, /^limit:/],
                ["limit=10001", 400, /^limit:/],
                ["order=sideways", 400, /^order:/],
                ["cursor=not-a-cursor", 400, /^cursor: does not parse/],
                ["colour=red", 400, /unknown parameter "colour"/],
                ["limit=1&limit=2", 400, /^limit: given more than once/],
                ["every=1ms&fn=mean", 400, /^every: \d+ windows/],
            ];
            for (const [query, status, message] of refusals) {
                const res = await get(`${href}?${query}`);
                expect(res.status, query).to.equal(status);
                expect(res.text, query).to.match(message);
            }
            // a cursor of another query
            const other = await page("order=newest&limit=1");
            const res = await get(`${href}?limit=1&cursor=${other.next}`);
            expect(res.status).to.equal(400);
            expect(res.text).to.match(/^cursor: belongs to another query/);
            const base = href.replace(/\/properties\/samplingInterval\/history$/, "");
            for (const path of ["/properties/nope/history", "/actions/samplingInterval/history", "/xx/a/history"]) {
                expect((await get(`${base}${path}`)).status, path).to.equal(404);
            }
            expect((await get(href, { accept: "application/xml" })).status).to.equal(406);
        });

        // HTTP servers must answer HEAD where they answer GET (RFC 9110, 9.3.2); a history is read-only.
        it("answers HEAD with GET's headers and no body, and other methods 405 with Allow", async function () {
            const got = await fetch(`${href}?limit=2`);
            const head = await fetch(`${href}?limit=2`, { method: "HEAD" });
            expect(head.status).to.equal(200);
            expect(head.headers.get("content-type")).to.equal(got.headers.get("content-type"));
            expect(await head.text()).to.equal("");
            expect((await fetch(`${href}?limit=0`, { method: "HEAD" })).status).to.equal(400);
            for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
                const res = await fetch(href, { method, headers: { "content-type": "application/json" }, body: "1" });
                expect(res.status, method).to.equal(405);
                expect(res.headers.get("allow"), method).to.equal("GET, HEAD, OPTIONS");
                expect(await res.text(), method).to.match(new RegExp(`${method} is not allowed`));
            }
        });

        it("answers CORS as the Thing's property forms do (nosec: any origin), and a preflight", async function () {
            const origin = "http://127.0.0.1:9999";
            const property = td.properties!.samplingInterval.forms.find((f) => f.href.startsWith("http:"))!.href;
            const read = await fetch(property, { headers: { origin } });
            const res = await fetch(`${href}?limit=1`, { headers: { origin } });
            expect(res.status).to.equal(200);
            expect(res.headers.get("access-control-allow-origin")).to.equal(
                read.headers.get("access-control-allow-origin")
            );
            expect(res.headers.get("access-control-allow-origin")).to.equal("*");
            expect(res.headers.get("access-control-expose-headers")).to.match(/\bLink\b/);
            const preflight = await fetch(href, {
                method: "OPTIONS",
                headers: { origin, "access-control-request-method": "GET" },
            });
            expect(preflight.status).to.equal(200);
            expect(preflight.headers.get("access-control-allow-methods")).to.match(/\bGET\b/);
        });

        // `/:thing/properties/history` is the property named history, not a history path.
        it("serves a property and an action named history, and the history of each", async function () {
            const thing = await vo.wot.produce({
                title: "named-history",
                id: "urn:test:named-history",
                properties: { history: { type: "integer" } },
                actions: { history: { input: { type: "integer" }, output: { type: "integer" } } },
            });
            let kept = 1;
            thing.setPropertyReadHandler("history", async () => kept);
            thing.setPropertyWriteHandler("history", async (io) => {
                kept = (await io.value()) as number;
            });
            thing.setActionHandler("history", async (io) => ((await io.value()) as number) * 2);
            await thing.expose();
            try {
                const served = thing.getThingDescription();
                const property = served.properties!.history.forms.find((f) => f.href.startsWith("http:"))!.href;
                const action = served.actions!.history.forms.find((f) => f.href.startsWith("http:"))!.href;
                const put = await fetch(property, {
                    method: "PUT",
                    headers: { "content-type": "application/json" },
                    body: "42",
                });
                expect(put.status).to.equal(204);
                const read = await fetch(property);
                expect(read.status).to.equal(200);
                expect(await read.json()).to.equal(42);
                const invoked = await fetch(action, {
                    method: "POST",
                    headers: { "content-type": "application/json" },
                    body: "21",
                });
                expect(invoked.status).to.equal(200);
                expect(await invoked.json()).to.equal(42);
                await vo.vo.flush();
                const points = (await (await fetch(`${property}/history`)).json()) as Page;
                expect(points.items.map((i) => [i.op, i.value])).to.deep.equal([
                    ["writeproperty", 42],
                    ["readproperty", 42],
                ]);
                const calls = (await (await fetch(`${action}/history`)).json()) as Page;
                expect(calls.items.map((i) => [i.op, i.value])).to.deep.equal([["invokeaction", 21]]);
            } finally {
                await thing.destroy();
            }
        });

        it("filters by operation and success, and aggregates first and sum", async function () {
            const refused = await fetch(
                td.properties!.samplingInterval.forms.find((f) => f.href.startsWith("http:"))!.href,
                {
                    method: "PUT",
                    headers: { "content-type": "application/json" },
                    body: "99999", // above the maximum: refused, recorded with ok false
                }
            );
            expect(refused.status).to.equal(400);
            await fetch(td.properties!.samplingInterval.forms.find((f) => f.href.startsWith("http:"))!.href);
            await vo.vo.flush();
            const writes = (await page("op=write&limit=1000")).items;
            const okWrites = (await page("op=write&ok=true&limit=1000")).items;
            expect(writes.every((i) => i.op === "writeproperty")).to.equal(true);
            expect(writes.length - okWrites.length).to.equal(1);
            expect(okWrites.every((i) => i.ok)).to.equal(true);
            const reads = (await page("op=read")).items;
            expect(reads.length).to.be.greaterThan(0);
            expect(reads.every((i) => i.op === "readproperty")).to.equal(true);
            const values = okWrites.map((i) => i.value as number);
            const one = async (fn: string) =>
                (await page(`from=-1d&every=1d&fn=${fn}&op=write&ok=true`)).windows!.filter((w) => w.value !== null);
            // whatever day boundary the points straddle: the first window's first is the first value, sums add up
            expect((await one("first"))[0].value).to.equal(values[0]);
            const sums = (await one("sum")).map((w) => w.value!);
            expect(sums.reduce((a, b) => a + b, 0)).to.equal(values.reduce((a, b) => a + b, 0));
            const bad = await get(`${href}?op=delete`);
            expect(bad.status).to.equal(400);
            expect(bad.text).to.match(/^op: "delete" is not one of read, write, change, invoke, emit/);
            expect((await get(`${href}?ok=maybe`)).text).to.match(/^ok:/);
        });

        it("is found and read by a node-wot consumer from the TD alone", async function () {
            const client = await startClient();
            try {
                const served = await client.wot.requestThingDescription(td.forms![0].href.replace(/\/properties$/, ""));
                const consumed = await client.wot.consume(served);
                const described = consumed.getThingDescription().properties!.samplingInterval;
                const res = await fetch(`${historyHref(described)}?order=newest&limit=1`);
                const p = (await res.json()) as Page;
                expect(p.items).to.have.length(1);
                expect((await vo.vo.latest(THING, "samplingInterval"))?.timestampNs).to.equal(p.items[0].timestampNs);
            } finally {
                await client.close();
            }
        });
    });
}
