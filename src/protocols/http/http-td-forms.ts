import type { ExposedThing } from "@node-wot/core";
import { replaceMethod } from "../patches/replace-method";
import type { HttpServerInternals } from "./http-server-internals";

/**
 * binding-http 0.9.2 (HttpServer.addEndpoint) gives every Thing, per content type, one form on
 * `/:thing/properties` listing readallproperties, readmultipleproperties, writeallproperties and
 * writemultipleproperties, with no `htv:methodName`. By the defaults of TD 1.1 (section 8.3.1, and
 * the HTTP binding template) that means GET for both reads and PUT for both writes: a PUT would
 * stand for either write, and a GET for either read. Each operation served gets a form with its
 * own method instead:
 *
 * - readallproperties: GET;
 * - writeallproperties: PUT (every writable property), writemultipleproperties: PATCH (some),
 *   both served by http-thing-properties.ts (binding-http answers them 404);
 * - readmultipleproperties is no longer advertised: HTTP has no agreed way to name the properties a
 *   GET asks for (w3c/wot-thing-description#848), and a GET here answers all of them, which is
 *   readallproperties. (node-wot's client reads multiple properties one by one anyway.)
 */
const THING_PROPERTY_OPS = new Set([
    "readallproperties",
    "readmultipleproperties",
    "writeallproperties",
    "writemultipleproperties",
]);

type FormLike = { href: string; op?: string | string[]; "htv:methodName"?: string } & Record<string, unknown>;

/** Splits the Thing-level property forms of `scheme` as above; forms already given a method are kept. */
export function splitThingPropertyForms(thing: ExposedThing, scheme: string): void {
    const forms = thing.forms as FormLike[] | undefined;
    if (forms === undefined || forms.length === 0) return;
    const properties = Object.values(thing.properties);
    const anyReadable = properties.some((p) => p.writeOnly !== true);
    const anyWritable = properties.some((p) => p.readOnly !== true);
    const prefix = `${scheme}:`;
    const out: FormLike[] = [];
    let changed = false;
    for (const form of forms) {
        const ops = form.op === undefined ? [] : Array.isArray(form.op) ? form.op : [form.op];
        if (
            !form.href.startsWith(prefix) ||
            form["htv:methodName"] !== undefined ||
            !ops.some((op) => THING_PROPERTY_OPS.has(op))
        ) {
            out.push(form);
            continue;
        }
        changed = true;
        // eslint-disable-next-line @typescript-eslint/no-unused-vars
        const { op, ...rest } = form;
        if (anyReadable && ops.includes("readallproperties")) {
            out.push({ ...rest, op: ["readallproperties"], "htv:methodName": "GET" });
        }
        if (anyWritable && ops.includes("writeallproperties")) {
            out.push({ ...rest, op: ["writeallproperties"], "htv:methodName": "PUT" });
        }
        if (anyWritable && ops.includes("writemultipleproperties")) {
            out.push({ ...rest, op: ["writemultipleproperties"], "htv:methodName": "PATCH" });
        }
    }
    if (changed) forms.splice(0, forms.length, ...out);
}

/** Fixes the forms of every Thing the server exposes from now on, and of those it already does. */
export function fixThingPropertyForms(server: HttpServerInternals): void {
    for (const thing of new Set(server.getThings().values())) splitThingPropertyForms(thing, server.scheme);
    type AddEndpoint = NonNullable<HttpServerInternals["addEndpoint"]>;
    replaceMethod<AddEndpoint>(
        server,
        "addEndpoint",
        "http-thing-property-forms",
        (addEndpoint) =>
            function (this: unknown, thing: ExposedThing, tdTemplate: unknown, base: string) {
                addEndpoint.call(this, thing, tdTemplate, base);
                splitThingPropertyForms(thing, server.scheme);
            }
    );
}
