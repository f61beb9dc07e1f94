import type { ExposedThing } from "@node-wot/core";
import type { AffordanceKind, Operation, Protocol } from "../../model/interaction-record";
import type { RequestRefusedError } from "../../model/refusal";
import type { RequestOrigin } from "../../model/request-context";
import { conformsToSchema } from "../../model/value-check";
import type { ServerHooks } from "../protocol-face";
import { decodePath, pathSegments, requestPath } from "./http-request-url";
import type { HttpServerInternals } from "./http-server-internals";

/**
 * Where a request goes, by binding-http 0.9.2's routes: `/:thing` (its TD), `/:thing/properties`,
 * `/:thing/properties/:property[/observable]`, `/:thing/actions/:action`, `/:thing/events/:event`.
 * Parsed here only on the paths that need it (a refusal to record, a body to check, an `Accept` to
 * honour); a plain read is routed by binding-http alone.
 */
export interface HttpTarget {
    thing: ExposedThing;
    route: "thing" | "properties" | "property" | "observe" | "action" | "event";
    /** the affordance's name, decoded as binding-http's router decodes it */
    name?: string;
}

export function targetOf(server: HttpServerInternals, url: string | undefined): HttpTarget | undefined {
    if (url === undefined) return undefined;
    const segments = pathSegments(requestPath(url)); // "", thing, dir, name, "observable"
    if (segments.length < 2 || segments.length > 5 || segments[0] !== "") return undefined;
    const decoded: string[] = [];
    for (let i = 1; i < segments.length; i++) {
        const segment = decodePath(segments[i]);
        if (segment === undefined) return undefined; // binding-http cannot route it either
        decoded.push(segment);
    }
    const thing = server.getThings().get(decoded[0]);
    if (thing === undefined) return undefined;
    const [, dir, name, tail] = decoded;
    if (dir === undefined) return { thing, route: "thing" };
    if (dir === "properties") {
        if (name === undefined) return { thing, route: "properties" };
        if (tail === undefined) return { thing, route: "property", name };
        return tail === "observable" ? { thing, route: "observe", name } : undefined;
    }
    if (tail !== undefined || name === undefined) return undefined;
    if (dir === "actions") return { thing, route: "action", name };
    if (dir === "events") return { thing, route: "event", name };
    return undefined;
}

/** The affordance a target names, if it exists in the Thing. */
export function affordanceOf(target: HttpTarget): { forms: object[] } | undefined {
    const { thing, route, name } = target;
    if (name === undefined) return undefined;
    if (route === "property" || route === "observe") return thing.properties[name];
    if (route === "action") return thing.actions[name];
    if (route === "event") return thing.events[name];
    return undefined;
}

/** The operation a method on a target stands for, as recorded when it is refused. */
export function operationOf(target: HttpTarget, method: string | undefined): Operation | undefined {
    switch (target.route) {
        case "property":
            return method === "PUT" ? "writeproperty" : "readproperty";
        case "observe":
            return "observeproperty";
        case "action":
            return "invokeaction";
        case "event":
            return "subscribeevent";
        case "properties":
            return method === "GET" || method === "HEAD" ? "readallproperties" : "writemultipleproperties";
        default:
            return undefined;
    }
}

const KIND: Record<HttpTarget["route"], AffordanceKind> = {
    thing: "property",
    properties: "property",
    property: "property",
    observe: "property",
    action: "action",
    event: "event",
};

/**
 * Tells `hooks.refused` of a request refused here, before any handler ran, so it is recorded:
 * filed under the affordance the URL names. A request naming no affordance (the Thing's own
 * resources) or one the Thing does not have is not recorded: a client could otherwise create
 * any number of series by inventing names.
 */
export function reportRefusal(
    hooks: ServerHooks,
    request: RequestOrigin,
    target: HttpTarget | undefined,
    op: Operation,
    error: RequestRefusedError,
    value?: unknown,
    /** `name`: a property of `/:thing/properties`; `valid`: false where no value came though one was needed */
    more: { name?: string; valid?: boolean } = {}
): void {
    const name = more.name ?? target?.name;
    if (hooks.refused === undefined || target === undefined || name === undefined) return;
    const known = target.route === "properties" ? target.thing.properties[name] : affordanceOf(target);
    if (known === undefined) return;
    hooks.refused({
        thing: target.thing.id,
        kind: KIND[target.route],
        name,
        op,
        protocol: request.protocol as Protocol,
        origin: request.origin,
        error,
        value,
        valid: more.valid ?? (value === undefined || conformsToSchema(schemaOf(target, known), value)),
    });
}

/** The schema a refused value is checked against: the property itself, an action's input. */
function schemaOf(target: HttpTarget, affordance: object): object | undefined {
    return target.route === "action" ? ((affordance as { input?: object }).input ?? undefined) : affordance;
}
