import { deadline } from "../../model/deadline";

/** Certificate errors of a TLS handshake the peer answered (a self-signed VO certificate, say). */
const UNTRUSTED_CERTIFICATE = new Set([
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "CERT_HAS_EXPIRED",
    "CERT_NOT_YET_VALID",
    "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** An HTTP peer is up when it answers anything at all to a GET of its URL. */
export async function httpProbe(url: URL, timeoutMs: number): Promise<string> {
    const bound = deadline(timeoutMs);
    try {
        const res = await fetch(url, { signal: bound.signal, redirect: "manual" });
        await res.body?.cancel();
        return `HTTP ${res.status} from ${url.host}`;
    } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        // a TLS handshake that got as far as the certificate is an answer: the peer is up
        if (e.cause?.code !== undefined && UNTRUSTED_CERTIFICATE.has(e.cause.code)) {
            return `TLS from ${url.host} (certificate not trusted here: ${e.cause.code})`;
        }
        const why = e.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message);
        throw new Error(`HTTP probe of ${url.host} failed: ${why}`);
    } finally {
        bound.clear();
    }
}
