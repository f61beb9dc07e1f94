import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A self-signed certificate (PEM files in `dir`) for 127.0.0.1 and the names given, made by openssl. */
export async function selfSignedCertificate(dir: string, names: string[] = []): Promise<{ cert: string; key: string }> {
    const cert = path.join(dir, "cert.pem");
    const key = path.join(dir, "key.pem");
    const san = ["IP:127.0.0.1", ...names.map((n) => `DNS:${n}`)].join(",");
    await run("openssl", [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        `subjectAltName=${san}`,
    ]);
    return { cert, key };
}
