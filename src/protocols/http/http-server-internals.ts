import type { IncomingMessage, ServerResponse } from "node:http";
import type { ExposedThing } from "@node-wot/core";

/** What of binding-http 0.9.2's HttpServer the fixes in this folder use (all public at runtime). */
export interface HttpServerInternals {
    scheme: string;
    baseUri?: string;
    getPort(): number;
    getThings(): Map<string, ExposedThing>;
    getServer(): import("node:http").Server;
    checkCredentials(thing: ExposedThing, req: IncomingMessage): Promise<boolean>;
    handleRequest?: (this: unknown, req: IncomingMessage, res: ServerResponse) => unknown;
    addEndpoint?: (this: unknown, thing: ExposedThing, tdTemplate: unknown, base: string) => void;
}
