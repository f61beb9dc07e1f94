import crypto from "node:crypto";
import type { IncomingMessage } from "node:http";
import { ExposedThing, Helpers } from "@node-wot/core";
import { replaceMethod } from "../patches/replace-method";

/**
 * What a Thing with bearer security accepts, given to node-wot's credential store as any other
 * credential (`servient.addCredentials({ [thingId]: { token } })`, one entry per token), or the
 * public key JWTs are signed with (`{ publicKey: <PEM> }`).
 */
export interface BearerCredential {
    token?: string;
    publicKey?: string | crypto.KeyObject;
}

/** Clock skew tolerated on a JWT's `exp` and `nbf`, in seconds. */
export const JWT_LEEWAY_S = 30;

/** RFC 6750 §2.1: `Bearer <b64token>`, the scheme name case-insensitive. */
export function bearerTokenOf(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization;
    if (header === undefined) return undefined;
    const m = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    return m?.[1];
}

const JWT_HASH: Record<string, { hash: string | null; key: string; curve?: string; pss?: boolean }> = {
    RS256: { hash: "sha256", key: "rsa" },
    RS384: { hash: "sha384", key: "rsa" },
    RS512: { hash: "sha512", key: "rsa" },
    PS256: { hash: "sha256", key: "rsa", pss: true },
    PS384: { hash: "sha384", key: "rsa", pss: true },
    PS512: { hash: "sha512", key: "rsa", pss: true },
    ES256: { hash: "sha256", key: "ec", curve: "prime256v1" },
    ES384: { hash: "sha384", key: "ec", curve: "secp384r1" },
    ES512: { hash: "sha512", key: "ec", curve: "secp521r1" },
    EdDSA: { hash: null, key: "ed25519" },
};

function jsonPart(part: string): Record<string, unknown> | undefined {
    try {
        const v = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
        return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
        return undefined;
    }
}

/**
 * Checks a JWT (RFC 7519) signed with an asymmetric key: the algorithm must fit the key (no `none`,
 * no HMAC with a public key as secret), the signature must verify, and `exp` / `nbf`, when there,
 * must hold. Undefined when valid, else why not (never the token itself).
 */
export function verifyJwt(token: string, key: string | crypto.KeyObject, now = Date.now()): string | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) return "not a JWT";
    const header = jsonPart(parts[0]);
    const claims = jsonPart(parts[1]);
    if (header === undefined || claims === undefined) return "not a JWT";
    const alg = typeof header.alg === "string" ? JWT_HASH[header.alg] : undefined;
    if (alg === undefined) return `JWT algorithm ${JSON.stringify(header.alg)} is not accepted`;
    let publicKey: crypto.KeyObject;
    try {
        publicKey = typeof key === "string" ? crypto.createPublicKey(key) : key;
    } catch {
        return "the configured public key does not parse";
    }
    const curve = publicKey.asymmetricKeyDetails?.namedCurve;
    if (publicKey.asymmetricKeyType !== alg.key || (alg.curve !== undefined && curve !== alg.curve)) {
        return `JWT algorithm ${header.alg as string} does not fit the configured key`;
    }
    const options: crypto.VerifyKeyObjectInput = { key: publicKey };
    if (alg.key === "ec") options.dsaEncoding = "ieee-p1363";
    if (alg.pss) {
        options.padding = crypto.constants.RSA_PKCS1_PSS_PADDING;
        options.saltLength = crypto.constants.RSA_PSS_SALTLEN_DIGEST;
    }
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    let ok = false;
    try {
        ok = crypto.verify(alg.hash, signed, options, Buffer.from(parts[2], "base64url"));
    } catch {
        ok = false;
    }
    if (!ok) return "JWT signature does not verify";
    const s = now / 1000;
    if (typeof claims.exp === "number" && s > claims.exp + JWT_LEEWAY_S) return "JWT expired";
    if (typeof claims.nbf === "number" && s < claims.nbf - JWT_LEEWAY_S) return "JWT not valid yet";
    return undefined;
}

/** Constant-time equality of two secrets of any length (their digests are compared). */
function sameSecret(a: string, b: string): boolean {
    const digest = (s: string) => crypto.createHash("sha256").update(s).digest();
    return crypto.timingSafeEqual(digest(a), digest(b));
}

/** Undefined when the token is one of the credentials' tokens or a JWT one of their keys signed; else why not. */
export function checkBearer(
    token: string,
    credentials: readonly BearerCredential[],
    now = Date.now()
): string | undefined {
    let why = "unknown token";
    for (const c of credentials) {
        if (typeof c.token === "string" && c.token.length > 0 && sameSecret(c.token, token)) return undefined;
        if (c.publicKey !== undefined) {
            const jwt = verifyJwt(token, c.publicKey, now);
            if (jwt === undefined) return undefined;
            why = jwt;
        }
    }
    return why;
}

interface CredentialServer {
    servient: { retrieveCredentials(id: string): unknown[] | undefined } | null;
    checkCredentials(thing: ExposedThing, req: IncomingMessage): Promise<boolean>;
}

/**
 * binding-http 0.9.2 (http-server.js `checkCredentials`) accepts `bearer` in its security config but
 * tests the Thing's scheme against `case "Bearer"`, which a TD's lower-case `bearer` never matches:
 * every request to a bearer-secured Thing is answered 401. It also compares tokens with `===`
 * (node-wot issue 310 asks how bearer was meant to work). Here a bearer Thing's request is checked
 * by `checkBearer` against the Thing's credentials; other schemes go to binding-http as before.
 * `refused` is told why a request was not let in.
 */
export function fixBearerCheck(
    server: CredentialServer,
    refused: (thing: ExposedThing, req: IncomingMessage, why: string) => void
): void {
    type Check = CredentialServer["checkCredentials"];
    replaceMethod<Check>(server, "checkCredentials", "http-bearer-check", (check) => async (thing, req) => {
        const original: Check = (t, r) => check.call(server, t, r);
        const selected = Helpers.toStringArray(thing.security)[0];
        const scheme = thing.securityDefinitions[selected]?.scheme;
        if (scheme?.toLowerCase() !== "bearer") {
            const ok = await original(thing, req);
            if (!ok) refused(thing, req, `${scheme} credentials missing or wrong`);
            return ok;
        }
        const token = bearerTokenOf(req);
        if (token === undefined) {
            refused(thing, req, "no bearer token");
            return false;
        }
        const credentials = (server.servient?.retrieveCredentials(thing.id) ?? []) as BearerCredential[];
        const why = checkBearer(token, credentials);
        if (why !== undefined) refused(thing, req, why);
        return why === undefined;
    });
}
