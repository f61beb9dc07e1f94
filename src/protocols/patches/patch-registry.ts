import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { ExposedThing, ProtocolHelpers, Servient } from "@node-wot/core";
import { HttpClient, HttpServer } from "@node-wot/binding-http";
import type { Patch } from "./patch-types";

/*
 * The CoAP, MQTT and WebSocket packages are loaded only by a VO that serves or uses them (about 29 MB of a
 * process that loads them all): their holders require them when asked, and the start-up check asks only
 * for the packages already loaded (checkPatchTargets).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- loaded on demand, see above */
const bindingCoap = () => require("@node-wot/binding-coap") as typeof import("@node-wot/binding-coap");
const mdns = () =>
    require("@node-wot/binding-coap/dist/mdns-introducer") as typeof import("@node-wot/binding-coap/dist/mdns-introducer");
const nodeCoap = () => require("coap") as typeof import("coap");
const blockCache = () => (require("coap/dist/lib/cache") as typeof import("coap/dist/lib/cache")).default;
const bindingMqtt = () => require("@node-wot/binding-mqtt") as typeof import("@node-wot/binding-mqtt");
const bindingWs = () => require("@node-wot/binding-websockets") as typeof import("@node-wot/binding-websockets");
/* eslint-enable @typescript-eslint/no-require-imports */

/*
 * Every replacement of a method or property of an object the VO does not own, with the package versions it
 * was checked against (node_modules/<package>/package.json when it was written). `replaceMethod` refuses a
 * patch id missing here, and test/protocols/patch-registry.test.ts walks a running VO's node-wot objects and
 * fails on any replaced method this list does not name. Upgrading a package: read its entries first.
 */

const CORE = { package: "@node-wot/core", versions: "0.9.2" };
const HTTP = { package: "@node-wot/binding-http", versions: "0.9.2" };
const COAP = { package: "@node-wot/binding-coap", versions: "0.8.16" };
const MQTT = { package: "@node-wot/binding-mqtt", versions: "0.8.16" };
const WS = { package: "@node-wot/binding-websockets", versions: "0.9.0" };
const NODE_COAP = { package: "coap", versions: "1.4.1" };
const FIND_MY_WAY = { package: "find-my-way", versions: "8.2.2 (binding-http 0.9.2's router)" };
const NODE_HTTP = { package: "node:http", versions: "Node.js 20 and 22" };

const RECORDER = "src/recording/thing-recorder.ts";
const RECORDING_WHY = "every interaction would go unrecorded: a VO that records nothing is wrong";

/** An ExposedThing method the recorder wraps (one entry each; the wrappers live in src/recording). */
function recorded(method: string, fixes: string): Patch {
    return {
        id: `record-${method.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
        ...CORE,
        target: `core ExposedThing.prototype.${method}`,
        owner: "ExposedThing",
        method,
        kind: "replaced",
        fixes,
        file: RECORDER,
        missing: "error",
        why: RECORDING_WHY,
        holder: () => ExposedThing.prototype,
    };
}

const NODE_WOT_CORE: Patch[] = [
    {
        id: "servient-add-server",
        ...CORE,
        target: "core Servient.prototype.addServer",
        owner: "Servient",
        method: "addServer",
        kind: "replaced",
        fixes: "instruments every protocol server added after the plugin attached (origins, redirects, refusals)",
        file: "src/plugin.ts",
        missing: "error",
        why: "servers added later would serve without request origins, redirects or refusal codes",
        holder: () => Servient.prototype,
    },
    {
        id: "servient-add-thing",
        ...CORE,
        target: "core Servient.prototype.addThing",
        owner: "Servient",
        method: "addThing",
        kind: "replaced",
        fixes: "instruments every Thing produced (WoT.produce calls addThing) before the script sees it",
        file: "src/plugin.ts",
        missing: "error",
        why: RECORDING_WHY,
        holder: () => Servient.prototype,
    },
    {
        id: "servient-start",
        ...CORE,
        target: "core Servient.prototype.start",
        owner: "Servient",
        method: "start",
        kind: "replaced",
        fixes: "starts the VO Thing, the self-check and the catalogue once the servers run",
        file: "src/plugin.ts",
        missing: "error",
        why: "the VO's own state (runs, liveness, VO Thing) would never start",
        holder: () => Servient.prototype,
    },
    {
        id: "servient-shutdown",
        ...CORE,
        target: "core Servient.prototype.shutdown",
        owner: "Servient",
        method: "shutdown",
        kind: "replaced",
        fixes: "closes the stores once the servers stopped, so buffered records are written",
        file: "src/plugin.ts",
        missing: "error",
        why: "records still buffered at shutdown would be lost",
        holder: () => Servient.prototype,
    },
    {
        id: "cli-secure-every-thing",
        ...CORE,
        target: "core Servient.prototype.addThing",
        owner: "Servient",
        method: "addThing",
        kind: "replaced",
        fixes: "node-wot-vo run: gives every Thing produced the VO's basic or bearer security and credentials",
        file: "src/cli/run-vo.ts",
        missing: "error",
        why: "a Thing would be exposed without the security the descriptor asks for",
        holder: () => Servient.prototype,
    },
    {
        id: "form-matching-memoized",
        ...CORE,
        versions: "0.9.2, and the 0.8.16 and 0.9.0 copies nested under binding-coap, -mqtt and -websockets",
        target: "core ProtocolHelpers.findRequestMatchingFormIndex (every core copy)",
        owner: "ProtocolHelpers",
        method: "findRequestMatchingFormIndex",
        kind: "replaced",
        fixes: "parses each form's href once instead of on every request (same answers)",
        file: "src/protocols/form-matching.ts",
        missing: "warn",
        why: "a cost of a few microseconds a request, no wrong answer",
        holder: () => ProtocolHelpers,
    },
    recorded("setPropertyReadHandler", "captures the value a read handler returns, for its record"),
    recorded("setActionHandler", "captures the output an action handler returns, for its record"),
    recorded("handleReadProperty", "records every property read (value, validity, staleness, origin)"),
    recorded("handleWriteProperty", "records every write; refuses a read-only or schema-breaking one (4.05 / 400)"),
    recorded("handleReadAllProperties", "records readallproperties under its own operation"),
    recorded("handleReadMultipleProperties", "records readmultipleproperties under its own operation"),
    recorded("handleWriteMultipleProperties", "records writemultipleproperties / writeallproperties"),
    recorded("emitPropertyChange", "records every property change"),
    recorded("handleInvokeAction", "records every invocation with its input and output"),
    recorded("emitEvent", "records every event emitted"),
    recorded("handleSubscribeEvent", "records subscriptions and tells the VO's observer table"),
    recorded("handleUnsubscribeEvent", "records the end of subscriptions, with why they ended"),
    recorded("handleObserveProperty", "records observations; ends them when the client's connection closes"),
    recorded("handleUnobserveProperty", "records the end of observations, with why they ended"),
    {
        id: "device-push-write",
        ...CORE,
        target: "core ExposedThing.prototype.handleWriteProperty",
        owner: "ExposedThing",
        method: "handleWriteProperty",
        kind: "replaced",
        fixes: "a device's successful push (write) counts as its liveness and teaches the VO its address",
        file: "src/proxy/device-push.ts",
        missing: "error",
        why: "a pushing device would be reported down although it pushes",
        holder: () => ExposedThing.prototype,
    },
    {
        id: "device-push-invoke",
        ...CORE,
        target: "core ExposedThing.prototype.handleInvokeAction",
        owner: "ExposedThing",
        method: "handleInvokeAction",
        kind: "replaced",
        fixes: "a device's successful push (action) counts as its liveness and teaches the VO its address",
        file: "src/proxy/device-push.ts",
        missing: "error",
        why: "a pushing device would be reported down although it pushes",
        holder: () => ExposedThing.prototype,
    },
];

const HTTP_DIR = "src/protocols/http";
const ORIGINS_WHY = "requests would be served without their origins, redirects, refusal statuses or the VO's answers";

const BINDING_HTTP: Patch[] = [
    {
        id: "http-request-context",
        ...HTTP,
        target: "binding-http HttpServer.prototype.handleRequest",
        owner: "HttpServer",
        method: "handleRequest",
        kind: "replaced",
        fixes: "each request in its origin's context: redirects, refusal statuses, health, dashboard, history, 405/406/413",
        file: `${HTTP_DIR}/http-face.ts`,
        missing: "error",
        why: ORIGINS_WHY,
        holder: () => HttpServer.prototype,
    },
    {
        id: "http-method-not-allowed",
        ...FIND_MY_WAY,
        target: "binding-http HttpServer's router (find-my-way Router) defaultRoute",
        owner: "Router",
        method: "defaultRoute",
        kind: "replaced",
        fixes: "405 with Allow (was 404) for a method a resource does not answer; HEAD answered like GET",
        file: `${HTTP_DIR}/http-method-not-allowed.ts`,
        missing: "warn",
        why: "binding-http's 404 is a wrong status, not a wrong action",
    },
    {
        id: "http-bearer-check",
        ...HTTP,
        target: "binding-http HttpServer.prototype.checkCredentials",
        owner: "HttpServer",
        method: "checkCredentials",
        kind: "replaced",
        fixes: "a TD's lower-case `bearer` was never matched (401 to all); tokens compared in constant time, JWTs checked",
        upstream: "node-wot#310",
        file: `${HTTP_DIR}/http-bearer.ts`,
        missing: "warn",
        why: "upstream fails closed: a bearer Thing answers 401 to everyone, nothing is let in wrongly",
        holder: () => HttpServer.prototype,
    },
    {
        id: "http-thing-property-forms",
        ...HTTP,
        target: "binding-http HttpServer.prototype.addEndpoint",
        owner: "HttpServer",
        method: "addEndpoint",
        kind: "replaced",
        fixes: "one form per Thing-level property operation with its own method (GET, PUT, PATCH)",
        upstream: "w3c/wot-thing-description#848",
        file: `${HTTP_DIR}/http-td-forms.ts`,
        missing: "warn",
        why: "the TD keeps upstream's ambiguous form; every request is still served",
        holder: () => HttpServer.prototype,
    },
    {
        id: "http-history-description",
        ...HTTP,
        target: "binding-http HttpServer.prototype.expose",
        owner: "HttpServer",
        method: "expose",
        kind: "replaced",
        fixes: "each exposed Thing's TD names its history resources (vo:history forms, links)",
        file: `${HTTP_DIR}/http-face.ts`,
        missing: "warn",
        why: "the history resources still answer; only the TD does not name them",
        holder: () => HttpServer.prototype,
    },
    {
        id: "http-stop-closes-connections",
        ...HTTP,
        target: "binding-http HttpServer.prototype.stop",
        owner: "HttpServer",
        method: "stop",
        kind: "replaced",
        fixes: "stop() closes open long polls instead of waiting for their clients",
        file: `${HTTP_DIR}/http-server-stop.ts`,
        missing: "warn",
        why: "a stop then waits for long-polling clients; nothing is lost",
        holder: () => HttpServer.prototype,
    },
    {
        id: "http-port-once",
        ...HTTP,
        target: "binding-http HttpServer.prototype.getPort",
        owner: "HttpServer",
        method: "getPort",
        kind: "replaced",
        fixes: "the port from the `listening` event instead of a getsockname call at each request",
        file: `${HTTP_DIR}/http-port-once.ts`,
        missing: "warn",
        why: "a cost of CPU, no wrong answer",
        holder: () => HttpServer.prototype,
    },
    {
        id: "http-refusal-status",
        ...NODE_HTTP,
        target: "node:http ServerResponse.prototype.writeHead (each response)",
        owner: "ServerResponse",
        method: "writeHead",
        kind: "replaced",
        fixes: "a refusal thrown by a handler is answered with its status (400, 503 + Retry-After) instead of 500",
        file: `${HTTP_DIR}/http-answers.ts`,
        missing: "error",
        why: "clients would get 500 for their own mistakes and no retry hint when the store is away",
        holder: () => ServerResponse.prototype,
    },
    {
        id: "http-error-reason",
        ...NODE_HTTP,
        target: "node:http ServerResponse.prototype.end (a 404 or 415 binding-http writes without a reason)",
        owner: "ServerResponse",
        method: "end",
        kind: "replaced",
        fixes: "a 404 names the Thing or affordance the VO does not have, a 415 the types it takes; a malformed path is 400",
        file: `${HTTP_DIR}/http-error-reasons.ts`,
        missing: "warn",
        why: "a client would not be told which part of its URL names nothing, or which body types are taken",
        holder: () => ServerResponse.prototype,
    },
    {
        id: "http-cors-on-errors",
        ...NODE_HTTP,
        target: "node:http ServerResponse.prototype.writeHead (each response)",
        owner: "ServerResponse",
        method: "writeHead",
        kind: "replaced",
        fixes: "every refusal carries binding-http's CORS headers, so a page of another origin can read why",
        file: `${HTTP_DIR}/http-cors.ts`,
        missing: "warn",
        why: "only cross-origin pages lose the reason of a refusal",
        holder: () => ServerResponse.prototype,
    },
    {
        id: "http-close-in-context",
        ...NODE_HTTP,
        target: "node:http ServerResponse.prototype.emit (each response)",
        owner: "ServerResponse",
        method: "emit",
        kind: "replaced",
        fixes: "`close` and `finish` run in the request's context: ended subscriptions are recorded with their origin",
        file: `${HTTP_DIR}/http-close-in-context.ts`,
        missing: "warn",
        why: "those records would carry `local` instead of the client's address",
        holder: () => ServerResponse.prototype,
    },
    {
        id: "http-chunked-body-limit",
        ...NODE_HTTP,
        target: "node:http IncomingMessage.prototype.push (each chunked request)",
        owner: "IncomingMessage",
        method: "push",
        kind: "replaced",
        fixes: "a chunked body is counted as it arrives and refused with 413 past the bound",
        file: `${HTTP_DIR}/http-body-limit.ts`,
        missing: "error",
        why: "request bodies would have no bound: one client could fill the VO's memory",
        holder: () => IncomingMessage.prototype,
    },
    {
        id: "http-lingering-close",
        ...NODE_HTTP,
        target: "node:net Socket.prototype.destroySoon (the socket of a 413)",
        owner: "Socket",
        method: "destroySoon",
        kind: "replaced",
        fixes: "a refused upload's connection is half-closed, so the client reads its 413 before a reset",
        file: `${HTTP_DIR}/http-body-limit.ts`,
        missing: "warn",
        why: "some clients would see a reset instead of the 413; the body is refused all the same",
        holder: () => Socket.prototype,
    },
    {
        id: "http-client-redirect-with-body",
        ...HTTP,
        target: "binding-http HttpClient.prototype._fetch",
        owner: "HttpClient",
        method: "_fetch",
        kind: "override",
        fixes: "a write or an action follows a 307/308 with its body (node-fetch refuses to re-send a stream)",
        file: `${HTTP_DIR}/http-client-factory.ts`,
        missing: "warn",
        why: "writes to a moved VO fail with an error; nothing is written wrongly",
        holder: () => HttpClient.prototype,
    },
    httpClientVoWot("readResource", "http-client-vo-wot-read", 'a vo-wot form\'s read unwraps {"value"}'),
    httpClientVoWot("writeResource", "http-client-vo-wot-write", 'a vo-wot form\'s write sends {"value"}'),
    httpClientVoWot(
        "invokeResource",
        "http-client-vo-wot-invoke",
        'a vo-wot form\'s invocation sends {"input"}; {"result"} is the output, {"error"} a failure'
    ),
    httpClientVoWot(
        "subscribeResource",
        "http-client-vo-wot-long-poll",
        "a vo-wot form's long poll without binding-http's HEAD (tornado answers 405: it never started)"
    ),
    httpClientVoWot(
        "unlinkResource",
        "http-client-vo-wot-unlink",
        "ends a vo-wot long poll, by either form of the property"
    ),
    httpClientVoWot("stop", "http-client-vo-wot-stop", "ends the client's vo-wot long polls"),
];

/** A method of binding-http's client that VoHttpClient overrides for the forms of vo-wot TDs only. */
function httpClientVoWot(method: string, id: string, fixes: string): Patch {
    return {
        id,
        ...HTTP,
        target: `binding-http HttpClient.prototype.${method}`,
        owner: "HttpClient",
        method,
        kind: "override",
        fixes,
        file: `${HTTP_DIR}/http-client-factory.ts`,
        missing: "warn",
        why: "a vo-wot VO is consumed with node-wot's bodies: its answers are not unwrapped",
        holder: () => HttpClient.prototype,
    };
}

const COAP_DIR = "src/protocols/coap";
const NODE_COAP_SERVER = () => nodeCoap().Server.prototype as object;

/** A method of binding-coap's client the VO's CoAP client factory replaces on each client it makes. */
function coapClient(method: string, id: string, fixes: string): Patch {
    return {
        id,
        ...COAP,
        target: `binding-coap bindingCoap().CoapClient.prototype.${method}`,
        owner: "CoapClient",
        method,
        kind: "replaced",
        fixes,
        file: `${COAP_DIR}/coap-client-factory.ts`,
        missing: "warn",
        why: "the client keeps upstream's behaviour (a leaked socket, a silent failure); the VO's own serving is unaffected",
        holder: () => bindingCoap().CoapClient.prototype,
    };
}

const BINDING_COAP: Patch[] = [
    {
        id: "coap-request-context",
        ...COAP,
        target: "binding-coap bindingCoap().CoapServer.prototype.handleRequest",
        owner: "CoapServer",
        method: "handleRequest",
        kind: "replaced",
        fixes: "each request in its origin's context: redirects (5.03 naming the target), refusal codes, stale Max-Age",
        file: `${COAP_DIR}/coap-face.ts`,
        missing: "error",
        why: ORIGINS_WHY,
        holder: () => bindingCoap().CoapServer.prototype,
    },
    {
        id: "coap-serve-things",
        ...COAP,
        target: "binding-coap bindingCoap().CoapServer.prototype.handleRequest",
        owner: "CoapServer",
        method: "handleRequest",
        kind: "replaced",
        fixes: "observations stay open (observing crashed the process, events delivered one empty payload), 4.04 for unknown names, 4.13, 4.06",
        upstream: "node-wot#1233, node-wot#1239",
        file: `${COAP_DIR}/coap-server.ts`,
        missing: "error",
        why: "observing a property over CoAP would end the VO's process (node-wot#1233)",
        holder: () => bindingCoap().CoapServer.prototype,
    },
    {
        id: "coap-affordance-href",
        ...COAP,
        target: "binding-coap bindingCoap().CoapServer.prototype.createAffordanceForm",
        owner: "CoapServer",
        method: "createAffordanceForm",
        kind: "replaced",
        fixes: "hrefs with each name encoded once and a URI template clients can expand (was encoded twice)",
        file: `${COAP_DIR}/coap-affordance-href.ts`,
        missing: "warn",
        why: "only names with reserved characters or uriVariables get unreachable hrefs",
        holder: () => bindingCoap().CoapServer.prototype,
    },
    {
        id: "coap-mdns-when-asked",
        ...COAP,
        target: "binding-coap bindingCoap().CoapServer.prototype.start",
        owner: "CoapServer",
        method: "start",
        kind: "replaced",
        fixes: "the mDNS responder only with `mdns: true`, on the server's interface (was UDP 0.0.0.0:5353 always)",
        upstream: "node-wot PR 963",
        file: `${COAP_DIR}/binding-coap-mdns.ts`,
        missing: "error",
        why: "the VO would answer mDNS on every interface of the host, whatever address it was given",
        holder: () => bindingCoap().CoapServer.prototype,
    },
    {
        id: "coap-mdns-srv-target",
        ...COAP,
        target: "binding-coap mdns().MdnsIntroducer.prototype.determineTarget",
        owner: "MdnsIntroducer",
        method: "determineTarget",
        kind: "replaced",
        fixes: "the mDNS answer names the address the TDs advertise, not the host's first non-loopback one",
        file: `${COAP_DIR}/binding-coap-mdns.ts`,
        missing: "warn",
        why: "only with `mdns: true`, and only the announced address is wrong",
        holder: () => mdns().MdnsIntroducer.prototype,
    },
    {
        id: "coap-port-once",
        ...COAP,
        target: "binding-coap bindingCoap().CoapServer.prototype.getPort",
        owner: "CoapServer",
        method: "getPort",
        kind: "override",
        fixes: "the port asked of the socket once, not at each request (6-9% of the server's CPU)",
        file: `${COAP_DIR}/coap-server.ts`,
        missing: "warn",
        why: "a cost of CPU, no wrong answer",
        holder: () => bindingCoap().CoapServer.prototype,
    },
    {
        id: "coap-stop-ends-observations",
        ...COAP,
        target: "binding-coap bindingCoap().CoapServer.prototype.stop",
        owner: "CoapServer",
        method: "stop",
        kind: "override",
        fixes: "stop() ends the open observations first, with their reason recorded",
        file: `${COAP_DIR}/coap-server.ts`,
        missing: "warn",
        why: "observations would retransmit after the stop until they time out",
        holder: () => bindingCoap().CoapServer.prototype,
    },
    {
        id: "coap-history-description",
        ...COAP,
        target: "binding-coap bindingCoap().CoapServer.prototype.expose",
        owner: "CoapServer",
        method: "expose",
        kind: "replaced",
        fixes: "each exposed Thing's TD names its CoAP history resources",
        file: `${COAP_DIR}/coap-face.ts`,
        missing: "warn",
        why: "the history resources still answer; only the TD does not name them",
        holder: () => bindingCoap().CoapServer.prototype,
    },
    {
        id: "coap-client-factory-clients",
        ...COAP,
        target: "binding-coap bindingCoap().CoapClientFactory.prototype.getClient",
        owner: "CoapClientFactory",
        method: "getClient",
        kind: "override",
        fixes: "every client made is given the client fixes below",
        file: `${COAP_DIR}/coap-client-factory.ts`,
        missing: "warn",
        why: "the client keeps upstream's behaviour; the VO's own serving is unaffected",
        holder: () => bindingCoap().CoapClientFactory.prototype,
    },
    {
        id: "coap-client-factory-destroy",
        ...COAP,
        target: "binding-coap bindingCoap().CoapClientFactory.prototype.destroy",
        owner: "CoapClientFactory",
        method: "destroy",
        kind: "override",
        fixes: "closes every UDP socket its clients opened when the servient shuts down (upstream's does nothing)",
        file: `${COAP_DIR}/coap-client-factory.ts`,
        missing: "warn",
        why: "sockets would keep a stopped process alive; nothing is served wrongly",
        holder: () => bindingCoap().CoapClientFactory.prototype,
    },
    coapClient("generateRequest", "coap-client-agents", "remembers each UDP agent a request opens, to close it"),
    coapClient("readResource", "coap-client-read", 'error answers reject, redirects are followed; vo-wot\'s {"value"}'),
    coapClient(
        "writeResource",
        "coap-client-write",
        'error answers reject, redirects followed, Block1 over 1024 bytes; vo-wot\'s {"value"}'
    ),
    coapClient(
        "invokeResource",
        "coap-client-invoke",
        "error answers reject, redirects followed, Block1 over 1024 bytes; vo-wot's invocation ids followed"
    ),
    coapClient(
        "subscribeResource",
        "coap-client-observe",
        "real notifications only; a failed registration rejects; vo-wot's envelopes unwrapped"
    ),
    coapClient("unlinkResource", "coap-client-deregister", "cancels an observation by deregistering (GET, Observe: 1)"),
];

const NODE_COAP_PATCHES: Patch[] = [
    {
        id: "node-coap-block1-reassembly",
        ...NODE_COAP,
        target: "coap Server.prototype._handle",
        owner: "CoAPServer",
        method: "_handle",
        kind: "replaced",
        fixes: "Block1 uploads matched by endpoint and options (RFC 9175), so libcoap's writes over 1 KiB work; 4.13 early",
        file: `${COAP_DIR}/node-coap-block1-reassembly.ts`,
        missing: "error",
        why: "CoAP request bodies would have no bound, and libcoap's large writes would fail with 5.00",
        holder: NODE_COAP_SERVER,
    },
    {
        id: "node-coap-observe-only-observable",
        ...NODE_COAP,
        target: "coap Server.prototype._handle",
        owner: "CoAPServer",
        method: "_handle",
        kind: "replaced",
        fixes: "a GET with Observe of what cannot be observed is answered as a plain GET (RFC 7641 section 4.1)",
        file: `${COAP_DIR}/node-coap-observe.ts`,
        missing: "warn",
        why: "such answers carry Observe, and one over a datagram is not sent: a failed read, not a wrong one",
        holder: NODE_COAP_SERVER,
    },
    {
        id: "node-coap-duplicate-in-progress",
        ...NODE_COAP,
        target: "coap Server.prototype._handle",
        owner: "CoAPServer",
        method: "_handle",
        kind: "replaced",
        fixes: "a duplicate of a request still being handled is acknowledged, not run again (an action invoked twice)",
        file: `${COAP_DIR}/piggyback-window.ts`,
        missing: "error",
        why: "a retransmitted action request would run the action a second time",
        holder: NODE_COAP_SERVER,
    },
    {
        id: "node-coap-piggyback-window",
        ...NODE_COAP,
        target: "coap Server _options.piggybackReplyMs",
        owner: "Object",
        method: "piggybackReplyMs",
        kind: "replaced",
        fixes: "answers within 1 s go piggybacked (was 50 ms), which libcoap before 4.3.5 reads block-wise",
        upstream: "obgm/libcoap#1595",
        file: `${COAP_DIR}/piggyback-window.ts`,
        missing: "warn",
        why: "old libcoap clients lose slow large answers; others are unaffected",
    },
    {
        id: "coap-observer-acks",
        ...NODE_COAP,
        target: "coap Server.prototype._handle",
        owner: "CoAPServer",
        method: "_handle",
        kind: "replaced",
        fixes: "routes the ACKs and Resets of notifications to their observation",
        file: `${COAP_DIR}/coap-observer-liveness.ts`,
        missing: "warn",
        why: "a gone observer is then noticed after about 4 minutes instead of `observerTimeoutMs`",
        holder: NODE_COAP_SERVER,
    },
    {
        id: "coap-observer-liveness",
        ...NODE_COAP,
        target: "coap ObserveWriteStream#_send (set by its constructor)",
        owner: "ObserveWriteStream",
        method: "_send",
        kind: "replaced",
        fixes: "an observer whose notification goes unacknowledged for `observerTimeoutMs` is dropped (was about 4 min)",
        file: `${COAP_DIR}/coap-observer-liveness.ts`,
        missing: "warn",
        why: "a gone observer is then noticed after about 4 minutes",
    },
    {
        id: "node-coap-block2-cache-key",
        ...NODE_COAP,
        target: "coap Server.prototype._toCacheKey",
        owner: "CoAPServer",
        method: "_toCacheKey",
        kind: "replaced",
        fixes: "the blocks of a large answer are found by client and options, not token (libcoap asks each with a new one)",
        file: `${COAP_DIR}/node-coap-block2-continuation.ts`,
        missing: "warn",
        why: "libcoap reads of a changing large answer start over; a failed read, not a wrong one",
        holder: NODE_COAP_SERVER,
    },
    {
        id: "node-coap-block2-options",
        ...NODE_COAP,
        target: "coap Server.prototype.saveAdditionalBlock2Options",
        owner: "CoAPServer",
        method: "saveAdditionalBlock2Options",
        kind: "replaced",
        fixes: "no longer copies an async answer's options before they exist (`keepContentFormat` does, later)",
        file: `${COAP_DIR}/node-coap-block2-continuation.ts`,
        missing: "warn",
        why: "later blocks go without Content-Format; libcoap refuses them",
        holder: NODE_COAP_SERVER,
    },
    {
        id: "node-coap-block2-cache-keeps-options",
        ...NODE_COAP,
        target: "coap blockCache().prototype.add (the server's _block2Cache)",
        owner: "BlockCache",
        method: "add",
        kind: "replaced",
        fixes: "a block answered from the cache keeps the entry's options (its Content-Format)",
        file: `${COAP_DIR}/node-coap-block2-continuation.ts`,
        missing: "warn",
        why: "later blocks go without Content-Format; libcoap refuses them",
        holder: () => blockCache().prototype,
    },
    {
        id: "node-coap-block2-content-format",
        ...NODE_COAP,
        target: "coap OutgoingMessage#_addCacheEntry (set per large answer)",
        owner: "OutgoingMessage",
        method: "_addCacheEntry",
        kind: "replaced",
        fixes: "the cached blocks of a large answer carry its Content-Format",
        file: `${COAP_DIR}/node-coap-block2-continuation.ts`,
        missing: "warn",
        why: "later blocks go without Content-Format; libcoap refuses them",
    },
    {
        id: "node-coap-observe-plain-end",
        ...NODE_COAP,
        target: "coap nodeCoap().ObserveWriteStream.prototype.end",
        owner: "ObserveWriteStream",
        method: "end",
        kind: "replaced",
        fixes: "an observe request ended before any notification is a plain answer, without Observe",
        file: `${COAP_DIR}/node-coap-observe.ts`,
        missing: "warn",
        why: "a refused observation's answer would carry Observe; the client is told the same",
        holder: () => nodeCoap().ObserveWriteStream.prototype,
    },
    {
        id: "node-coap-observe-plain-option",
        ...NODE_COAP,
        target: "coap nodeCoap().ObserveWriteStream.prototype.setOption",
        owner: "ObserveWriteStream",
        method: "setOption",
        kind: "replaced",
        fixes: "Observe is not set on such a plain answer",
        file: `${COAP_DIR}/node-coap-observe.ts`,
        missing: "warn",
        why: "a refused observation's answer would carry Observe; the client is told the same",
        holder: () => nodeCoap().ObserveWriteStream.prototype,
    },
    {
        id: "node-coap-observe-block-wise",
        ...NODE_COAP,
        target: "coap nodeCoap().ObserveWriteStream.prototype._write",
        owner: "ObserveWriteStream",
        method: "_write",
        kind: "replaced",
        fixes: "a notification over one block goes block-wise with an ETag (was never sent: Max packet size)",
        file: `${COAP_DIR}/node-coap-observe.ts`,
        missing: "warn",
        why: "large notifications would not be sent; small ones are unaffected",
        holder: () => nodeCoap().ObserveWriteStream.prototype,
    },
    {
        id: "coap-refusal-code-write",
        ...NODE_COAP,
        target: "coap nodeCoap().OutgoingMessage.prototype.write (each answer)",
        owner: "OutgoingMessage",
        method: "write",
        kind: "replaced",
        fixes: "a refusal thrown by a handler is answered with its code (4.00, 5.03 + Max-Age) instead of 5.00",
        file: `${COAP_DIR}/coap-answers.ts`,
        missing: "error",
        why: "clients would get 5.00 for their own mistakes and no retry hint when the store is away",
        holder: () => nodeCoap().OutgoingMessage.prototype,
    },
    {
        id: "coap-refusal-code-end",
        ...NODE_COAP,
        target: "coap nodeCoap().OutgoingMessage.prototype.end (each answer)",
        owner: "OutgoingMessage",
        method: "end",
        kind: "replaced",
        fixes: "as coap-refusal-code-write, for an answer ended without a write",
        file: `${COAP_DIR}/coap-answers.ts`,
        missing: "error",
        why: "clients would get 5.00 for their own mistakes and no retry hint when the store is away",
        holder: () => nodeCoap().OutgoingMessage.prototype,
    },
];

/** A ProtocolServer method one of the VO's server classes overrides (the upstream class's is wrong). */
function serverOverride(
    base: { package: string; versions: string },
    short: string,
    owner: string,
    holder: () => object,
    file: string,
    method: string,
    fixes: string
): Patch {
    return {
        id: `${short}-${method}`,
        ...base,
        target: `${base.package.replace("@node-wot/", "")} ${owner}.prototype.${method}`,
        owner,
        method,
        kind: "override",
        fixes,
        file,
        missing: "warn",
        why: "the method is core's ProtocolServer interface: the override still runs; the warning says to re-read the upstream class",
        holder,
    };
}

const MQTT_FILE = "src/protocols/mqtt/mqtt-broker-server.ts";
const mqttOverride = (method: string, fixes: string) =>
    serverOverride(
        MQTT,
        "mqtt-broker",
        "MqttBrokerServer",
        () => bindingMqtt().MqttBrokerServer.prototype,
        MQTT_FILE,
        method,
        fixes
    );

const BINDING_MQTT: Patch[] = [
    mqttOverride(
        "start",
        "serves without MQTT while the broker is down and reconnects (start() rejected, failing the servient)"
    ),
    mqttOverride(
        "stop",
        "answers the messages being served, unsubscribes what it subscribed and removes its listeners"
    ),
    mqttOverride("destroy", "forgets the one Thing destroyed, its listeners and retained topics"),
    mqttOverride(
        "expose",
        "one message listener in all (was one per Thing: writes ran twice), decoded names, retained reads, action outputs"
    ),
];

const WS_FILE = "src/protocols/websocket/ws-server.ts";
const wsOverride = (method: string, fixes: string) =>
    serverOverride(
        WS,
        "ws-server",
        "WebSocketServer",
        () => bindingWs().WebSocketServer.prototype,
        WS_FILE,
        method,
        fixes
    );

const BINDING_WEBSOCKETS: Patch[] = [
    wsOverride(
        "start",
        "a plain HTTP request is answered 426, the root answers a handshake (a probe can tell it is up)"
    ),
    wsOverride("stop", "ends observations with their reason and answers requests being served before stopping"),
    wsOverride("destroy", "forgets the one Thing destroyed and closes its sockets (was every Thing's name)"),
    wsOverride(
        "expose",
        "reads what clients send (read, write, invoke), observes readable properties (the test was inverted), pinned addresses"
    ),
];

/** Every patch, by protocol. */
export const PATCHES: readonly Patch[] = [
    ...NODE_WOT_CORE,
    ...BINDING_HTTP,
    ...BINDING_COAP,
    ...NODE_COAP_PATCHES,
    ...BINDING_MQTT,
    ...BINDING_WEBSOCKETS,
];

const BY_ID = new Map(PATCHES.map((p) => [p.id, p]));

/** The patch of that id; throws for an id not registered (a replacement must be listed before it is made). */
export function patchNamed(id: string): Patch {
    const patch = BY_ID.get(id);
    if (patch === undefined) throw new Error(`patch "${id}" is not in src/protocols/patches/patch-registry.ts`);
    return patch;
}
