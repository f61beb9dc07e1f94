import { DEFAULT_PROTOCOL_LIMITS, ServerHooks } from "../protocol-face";

/**
 * The hooks the face was given for each server, read by VoCoapServer while it serves: binding-coap's
 * request path has no place to carry them, and the server is created before the plugin attaches.
 */
const hooksOf = new WeakMap<object, ServerHooks>();

export function setServerHooks(server: object, hooks: ServerHooks): void {
    hooksOf.set(server, hooks);
}

export function serverHooks(server: object): ServerHooks {
    return hooksOf.get(server) ?? { limits: DEFAULT_PROTOCOL_LIMITS };
}
