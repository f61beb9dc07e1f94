import fs from "node:fs";
import path from "node:path";
import { format } from "node:util";
import { expect } from "chai";
import createDebug from "debug";
import { ExposedThing, Servient } from "@node-wot/core";
import { HttpServer } from "@node-wot/binding-http";
import { VoCoapClientFactory, VoCoapServer, VoHttpClient } from "../../src";
import { DEFAULT_PROTOCOL_LIMITS } from "../../src/protocols/protocol-face";
import { httpFace } from "../../src/protocols/http/http-face";
import { VoMqttBrokerServer } from "../../src/protocols/mqtt/mqtt-broker-server";
import { checkPatchTargets } from "../../src/protocols/patches/patch-check";
import { patchNamed, PATCHES } from "../../src/protocols/patches/patch-registry";
import { patchChain, patchIdOf } from "../../src/protocols/patches/replace-method";
import type { Patch } from "../../src/protocols/patches/patch-types";
import { VoWebSocketServer } from "../../src/protocols/websocket/ws-server";
import { Mosquitto } from "../helpers/mosquitto";
import { exposeSensor } from "../helpers/sensor-thing";
import { startVo, VoFixture } from "../helpers/vo-fixture";

type AnyClass = new (...args: never[]) => object;

/** Packages whose objects the VO patches: loaded afresh (their files only) to compare against. */
const PACKAGE_DIRS = ["/node_modules/@node-wot/", "/node_modules/coap/", "/node_modules/find-my-way/"];

/** `require(id)` with every file of those packages loaded again; the module cache is left as it was. */
function freshRequire<T>(ids: string[]): T[] {
    const cache = require.cache;
    const saved = { ...cache };
    for (const key of Object.keys(cache)) if (PACKAGE_DIRS.some((d) => key.includes(d))) delete cache[key];
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return ids.map((id) => require(id) as T);
    } finally {
        for (const key of Object.keys(cache)) if (!(key in saved)) delete cache[key];
        Object.assign(cache, saved);
    }
}

/** Every copy of node-wot core the bindings load (as src/protocols/node-wot-cores.ts finds them). */
function coreFiles(): string[] {
    const files = new Set([require.resolve("@node-wot/core")]);
    for (const binding of ["@node-wot/binding-coap", "@node-wot/binding-mqtt", "@node-wot/binding-websockets"]) {
        const dir = path.dirname(require.resolve(`${binding}/package.json`));
        files.add(require.resolve("@node-wot/core", { paths: [dir] }));
    }
    return [...files];
}

/** A method found replaced: where, on what (the constructor names of its chain), and its name. */
interface Replaced {
    where: string;
    owners: string[];
    name: string;
    fn: unknown;
}

function ownerNames(o: object): string[] {
    if (typeof o === "function") return [(o as { name: string }).name];
    const names: string[] = [];
    for (let p = Object.getPrototypeOf(o); p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
        names.push((p as { constructor?: { name?: string } }).constructor?.name ?? "?");
    }
    return names;
}

function functionNames(o: object): string[] {
    return Object.getOwnPropertyNames(o).filter((name) => {
        const d = Object.getOwnPropertyDescriptor(o, name);
        return name !== "constructor" && d !== undefined && typeof d.value === "function";
    });
}

const SKIP = new Set(["servient", "things", "_events", "_eventsCount", "socket", "_sock", "agent", "parent"]);

/**
 * Compares `current` with `pristine` (the same kind of object, made from the packages loaded afresh): every own
 * function, every method of each upstream prototype of its chain, and, below it, the objects both hold under
 * the same key (a server's router, node-coap's server and its caches), to `depth`.
 */
function walk(
    current: object,
    pristine: object,
    where: string,
    found: Replaced[],
    seen = new Set<object>(),
    depth = 3
) {
    if (seen.has(current)) return;
    seen.add(current);
    const owners = ownerNames(current);
    const p = pristine as Record<string, unknown>;
    for (const name of functionNames(current)) {
        const fn = (current as Record<string, unknown>)[name] as object;
        const base = p[name];
        if (base === undefined && !(name in pristine)) continue; // a method of ours, not a replacement
        if (typeof base === "function" && base.toString() === fn.toString()) continue;
        found.push({ where: `${where}.${name}`, owners, name, fn });
    }
    comparePrototypes(current, pristine, found);
    if (depth === 0) return;
    for (const key of Object.keys(current)) {
        const value = (current as Record<string, unknown>)[key];
        const twin = p[key];
        if (SKIP.has(key) || value === null || typeof value !== "object" || Array.isArray(value)) continue;
        if (twin === null || typeof twin !== "object") continue;
        if (ownerNames(value)[0] !== ownerNames(twin)[0]) continue;
        walk(value, twin, `${where}.${key}`, found, seen, depth - 1);
    }
}

/** The upstream prototypes of an object's chain, each named `<constructor name>#<how many of that name came before>`. */
function chainOf(o: object): Map<string, object> {
    const chain = new Map<string, object>();
    for (let q = Object.getPrototypeOf(o); q !== null && q !== Object.prototype; q = Object.getPrototypeOf(q)) {
        const name = (q as { constructor?: { name?: string } }).constructor?.name ?? "?";
        let n = 0;
        while (chain.has(`${name}#${n}`)) n++;
        chain.set(`${name}#${n}`, q as object);
    }
    return chain;
}

/** Each method of each prototype of `current`'s chain against the one of the same place in `pristine`'s. */
function comparePrototypes(current: object, pristine: object, found: Replaced[]): void {
    const fresh = chainOf(pristine);
    for (const [key, q] of chainOf(current)) {
        const counterpart = fresh.get(key) as Record<string, unknown> | undefined;
        if (counterpart === undefined || counterpart === q) continue; // ours, or node's own (not loaded afresh)
        const name = key.split("#")[0];
        for (const method of functionNames(q)) {
            const fn = (q as Record<string, unknown>)[method] as object;
            const base = counterpart[method];
            if (base === undefined || (typeof base === "function" && base.toString() === fn.toString())) continue;
            found.push({ where: `${name}.prototype.${method}`, owners: [name], name: method, fn });
        }
    }
}

/** The registry's entry for a replaced method: same method, on one of the classes of the object's chain. */
function entryFor(r: Replaced): Patch | undefined {
    const tagged = patchIdOf(r.fn);
    if (tagged !== undefined) return patchNamed(tagged);
    return PATCHES.find((p) => p.method === r.name && r.owners.includes(p.owner));
}

describe("the patch registry names every replaced method of node-wot's objects (real HTTP, CoAP, MQTT, WebSocket)", function () {
    this.timeout(30_000);
    let broker: Mosquitto;
    let vo: VoFixture;

    before(async function () {
        broker = await Mosquitto.start();
        vo = await startVo({ mqtt: { broker: broker.url }, websocket: { port: 0, address: "127.0.0.1" } });
        await exposeSensor(vo.wot);
    });
    after(async function () {
        await vo?.close();
        await broker?.stop();
    });

    /** Every method of the running VO's node-wot objects that is not upstream's. */
    function replacedMethods(): Replaced[] {
        const [core, http, coap, mqtt, ws] = freshRequire<Record<string, AnyClass>>([
            "@node-wot/core",
            "@node-wot/binding-http",
            "@node-wot/binding-coap",
            "@node-wot/binding-mqtt",
            "@node-wot/binding-websockets",
        ]);
        const freshServient = new core.Servient() as Servient;
        const found: Replaced[] = [];
        walk(vo.servient, freshServient, "servient", found);
        for (const server of vo.servient.getServers()) {
            const pristine =
                server instanceof HttpServer
                    ? new http.HttpServer({ port: 0 } as never)
                    : server instanceof VoCoapServer
                      ? new coap.CoapServer({ port: 0 } as never)
                      : server instanceof VoMqttBrokerServer
                        ? new mqtt.MqttBrokerServer({ uri: broker.url } as never)
                        : server instanceof VoWebSocketServer
                          ? new ws.WebSocketServer({ port: 0 } as never)
                          : undefined;
            expect(pristine, `a pristine ${server.scheme} server to compare with`).not.to.equal(undefined);
            walk(server, pristine!, `${server.scheme} server`, found);
        }
        for (const id of Object.keys(vo.servient.getThings())) {
            const thing = vo.servient.getThing(id) as ExposedThing;
            const pristine = new core.ExposedThing(freshServient as never, thing.getThingDescription() as never);
            walk(thing, pristine, `Thing ${thing.title}`, found);
        }
        const freshCores = freshRequire<Record<string, object>>(coreFiles());
        coreFiles().forEach((file, i) => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const loaded = require(file) as Record<string, object>;
            walk(loaded.ProtocolHelpers, freshCores[i].ProtocolHelpers, `ProtocolHelpers (${file})`, found);
            walk(loaded.Helpers, freshCores[i].Helpers, `Helpers (${file})`, found);
        });
        return found;
    }

    it("finds the VO's replacements on the servient, its four servers and their internals, the Things and ProtocolHelpers, each registered", function () {
        const found = replacedMethods();
        const unlisted = found.filter((r) => entryFor(r) === undefined).map((r) => `${r.where} (${r.owners[0]})`);
        expect(unlisted, "replaced methods missing from src/protocols/patches/patch-registry.ts").to.deep.equal([]);
        // the patches wrapped inside the outermost one (node-coap's _handle holds four)
        const ids = new Set(found.flatMap((r) => [entryFor(r)!.id, ...patchChain(r.fn)]));
        // the walk reaches each kind of object: it cannot pass by finding nothing
        for (const id of [
            "servient-add-thing",
            "servient-shutdown",
            "http-request-context",
            "http-method-not-allowed",
            "http-bearer-check",
            "coap-request-context",
            "coap-affordance-href",
            "node-coap-block1-reassembly",
            "node-coap-block2-cache-keeps-options",
            "record-handle-read-property",
            "record-emit-event",
            "form-matching-memoized",
        ]) {
            expect([...ids], `the walk finds ${id}`).to.include(id);
        }
    });

    it("fails naming a method replaced without a registry entry", function () {
        const servient = vo.servient as unknown as { getThings(): unknown };
        const getThings = servient.getThings;
        servient.getThings = () => getThings.call(vo.servient);
        try {
            const unlisted = replacedMethods().filter((r) => entryFor(r) === undefined);
            expect(unlisted.map((r) => r.where)).to.deep.equal(["servient.getThings"]);
        } finally {
            delete (servient as { getThings?: unknown }).getThings; // the prototype's again
        }
    });

    it("lists every override of an upstream method by the VO's own server and client classes", function () {
        const classes: [AnyClass, string][] = [
            [VoCoapServer, "CoapServer"],
            [VoMqttBrokerServer, "MqttBrokerServer"],
            [VoWebSocketServer, "WebSocketServer"],
            [VoCoapClientFactory, "CoapClientFactory"],
            [VoHttpClient, "HttpClient"],
        ];
        const unlisted: string[] = [];
        for (const [cls, base] of classes) {
            const parent = Object.getPrototypeOf(cls.prototype) as object;
            for (const method of functionNames(cls.prototype)) {
                if (!(method in parent)) continue; // its own, not an override
                const entry = PATCHES.find((p) => p.owner === base && p.method === method && p.kind === "override");
                if (entry === undefined) unlisted.push(`${cls.name}.prototype.${method} (overrides ${base})`);
            }
        }
        expect(unlisted).to.deep.equal([]);
    });

    it("has entries with unique ids, a package version checked, and a file that exists", function () {
        expect(new Set(PATCHES.map((p) => p.id)).size).to.equal(PATCHES.length);
        const root = path.join(__dirname, "..", "..", "..");
        for (const p of PATCHES) {
            expect(p.versions, p.id).to.match(/\d/);
            expect(fs.existsSync(path.join(root, p.file)), `${p.id}: ${p.file}`).to.equal(true);
        }
        expect(checkPatchTargets(PATCHES), "every registered target is there in the installed packages").to.deep.equal(
            []
        );
    });
});

describe("the start-up check names a patch whose target an upgrade removed", function () {
    let lines: string[];
    let previous: string;
    const log = createDebug.log;

    beforeEach(function () {
        lines = [];
        previous = createDebug.disable();
        createDebug.enable("node-wot-vo:protocols:patches:warn");
        createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
    });
    afterEach(function () {
        createDebug.log = log;
        createDebug.disable();
        if (previous !== "") createDebug.enable(previous);
    });

    /** binding-http's server as an upgrade that renamed `method` would have it (a subclass: the shared prototype is untouched). */
    function renamed(method: string): typeof HttpServer {
        class Upgraded extends HttpServer {}
        Object.defineProperty(Upgraded.prototype, method, { value: undefined });
        return Upgraded;
    }

    it("warns once, naming the patch and its target, when a warn patch's target is missing", function () {
        const Upgraded = renamed("checkCredentials");
        const patch = { ...patchNamed("http-bearer-check"), holder: () => Upgraded.prototype };
        const missing = checkPatchTargets([patch]);
        expect(missing.map((m) => m.patch.id)).to.deep.equal(["http-bearer-check"]);
        expect(missing[0].text).to.include("binding-http HttpServer.prototype.checkCredentials");
        checkPatchTargets([patch]); // said once
        expect(lines).to.have.length(1);
        expect(lines[0]).to.include("http-bearer-check").and.include("HttpServer.prototype.checkCredentials");
        expect(HttpServer.prototype.checkCredentials).to.be.a("function");
    });

    it("refuses to start, naming the patch, when the VO cannot run without it", function () {
        class Upgraded extends Servient {}
        Object.defineProperty(Upgraded.prototype, "addThing", { value: undefined });
        const patch = { ...patchNamed("servient-add-thing"), holder: () => Upgraded.prototype };
        expect(() => checkPatchTargets([patch])).to.throw(/servient-add-thing .*core Servient.prototype.addThing/);
    });

    it("warns when instrumenting a server whose method is gone, and serves with the other fixes", function () {
        const Upgraded = renamed("addEndpoint");
        const server = new Upgraded({ port: 0, address: "127.0.0.1" });
        expect(httpFace.instrument(server, { limits: DEFAULT_PROTOCOL_LIMITS })).to.equal(true);
        expect(lines.filter((l) => l.includes("http-thing-property-forms"))).to.have.length(1);
        expect(lines[0]).to.include("binding-http HttpServer.prototype.addEndpoint");
        expect(patchIdOf((server as unknown as { handleRequest: unknown }).handleRequest)).to.equal(
            "http-request-context"
        );
    });
});
