import { expect } from "chai";
import { ContentSerdes } from "@node-wot/core";
import type * as WoT from "wot-typescript-definitions";
import { exposeSensor } from "../../helpers/sensor-thing";
import { startVo, VoFixture, waitFor } from "../../helpers/vo-fixture";
import { httpRequest, RawAnswer, recordsOf } from "./http-helpers";

type Form = { href: string; contentType?: string; op?: string | string[]; "htv:methodName"?: string };
type Schema = { type?: string; properties?: Record<string, Schema>; required?: string[]; minimum?: number };

/** The method a form means: its htv:methodName, else the TD 1.1 default for its operation (section 8.3.1). */
function methodOf(form: Form, op: string): string {
    if (form["htv:methodName"] !== undefined) return form["htv:methodName"];
    if (["writeproperty", "writeallproperties", "writemultipleproperties"].includes(op)) return "PUT";
    if (op === "invokeaction") return "POST";
    return "GET";
}

/** A value a schema accepts (the walk's action inputs). */
function exampleOf(schema: Schema | undefined): unknown {
    switch (schema?.type) {
        case "object": {
            const value: Record<string, unknown> = {};
            for (const name of schema.required ?? []) value[name] = exampleOf(schema.properties?.[name]);
            return value;
        }
        case "number":
        case "integer":
            return schema.minimum ?? 0;
        case "string":
            return "x";
        case "boolean":
            return true;
        case "array":
            return [];
        default:
            return undefined;
    }
}

function encode(value: unknown, type: string): Promise<Buffer> {
    return ContentSerdes.get()
        .valueToContent(value as never, undefined, type)
        .toBuffer() as Promise<Buffer>;
}

function decode(answer: RawAnswer): unknown {
    const type = answer.headers["content-type"] ?? "application/json";
    return ContentSerdes.get().contentToValue({ type, body: answer.body }, {});
}

// binding-http 0.9.2 advertises on /:thing/properties four operations and serves one, and ignores
// Accept; this walks every HTTP form of every TD the VO serves (found through GET /) and asserts each
// operation is answered as its form says: the form's method, its contentType, a 2xx answer.
describe("every HTTP form of every served TD is answered (real clients on 127.0.0.1)", function () {
    this.timeout(60_000);
    let vo: VoFixture;

    before(async function () {
        vo = await startVo({ vo: { thing: {}, selfCheckIntervalMs: 0 } });
        await exposeSensor(vo.wot);
    });
    after(async function () {
        await vo?.close();
    });

    it("answers each operation of each form: not 404, 405, 406 or 500", async function () {
        const list = (await (await fetch(`http://127.0.0.1:${vo.httpPort}/`)).json()) as string[];
        expect(list).to.have.length(2);
        const walked: string[] = [];
        for (const tdUrl of list) {
            const td = (await (await fetch(tdUrl)).json()) as WoT.ThingDescription;
            const exposed = vo.servient.getThing(td.id!)!;
            const current = async (name: string): Promise<unknown> => {
                const href = td.properties![name].forms.find((f) => f.href.startsWith("http:"))!.href;
                return (await (await fetch(href)).json()) as unknown;
            };
            const writable = Object.keys(td.properties ?? {}).filter((n) => td.properties![n].readOnly !== true);

            const walk = async (
                kind: "thing" | "property" | "action" | "event",
                name: string,
                affordance: { forms: Form[] } & Record<string, unknown>
            ): Promise<void> => {
                for (const form of affordance.forms.filter((f) => f.href.startsWith("http:"))) {
                    const type = form.contentType ?? "application/json";
                    for (const op of [form.op ?? []].flat()) {
                        if (op === "unobserveproperty" || op === "unsubscribeevent") continue; // the long poll's close
                        const method = methodOf(form, op);
                        const what = `${td.title} ${op} ${method} ${form.href} (${type})`;
                        let body: Buffer | undefined;
                        if (op === "writeproperty") body = await encode(await current(name), type);
                        if (op === "writeallproperties" || op === "writemultipleproperties") {
                            const names = op === "writeallproperties" ? writable : writable.slice(0, 1);
                            const values: Record<string, unknown> = {};
                            for (const n of names) values[n] = await current(n);
                            body = await encode(values, type);
                        }
                        if (op === "invokeaction") {
                            const input = exampleOf(affordance.input as Schema | undefined);
                            if (input !== undefined) body = await encode(input, type);
                        }
                        const headers: Record<string, string> = { accept: type };
                        if (body !== undefined) headers["content-type"] = type;
                        let answer: RawAnswer;
                        if (op === "observeproperty" || op === "subscribeevent") {
                            const recordKind = kind === "event" ? "event" : "property";
                            const count = async () =>
                                (await recordsOf(vo, td.id!, recordKind, name)).filter((r) => r.op === op).length;
                            const before = await count();
                            const pending = httpRequest(form.href, { method, headers });
                            await waitFor(async () => (await count()) > before, 5000, what);
                            if (op === "subscribeevent")
                                exposed.emitEvent(name, exampleOf(affordance.data as Schema) as WoT.InteractionInput);
                            else await exposed.emitPropertyChange(name);
                            answer = await pending;
                        } else {
                            answer = await httpRequest(form.href, { method, headers, body });
                        }
                        expect(answer.status, `${what}: ${answer.body.toString()}`).to.be.within(200, 299);
                        if (answer.status !== 204 && answer.body.length > 0) {
                            expect(answer.headers["content-type"], what).to.equal(type);
                            expect(() => decode(answer), what).to.not.throw();
                        }
                        walked.push(`${td.title} ${op}`);
                    }
                }
            };
            await walk("thing", "", { forms: (td.forms ?? []) as Form[] });
            for (const [name, p] of Object.entries(td.properties ?? {})) await walk("property", name, p as never);
            for (const [name, a] of Object.entries(td.actions ?? {})) await walk("action", name, a as never);
            for (const [name, e] of Object.entries(td.events ?? {})) await walk("event", name, e as never);
        }
        // both Things, every kind of operation the served TDs list over HTTP
        expect([...new Set(walked)].sort()).to.include.members([
            "EnvironmentSensor readallproperties",
            "EnvironmentSensor writeallproperties",
            "EnvironmentSensor writemultipleproperties",
            "EnvironmentSensor readproperty",
            "EnvironmentSensor writeproperty",
            "EnvironmentSensor observeproperty",
            "EnvironmentSensor invokeaction",
            "EnvironmentSensor subscribeevent",
            "VoStatus readallproperties",
            "VoStatus writeproperty",
            "VoStatus observeproperty",
            "VoStatus subscribeevent",
        ]);
    });
});
