import fs from "node:fs";
import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { startExampleVo } from "../helpers/example-vo";
import { NodeProcess } from "../helpers/node-process";
import { tempDir, waitFor } from "../helpers/vo-fixture";
import { libcoapPayload } from "../protocols/coap/coap-clients";
import { formCalls } from "./form-calls";
import { coapCall, hasLibcoapClient, WireAnswer } from "./wire-clients";
import { expandHistory } from "../helpers/history-template";

/** The CoAP base of each Thing the VO says it serves ("  Title: http://...  coap://..."). */
function servedCoapThings(output: string): string[] {
    return [...output.matchAll(/^ {2}\S+: http:\/\/\S+ {2}(coap:\/\/\S+)$/gm)].map((m) => m[1]);
}

/** The answers libcoap received (its -v 7 trace), one line each with their options. */
const libcoapAnswers = (pdus: string[]) => pdus.filter((l) => /^v:1 t:(ACK|CON|NON) c:[2-5]\./.test(l));

type Affordance = { observable?: boolean; writeOnly?: boolean; "vo:history"?: { href: string }[] };

/** The CoAP history resource of an affordance: its TD's URI template, expanded with no variables. */
const coapHistory = (a: Affordance) => {
    const href = a["vo:history"]?.find((l) => l.href.startsWith("coap:"))?.href;
    return href === undefined ? undefined : expandHistory(href);
};

/**
 * RFC 7641 section 4.1 with RFC 7959 over every TD a VO serves, with the `coap` package and libcoap's
 * coap-client: a GET with Observe of what cannot be observed is answered as a plain GET (no Observe option,
 * block-wise when large), an error to an Observe request carries no Observe, and a history pages through
 * coap-client's Uri-Query limits (node-coap 1.4.1 opened an observe stream for every GET with Observe: 0).
 */
describe("CoAP observe walk: GET with Observe of every resource of the served TDs, with the coap package and libcoap", function () {
    this.timeout(180_000);
    let dir: string;
    let vo: NodeProcess;
    let things: string[];
    let libcoapHere = false;

    before(async function () {
        libcoapHere = await hasLibcoapClient();
        if (!libcoapHere && process.env.CI === "true") {
            throw new Error("coap-client-notls (Debian package libcoap3-bin) is missing; .ci/run installs it");
        }
        if (!libcoapHere) console.log("      coap-client-notls not found: libcoap's calls are skipped");
        dir = tempDir("node-wot-vo-observe-walk-");
        const started = await startExampleVo(dir, "history-vo", {
            td: "room-log.td.json",
            changes: [[["periodicFunctions", "sample"], "1h"]],
        });
        vo = started.vo;
        things = servedCoapThings(vo.output);
    });

    after(async function () {
        const exit = vo?.stop();
        const timer = setTimeout(() => void vo?.stop("SIGKILL"), 10_000);
        await exit;
        clearTimeout(timer);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** What the walk did: resources walked, answers checked, and what was wrong, for the summary line. */
    const walk = { resources: 0, checked: 0, failures: [] as string[] };
    /** Runs one check; a failure is listed and the walk goes on. */
    const check = async (label: string, run: () => Promise<void>): Promise<void> => {
        walk.checked++;
        try {
            await run();
        } catch (err) {
            walk.failures.push(`${label}: ${(err as Error).message}`);
        }
    };
    const failuresSince = (n: number) => walk.failures.slice(n);
    const noObserve = (a: WireAnswer, code: string) => {
        if (a.headers.Observe !== undefined) throw new Error(`${a.code} carries Observe: ${a.headers.Observe}`);
        if (a.code !== code) throw new Error(`answered ${a.code} (${a.body.toString().slice(0, 160)}), not ${code}`);
    };
    /** The coap package observing: its first answer, which must be `code` without Observe. */
    const viaPackage = async (href: string, code: string, accept?: number) => {
        const a = await coapCall(href, "GET", { observe: true, accept });
        if (a.code !== "4.04") a.close?.(); // node-coap's client opens an observe stream for any other answer
        noObserve(a, code);
        return a.body;
    };
    /** libcoap observing for at most 2 s: one answer (and its later blocks), `code`, no Observe; the payload. */
    const viaLibcoap = async (href: string, code: string, accept?: number) => {
        const args = accept === undefined ? [] : ["-A", String(accept)];
        const seen = await libcoapPayload(["-s", "2", ...args, "-m", "get", href], 12_000);
        const answers = libcoapAnswers(seen.pdus).filter((l) => !/Block2:[1-9]/.test(l));
        if (answers.length !== 1) throw new Error(`${answers.length} answers: ${answers.join(" | ")}`);
        if (/Observe/.test(answers[0])) throw new Error(`carries Observe: ${answers[0]}`);
        if (!answers[0].includes(` c:${code} `)) throw new Error(`not ${code}: ${answers[0]}`);
        return seen.payload;
    };
    /** Both clients, when libcoap is here: each answer is `code` without Observe; `expectBody` checks the payloads. */
    const bothClients = async (href: string, code: string, accept?: number, expectBody?: (b: Buffer) => void) => {
        walk.resources++;
        // (not `expectBody?.(await ...)`: an optional call does not evaluate its arguments when absent)
        await check(`observe of ${href} (coap package)`, async () => {
            const body = await viaPackage(href, code, accept);
            expectBody?.(body);
        });
        if (!libcoapHere) return;
        await check(`observe of ${href} (libcoap)`, async () => {
            const body = await viaLibcoap(href, code, accept);
            expectBody?.(body);
        });
    };
    const tdOf = async (base: string) =>
        JSON.parse((await coapCall(base, "GET")).body.toString()) as WoT.ThingDescription;

    after(function () {
        const { resources, checked, failures } = walk;
        console.log(
            `      coap observe walk: ${resources} resources walked, ${checked} answers checked, ${failures.length} failures`
        );
        for (const f of failures) console.log(`        ${f}`);
    });

    it("answers an Observe request for each TD whole, block-wise, without Observe", async function () {
        expect(things.length, vo.output).to.be.greaterThan(1);
        const before = walk.failures.length;
        for (const base of things) {
            const td = await tdOf(base);
            await bothClients(base, "2.05", undefined, (b) => expect(JSON.parse(b.toString())).to.deep.equal(td));
        }
        expect(failuresSince(before)).to.deep.equal([]);
    });

    it("answers an Observe request for every property that is not observable as a plain GET (2.05, no Observe)", async function () {
        const before = walk.failures.length;
        let walked = 0;
        for (const base of things) {
            for (const call of formCalls(await tdOf(base), "coap").filter((c) => c.op === "readproperty")) {
                if ((call.affordance as Affordance).observable === true) continue;
                walked++;
                await bothClients(call.href, "2.05", call.contentType === "application/cbor" ? 60 : 50);
            }
        }
        expect(walked).to.be.greaterThan(3);
        expect(failuresSince(before)).to.deep.equal([]);
    });

    it("answers errors to an Observe request without Observe: unknown names, an Accept not offered, a bad parameter", async function () {
        const before = walk.failures.length;
        const refusals: [string, string, number?][] = [[things[0].replace(/\/[^/]+$/, "/nothing"), "4.04"]];
        for (const base of things) {
            const properties = Object.entries((await tdOf(base)).properties ?? {}) as [string, Affordance][];
            refusals.push([`${base}/properties/nope`, "4.04"], [`${base}/events/nope`, "4.04"]);
            for (const [name, p] of properties.filter(([, a]) => a.observable === true)) {
                refusals.push([`${base}/properties/${name}`, "4.06", 41]);
                const history = coapHistory(p);
                if (history !== undefined) refusals.push([`${history}?limit=0`, "4.00"]);
            }
        }
        for (const [href, code, accept] of refusals) await bothClients(href, code, accept);
        expect(failuresSince(before)).to.deep.equal([]);
    });

    it("answers an Observe request for a history page over several blocks whole, and pages it with coap-client", async function () {
        const before = walk.failures.length;
        const room = things.find((t) => t.endsWith("/roomlog"))!;
        for (let i = 0; i < 12; i++) {
            const write = await coapCall(`${room}/properties/occupancy`, "PUT", {
                body: Buffer.from(`${i}`),
                contentFormat: 50,
            });
            expect(write.code).to.equal("2.04");
        }
        const occupancy = coapHistory((await tdOf(room)).properties!.occupancy as Affordance)!;
        const written = async () => {
            const page = await coapCall(`${occupancy}?op=write&limit=100`, "GET");
            return (JSON.parse(page.body.toString()) as { items: unknown[] }).items.length === 12;
        };
        await waitFor(written, 10_000, "the 12 writes recorded");
        await bothClients(`${occupancy}?op=write&limit=100`, "2.05", undefined, (b) => {
            expect(b.length).to.be.greaterThan(1024);
            expect((JSON.parse(b.toString()) as { items: unknown[] }).items).to.have.length(12);
        });
        if (libcoapHere) {
            walk.resources++;
            await check(`three pages of ${occupancy} with coap-client`, async () => {
                const values: unknown[] = [];
                let cursor: string | undefined;
                for (let n = 0; n < 3; n++) {
                    const query = `?op=write&limit=5${cursor === undefined ? "" : `&cursor=${cursor}`}`;
                    const answer = await libcoapPayload(["-m", "get", `${occupancy}${query}`], 12_000);
                    expect(answer.code, `page ${n + 1}`).to.equal("2.05");
                    const page = JSON.parse(answer.payload.toString()) as {
                        items: { value: unknown }[];
                        next?: string;
                    };
                    values.push(...page.items.map((i) => i.value));
                    cursor = page.next;
                }
                expect(cursor, "a page after the third").to.equal(undefined);
                expect(values).to.deep.equal(Array.from({ length: 12 }, (_, i) => i));
            });
        }
        expect(failuresSince(before)).to.deep.equal([]);
        expect(walk.checked).to.be.greaterThan(20);
    });
});
