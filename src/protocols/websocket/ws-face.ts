import type { ProtocolServer } from "@node-wot/core";
import type { ProtocolFace, ServerHooks } from "../protocol-face";
import { VoWebSocketServer } from "./ws-server";
import { wsProbe } from "./ws-probe";

function instrument(server: ProtocolServer, hooks: ServerHooks): boolean {
    // binding-websockets' own server reads no client message; only ours records and refuses
    if (!(server instanceof VoWebSocketServer)) return false;
    server.setHooks(hooks);
    return true;
}

export const websocketFace: ProtocolFace = { schemes: ["ws", "wss"], instrument, probe: wsProbe };
