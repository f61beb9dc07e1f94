import type { IPublishPacket } from "mqtt";

/**
 * Who sent an MQTT message, as far as the VO can know. A broker never tells a subscriber which client
 * published (MQTT 3.1.1 and 5 alike; Mosquitto adds nothing), so the VO knows a client's identity only
 * when the client states it: an MQTT 5 user property `client-id` (or `clientId`). Without it the origin
 * names the broker the message came through.
 */
export const CLIENT_ID_PROPERTIES = ["client-id", "clientId"] as const;

export function messageOrigin(packet: IPublishPacket | undefined, broker: string): string {
    const id = statedClientId(packet);
    return id === undefined ? `via ${broker}` : `client ${id} via ${broker}`;
}

function statedClientId(packet: IPublishPacket | undefined): string | undefined {
    const props = packet?.properties?.userProperties;
    if (props === undefined) return undefined;
    for (const key of CLIENT_ID_PROPERTIES) {
        const v = props[key];
        const id = Array.isArray(v) ? v[0] : v;
        if (typeof id === "string" && id.length > 0) return id.slice(0, 256);
    }
    return undefined;
}
