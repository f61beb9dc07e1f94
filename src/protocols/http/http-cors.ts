import type { IncomingMessage, ServerResponse } from "node:http";
import type { ExposedThing } from "@node-wot/core";
import { setCorsForThing } from "@node-wot/binding-http/dist/routes/common";
import { replaceMethod } from "../patches/replace-method";
import { isSecured } from "../../model/thing-security";
import type { HttpServerInternals } from "./http-server-internals";
import { decodePath, pathSegments, requestPath } from "./http-request-url";

const ALLOW_ORIGIN = "Access-Control-Allow-Origin";

/**
 * binding-http 0.9.2 sets its CORS headers in a route once it has found the Thing, just before the
 * success: its 404s and 415s, and the refusals answered in this folder (400, 405, 406, 413, 503), carry
 * none, so a page of another origin cannot read why it was refused. Every answer without them when its
 * head is written gets the rule its resource's successes follow (binding-http's): any origin on the Thing
 * list and on a TD; on a Thing's other resources any origin when the Thing is nosec, the request's
 * Origin echoed with credentials when it is secured (setCorsForThing); on a path naming no Thing, any
 * origin when every Thing is nosec, as for a secured Thing otherwise. Successes set their own first:
 * nothing is computed for them.
 */
export function corsOnEveryAnswer(server: HttpServerInternals, req: IncomingMessage, res: ServerResponse): void {
    replaceMethod<WriteHead>(
        res,
        "writeHead",
        "http-cors-on-errors",
        (writeHead) =>
            function (this: ServerResponse, ...args: unknown[]) {
                if (!this.hasHeader(ALLOW_ORIGIN)) setCors(server, req, this);
                // what a page needs to read of a redirect or a refusal: where to, what is allowed, when to retry
                if (Number(args[0]) >= 300 && !this.hasHeader(EXPOSE)) this.setHeader(EXPOSE, EXPOSED_ON_REFUSALS);
                return writeHead.apply(this, args);
            }
    );
}

const EXPOSE = "Access-Control-Expose-Headers";
const EXPOSED_ON_REFUSALS = "Location, Allow, Retry-After";

type WriteHead = (this: ServerResponse, ...args: unknown[]) => ServerResponse;

function setCors(server: HttpServerInternals, req: IncomingMessage, res: ServerResponse): void {
    const segments = pathSegments(requestPath(req.url));
    const thing = thingNamed(server, segments[1]);
    if (thing !== undefined) {
        // the Thing's TD is answered to any origin, as binding-http's thing-description route does
        if (segments.length === 2) res.setHeader(ALLOW_ORIGIN, "*");
        else setCorsForThing(req, res, thing);
        return;
    }
    const origin = req.headers.origin;
    if (segments.length <= 2 && segments[1] === "")
        res.setHeader(ALLOW_ORIGIN, "*"); // the Thing list
    else if (origin === undefined || everyThingIsNosec(server)) res.setHeader(ALLOW_ORIGIN, "*");
    else {
        res.setHeader(ALLOW_ORIGIN, origin);
        res.setHeader("Access-Control-Allow-Credentials", "true");
    }
}

function thingNamed(server: HttpServerInternals, segment: string | undefined): ExposedThing | undefined {
    const name = segment === undefined ? undefined : decodePath(segment);
    return name === undefined || name === "" ? undefined : server.getThings().get(name);
}

function everyThingIsNosec(server: HttpServerInternals): boolean {
    for (const thing of server.getThings().values()) if (isSecured(thing)) return false;
    return true;
}
