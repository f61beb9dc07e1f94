import http from "node:http";
import { expect } from "chai";
import type { HistoryRecord } from "../../../src";
import type { VoFixture } from "../../helpers/vo-fixture";

export interface RawAnswer {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: Buffer;
}

/** One request with node's http module (no retries, no redirects), bounded by `timeoutMs`. */
export function httpRequest(
    url: string,
    options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer; timeoutMs?: number } = {}
): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
        const req = http.request(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })
            );
            res.on("error", reject);
        });
        req.setTimeout(options.timeoutMs ?? 5000, () => req.destroy(new Error(`no answer from ${url}`)));
        req.on("error", reject);
        req.end(options.body);
    });
}

/** Every record of one affordance, oldest first, once everything recorded so far is stored. */
export async function recordsOf(
    vo: VoFixture,
    thing: string,
    kind: "property" | "action" | "event",
    name: string
): Promise<HistoryRecord[]> {
    await vo.vo.flush();
    return vo.vo.history({ thing, kind, name });
}

/** The newest record of one affordance. */
export async function lastRecordOf(
    vo: VoFixture,
    thing: string,
    kind: "property" | "action" | "event",
    name: string
): Promise<HistoryRecord> {
    const rows = await recordsOf(vo, thing, kind, name);
    expect(rows.length, `a ${kind} record for ${name}`).to.be.greaterThan(0);
    return rows[rows.length - 1];
}

/** The href of an affordance's first form on `http:` with `contentType` (JSON by default). */
export function httpHref(
    affordance: { forms: { href: string; contentType?: string }[] },
    contentType = "application/json"
): string {
    const form = affordance.forms.find(
        (f) => f.href.startsWith("http:") && (f.contentType ?? "application/json") === contentType
    );
    if (form === undefined) throw new Error(`no http form in ${contentType}`);
    return form.href;
}
