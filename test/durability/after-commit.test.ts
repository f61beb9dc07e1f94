import net from "node:net";
import { expect } from "chai";
import type * as WoT from "wot-typescript-definitions";
import { Database } from "../../src/sqlite/database";
import { resolveOptions } from "../../src/options/vo-options";
import { parseDescriptor } from "../../src/cli/descriptor";
import { coapRequest } from "../protocols/coap/coap-clients";
import { exposeSensor, SensorState } from "../helpers/sensor-thing";
import { startVo, VoFixture, waitFor } from "../helpers/vo-fixture";

const THING = "urn:dev:ops:environment-sensor-1";
// Long enough that nothing reaches the store by the timer while a test looks: only a commit the answer waited for.
const SLOW_FLUSH = { flushIntervalMs: 60_000 };

function formHref(affordance: { forms: { href: string; op?: string | string[] }[] }, scheme: string): string {
    const form = affordance.forms.find((f) => f.href.startsWith(`${scheme}:`));
    if (form === undefined) throw new Error(`no ${scheme} form`);
    return form.href;
}

/** Rows of ts_interaction for one affordance, read through a second connection: what is committed on disk. */
async function committedValues(dbPath: string, name: string, op: string): Promise<unknown[]> {
    const db = await Database.open(dbPath);
    try {
        const rows = await db.all<{ value: unknown }>(
            "SELECT value FROM ts_interaction WHERE thing = ? AND name = ? AND op = ? ORDER BY id",
            [THING, name, op]
        );
        return rows.map((r) => r.value);
    } finally {
        await db.close();
    }
}

/** A real SQLite trigger that makes every insert into the embedded store fail, as a failing disk would. */
async function breakStore(dbPath: string, broken: boolean): Promise<void> {
    const db = await Database.open(dbPath);
    try {
        await db.exec(
            broken
                ? `CREATE TRIGGER IF NOT EXISTS test_fault BEFORE INSERT ON ts_point
                   BEGIN SELECT RAISE(ABORT, 'store refuses writes (test trigger)'); END`
                : "DROP TRIGGER IF EXISTS test_fault"
        );
    } finally {
        await db.close();
    }
}

/**
 * PUTs each body on a connection of its own, all connections opened first and then written in one turn, so the
 * writes reach the server together (fetch opens its connections one by one, and on a fast machine each write could
 * be committed before the next arrived). Resolves with each answer's status; bounded at 10 s.
 */
async function putAtOnce(href: string, bodies: string[]): Promise<number[]> {
    const url = new URL(href);
    const sockets = await Promise.all(
        bodies.map(
            () =>
                new Promise<net.Socket>((resolve, reject) => {
                    const socket = net.connect(Number(url.port), url.hostname, () => resolve(socket));
                    socket.once("error", reject);
                })
        )
    );
    const answers = sockets.map(
        (socket) =>
            new Promise<number>((resolve, reject) => {
                let head = "";
                const timer = setTimeout(() => socket.destroy(new Error("no answer within 10 s")), 10_000);
                socket.on("data", (d: Buffer) => {
                    head += d.toString("latin1");
                    const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
                    if (status === null || !head.includes("\r\n\r\n")) return;
                    clearTimeout(timer);
                    socket.destroy();
                    resolve(Number(status[1]));
                });
                socket.once("error", reject);
            })
    );
    sockets.forEach((socket, i) => {
        const body = bodies[i];
        socket.write(
            `PUT ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
                `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
        );
    });
    return Promise.all(answers);
}

describe("durable acknowledgements: after-commit (real HTTP and CoAP on 127.0.0.1, real SQLite)", function () {
    this.timeout(30_000);

    describe("options", function () {
        it("defaults to at-once with synchronous NORMAL; after-commit defaults to FULL", function () {
            expect(resolveOptions({}, {})).to.include({
                acknowledge: "at-once",
                acknowledgeReads: false,
                sqliteSynchronous: "normal",
            });
            expect(resolveOptions({ recording: { acknowledge: "after-commit" } }, {})).to.include({
                acknowledge: "after-commit",
                sqliteSynchronous: "full",
            });
            expect(
                resolveOptions({ recording: { acknowledge: "after-commit" }, sqlite: { synchronous: "normal" } }, {})
                    .sqliteSynchronous
            ).to.equal("normal");
        });

        it("descriptor: recording.acknowledge, acknowledgeReads and persistent.sqlite.synchronous reach attach", function () {
            const config = parseDescriptor(
                [
                    "name: durable-vo",
                    "recording: { acknowledge: after-commit, acknowledgeReads: true }",
                    "databaseConfig: { persistent: { sqlite: { path: d.sqlite, synchronous: normal } } }",
                ].join("\n"),
                "/tmp/durable.yaml",
                {}
            );
            expect(config.persistence.recording).to.deep.equal({ acknowledge: "after-commit", acknowledgeReads: true });
            expect(config.persistence.sqlite).to.deep.equal({ path: "/tmp/d.sqlite", synchronous: "normal" });
            expect(() =>
                parseDescriptor("name: v\nrecording: { acknowledge: eventually }", "/tmp/v.yaml", {})
            ).to.throw(/recording\.acknowledge: must be one of "at-once", "after-commit" \(line 2\)/);
        });

        it("refuses unknown modes, naming the option and the allowed values", function () {
            expect(() => resolveOptions({ recording: { acknowledge: "later" as never } }, {})).to.throw(
                /recording\.acknowledge: must be one of "at-once", "after-commit", got "later"/
            );
            expect(() => resolveOptions({ sqlite: { synchronous: "off" as never } }, {})).to.throw(
                /sqlite\.synchronous: must be one of "normal", "full"/
            );
            expect(() => resolveOptions({ recording: { acknowledgeReads: "yes" as never } }, {})).to.throw(
                /acknowledgeReads: must be true or false/
            );
        });
    });

    describe("at-once (the default)", function () {
        let vo: VoFixture;
        let td: WoT.ThingDescription;
        before(async function () {
            vo = await startVo({ recording: SLOW_FLUSH });
            ({ td } = await exposeSensor(vo.wot));
        });
        after(async () => vo?.close());

        it("answers a write before its record is committed (the record waits in the queue)", async function () {
            const res = await fetch(formHref(td.properties!.label, "http"), {
                method: "PUT",
                headers: { "content-type": "application/json" },
                body: JSON.stringify("at-once-1"),
            });
            expect(res.status).to.equal(204);
            expect(await committedValues(vo.dbPath, "label", "writeproperty")).to.deep.equal([]);
            expect(vo.vo.stats().queued).to.equal(1);
        });
    });

    describe("after-commit", function () {
        let vo: VoFixture;
        let td: WoT.ThingDescription;
        let state: SensorState;
        before(async function () {
            vo = await startVo({ recording: { ...SLOW_FLUSH, acknowledge: "after-commit" } });
            ({ td, state } = await exposeSensor(vo.wot));
        });
        after(async () => vo?.close());

        it("HTTP: a write answered 204 is already committed", async function () {
            const res = await fetch(formHref(td.properties!.label, "http"), {
                method: "PUT",
                headers: { "content-type": "application/json" },
                body: JSON.stringify('durable, "quoted" %/\n'),
            });
            expect(res.status).to.equal(204);
            expect(await committedValues(vo.dbPath, "label", "writeproperty")).to.deep.equal([
                'durable, "quoted" %/\n',
            ]);
        });

        it("CoAP: a write answered 2.04 and an action answered 2.05 are already committed", async function () {
            const put = await coapRequest(formHref(td.properties!.samplingInterval, "coap"), {
                method: "PUT",
                payload: "42",
            });
            expect(put.code).to.equal("2.04");
            expect(await committedValues(vo.dbPath, "samplingInterval", "writeproperty")).to.deep.equal([42]);
            const post = await coapRequest(formHref(td.actions!.calibrate, "coap"), {
                method: "POST",
                payload: JSON.stringify({ offset: 1.5 }),
            });
            expect(post.code).to.equal("2.05");
            const db = await Database.open(vo.dbPath);
            try {
                const rows = await db.all<{ output: string }>(
                    "SELECT output FROM ts_interaction WHERE name = 'calibrate' AND op = 'invokeaction'"
                );
                expect(rows.map((r) => JSON.parse(r.output))).to.deep.equal([{ offset: 1.5, applied: true }]);
            } finally {
                await db.close();
            }
        });

        it("reads are answered at once unless acknowledgeReads is set", async function () {
            const res = await fetch(formHref(td.properties!.humidity, "http"));
            expect(res.status).to.equal(200);
            expect(await committedValues(vo.dbPath, "humidity", "readproperty")).to.deep.equal([]);
        });

        it("group commit: 40 writes at once take far fewer than 40 commits, and every one is kept", async function () {
            const before = vo.vo.stats().commits;
            const href = formHref(td.properties!.samplingInterval, "http");
            const answers = await putAtOnce(
                href,
                Array.from({ length: 40 }, (_, i) => String(100 + i))
            );
            expect(answers).to.deep.equal(new Array(40).fill(204));
            const commits = vo.vo.stats().commits - before;
            expect(commits).to.be.greaterThan(0).and.lessThan(40);
            const values = await committedValues(vo.dbPath, "samplingInterval", "writeproperty");
            expect([...values.slice(1)].sort()).to.deep.equal(Array.from({ length: 40 }, (_, i) => 100 + i));
        });

        it("a failing store: the first write is done but answered 503 with Retry-After; the next is refused before its handler runs; then writes work again", async function () {
            const href = formHref(td.properties!.label, "http");
            const put = (value: string) =>
                fetch(href, {
                    method: "PUT",
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify(value),
                });
            await breakStore(vo.dbPath, true);
            try {
                const ran = await put("while-broken-1");
                expect(ran.status).to.equal(503);
                expect(Number(ran.headers.get("retry-after"))).to.be.at.least(1);
                expect(await ran.text()).to.match(
                    /done, but its record is not durable: the store failed: .*test trigger/
                );
                expect(state.label).to.equal("while-broken-1"); // the interaction happened

                const refused = await put("while-broken-2");
                expect(refused.status).to.equal(503);
                expect(Number(refused.headers.get("retry-after"))).to.be.at.least(1);
                expect(await refused.text()).to.match(/refused: its record could not be made durable/);
                expect(state.label, "handler did not run").to.equal("while-broken-1");

                const coap = await coapRequest(formHref(td.properties!.label, "coap"), {
                    method: "PUT",
                    payload: JSON.stringify("while-broken-3"),
                });
                expect(coap.code).to.equal("5.03");
                expect(Number(coap.headers["Max-Age"])).to.be.at.least(1);
                expect(state.label).to.equal("while-broken-1");
                expect(vo.vo.stats().notDurable).to.be.at.least(1);
            } finally {
                await breakStore(vo.dbPath, false);
            }
            // the failed batch is retried by the timer after its back-off; then the gate opens again
            await waitFor(
                async () => (await put("after-repair")).status === 204,
                15_000,
                "a write answered 204 after the store is repaired"
            );
            const values = await committedValues(vo.dbPath, "label", "writeproperty");
            expect(values).to.include("after-repair");
            expect(values, "the first one happened: its record lands with the retry").to.include("while-broken-1");
        });
    });

    describe("after-commit with acknowledgeReads", function () {
        let vo: VoFixture;
        let td: WoT.ThingDescription;
        before(async function () {
            vo = await startVo({ recording: { ...SLOW_FLUSH, acknowledge: "after-commit", acknowledgeReads: true } });
            ({ td } = await exposeSensor(vo.wot));
        });
        after(async () => vo?.close());

        it("a read answered 200 / 2.05 is already committed", async function () {
            const res = await fetch(formHref(td.properties!.humidity, "http"));
            expect(res.status).to.equal(200);
            const coap = await coapRequest(formHref(td.properties!.humidity, "coap"));
            expect(coap.code).to.equal("2.05");
            expect(await committedValues(vo.dbPath, "humidity", "readproperty")).to.deep.equal([40, 40]);
        });
    });
});
