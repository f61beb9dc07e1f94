/** The security terms of a TD that tell whether a client must authenticate. */
export interface SecuredThing {
    securityDefinitions?: Record<string, { scheme?: string } | undefined>;
    security?: string | string[];
}

/**
 * The security scheme a Thing asks for that CoAP cannot honour here, or undefined when it is open.
 * binding-coap 0.8.16 checks no credentials at all, so a Thing produced with basic security was
 * open to every CoAP client while its HTTP forms answered 401: `VoCoapServer` answers 4.01 instead
 * (CoAP carries no basic authentication; RFC 7252 section 5.9.2.2), on every form and history alike.
 */
export function unmetSecurity(thing: SecuredThing): string | undefined {
    const names = thing.security === undefined ? [] : ([] as string[]).concat(thing.security);
    for (const name of names) {
        const scheme = thing.securityDefinitions?.[name]?.scheme;
        if (scheme !== undefined && scheme !== "nosec") return scheme;
    }
    return undefined;
}
