import type { ProtocolClient, ProtocolClientFactory } from "@node-wot/core";
import { bindingLoaded } from "./node-wot-cores";

/**
 * A client factory that loads its binding when a client of its scheme is first asked for: a VO that never
 * talks CoAP to anyone never loads binding-coap (and the copy of node-wot's core it brings).
 */
export function lazyClientFactory(scheme: string, load: () => ProtocolClientFactory): ProtocolClientFactory {
    let factory: ProtocolClientFactory | undefined;
    const loaded = (): ProtocolClientFactory => {
        if (factory === undefined) {
            factory = load();
            factory.init();
            bindingLoaded(); // the core copy and the packages the binding brought
        }
        return factory;
    };
    return {
        scheme,
        getClient: (): ProtocolClient => loaded().getClient(),
        init: () => true,
        destroy: () => factory?.destroy() ?? true,
    };
}

/** binding-coap's client, as this package fixes it (VoCoapClientFactory), loaded on first use. */
export function lazyCoapClientFactory(): ProtocolClientFactory {
    return lazyClientFactory("coap", () => {
        /* eslint-disable @typescript-eslint/no-require-imports -- loaded on demand */
        const { VoCoapClientFactory } =
            require("./coap/coap-client-factory") as typeof import("./coap/coap-client-factory");
        /* eslint-enable @typescript-eslint/no-require-imports */
        return new VoCoapClientFactory() as unknown as ProtocolClientFactory;
    });
}
