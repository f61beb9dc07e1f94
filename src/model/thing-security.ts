/** The security terms of a TD that tell whether a client must authenticate. */
export interface SecuredThing {
    securityDefinitions?: Record<string, { scheme?: string } | undefined>;
    security?: string | string[];
}

/**
 * The scheme a Thing's clients must satisfy: the first of its `security` definitions that is not
 * `nosec`, else "nosec". The one reader of a Thing's security for every protocol and the history action.
 */
export function securitySchemeOf(thing: SecuredThing): string {
    const names = thing.security === undefined ? [] : ([] as string[]).concat(thing.security);
    for (const name of names) {
        const scheme = thing.securityDefinitions?.[name]?.scheme;
        if (scheme !== undefined && scheme !== "nosec") return scheme;
    }
    return "nosec";
}

/** Whether a client must bring credentials for the Thing. */
export function isSecured(thing: SecuredThing): boolean {
    return securitySchemeOf(thing) !== "nosec";
}
