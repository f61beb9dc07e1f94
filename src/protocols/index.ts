import { bindingLoaded } from "./node-wot-cores";
import type { ProtocolFace } from "./protocol-face";

export type { ProtocolFace, ProtocolLimits, ProtocolRefusal, ServerHooks } from "./protocol-face";

/** A protocol by its URL schemes, its face loaded on first use. */
interface ProtocolEntry {
    readonly schemes: readonly string[];
    readonly load: () => ProtocolFace;
}

/*
 * A protocol's face loads its binding (binding-coap, -mqtt and -websockets each bring their own copy of
 * node-wot's core: about 29 MB of a process that loads them all): a VO loads only those it serves, probes or
 * consumes. A face loaded has the patches of the packages it brought checked then (checkPatchTargets).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- loaded on demand, see above */
const ENTRIES: readonly ProtocolEntry[] = [
    {
        schemes: ["http", "https"],
        load: () => (require("./http/http-face") as typeof import("./http/http-face")).httpFace,
    },
    {
        schemes: ["coap", "coaps"],
        load: () => (require("./coap/coap-face") as typeof import("./coap/coap-face")).coapFace,
    },
    {
        schemes: ["mqtt", "mqtts"],
        load: () => (require("./mqtt/mqtt-face") as typeof import("./mqtt/mqtt-face")).mqttFace,
    },
    {
        schemes: ["ws", "wss"],
        load: () => (require("./websocket/ws-face") as typeof import("./websocket/ws-face")).websocketFace,
    },
];
/* eslint-enable @typescript-eslint/no-require-imports */

const loaded = new Map<ProtocolEntry, ProtocolFace>();

function faceOf(entry: ProtocolEntry): ProtocolFace {
    let face = loaded.get(entry);
    if (face === undefined) {
        face = entry.load();
        loaded.set(entry, face);
        bindingLoaded(); // the core copy and the packages it brought
    }
    return face;
}

/** The URL schemes of every protocol the VO serves and probes; a new binding is one folder and one entry here. */
export const PROTOCOL_SCHEMES: readonly string[] = ENTRIES.flatMap((e) => e.schemes);

/** The protocol of a URL scheme ("coap" or "coap:"), loaded on first use, or undefined. */
export function protocolFor(scheme: string): ProtocolFace | undefined {
    const s = scheme.replace(/:$/, "");
    const entry = ENTRIES.find((e) => e.schemes.includes(s));
    return entry === undefined ? undefined : faceOf(entry);
}

/** Every protocol's face (loads every binding: for tests and tools, not for a running VO). */
export function allProtocols(): readonly ProtocolFace[] {
    return ENTRIES.map(faceOf);
}
