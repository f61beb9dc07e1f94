import type { ExposedThing, ProtocolServer } from "@node-wot/core";
import type { AffordanceKind, InteractionRecord } from "../model/interaction-record";
import type { HealthProbe, HealthReport } from "../model/health-report";
import type { RequestRefusedError } from "../model/refusal";
import { DEFAULT_PROTOCOL_LIMITS, ProtocolLimits } from "../options/server-options";

export { DEFAULT_PROTOCOL_LIMITS, ProtocolLimits };

/**
 * What the rest of the VO sees of one protocol (the seam node-wot core has in protocol-interfaces.ts,
 * one level up): how its servers are instrumented and how a peer speaking it is probed. Everything
 * else a protocol means (its upstream fixes, how it reads a client's address, how it answers a
 * redirect or a refusal) stays in its folder. A new binding is one new folder and one entry in
 * `protocols/index.ts`.
 */
export interface ProtocolFace {
    /** URL schemes it serves and probes, e.g. ["http", "https"] */
    readonly schemes: readonly string[];
    /**
     * Wraps a server of this protocol once: every request runs with its origin in async context
     * (`model/request-context`), is answered by `hooks.redirect` first when that names a target, and a
     * refusal thrown by a handler is answered with its status. False when the server cannot be wrapped.
     */
    instrument(server: ProtocolServer, hooks: ServerHooks): boolean;
    /** Asks a peer whether it is up; resolves with what answered, rejects with a one-line reason. */
    probe(url: URL, timeoutMs: number): Promise<string>;
}

export interface ServerHooks {
    limits: ProtocolLimits;
    /** the URL a request for `path` must be sent to instead (a redirect), or undefined to serve it */
    redirect?: (scheme: string, port: number, path: string) => string | undefined;
    /** answers a history request for a recorded affordance (parameters as the client sent them); refusals throw */
    history?: (
        thing: string,
        kind: AffordanceKind,
        name: string,
        query: URLSearchParams,
        format: "json" | "csv"
    ) => Promise<{ contentType: string; body: string; next?: string }>;
    /**
     * adds to an exposed Thing's TD the history a server of `scheme` serves (with `history`), offered in
     * `contentTypes`: called once the server has made the Thing's forms
     */
    describeHistory?: (thing: ExposedThing, scheme: string, contentTypes: readonly string[]) => void;
    /** told of each request the protocol refused before any handler ran, so it is recorded all the same */
    refused?: (refusal: ProtocolRefusal) => void;
    /** the dashboard's page and assets (src/dashboard), served over HTTP under `path` */
    dashboard?: DashboardHook;
    /** `/livez`, `/readyz` and `/metrics`, served over HTTP and never recorded */
    health?: HealthHook;
}

/** The VO's health and metrics as a protocol serves them. */
export interface HealthHook {
    /** runs the checks of a probe */
    report(probe: HealthProbe): Promise<HealthReport>;
    /** the Prometheus exposition; absent when metrics are off */
    metrics?: () => Promise<{ contentType: string; body: string }>;
}

/**
 * The dashboard as a protocol serves it: static files by name, each with its headers and a gzipped copy,
 * and the VO's live lists as `DASHBOARD_STATE` under the path.
 */
export interface DashboardHook {
    /** where it is served, starting and ending with "/" (default "/dashboard/") */
    path: string;
    /** the file at `name` under the path ("" is the page), or undefined */
    asset(name: string): StaticAsset | undefined;
    /**
     * what the page's VO panel shows now (`{ observers, redirects }`, as the status Thing's properties read):
     * read from the VO's state, not through the Thing, so the page's reads are not interactions to record
     */
    state?(): Promise<unknown>;
    /** the page's one stream of new points, state changes and heartbeats (`DASHBOARD_LIVE`) */
    live?: DashboardLive;
}

/** The dashboard's live stream as a protocol serves it (`LiveFeed` in `history/live-feed.ts`). */
export interface DashboardLive {
    /**
     * Adds a page's stream for the Things named (ids): `send` writes a message and says false once the page
     * was dropped, `end` ends it. Returns its removal, or undefined when the VO stops.
     */
    open(client: {
        things: ReadonlySet<string>;
        send(event: string, data: string): boolean;
        end(): void;
    }): (() => void) | undefined;
}

/** The name, under the dashboard's path, of the page's live stream (Server-Sent Events). */
export const DASHBOARD_LIVE = "live";

/** The name, under the dashboard's path, of the VO's live lists (`DashboardHook.state`). */
export const DASHBOARD_STATE = "vo-state.json";

export interface StaticAsset {
    body: Buffer;
    /** the body gzipped, when that is smaller */
    gzipped?: Buffer;
    /** Content-Type, Cache-Control, Content-Security-Policy, ... */
    headers: Record<string, string>;
    /** a strong validator of the body */
    etag: string;
}

/** A request refused by the protocol itself (read-only property, oversized body, ...), named as its record is. */
export interface ProtocolRefusal extends Pick<
    InteractionRecord,
    "thing" | "kind" | "name" | "op" | "protocol" | "origin"
> {
    error: RequestRefusedError;
    /** what the client sent, where it was read */
    value?: unknown;
    /** whether `value` conforms to the affordance's schema (default true: nothing known to break it) */
    valid?: boolean;
}
