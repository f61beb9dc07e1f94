import { execFileSync } from "node:child_process";
import path from "node:path";
import { expect } from "chai";

const ROOT = path.join(__dirname, "..", "..", "..");

/** What a fresh process prints when nothing but a 200 ms deadline is left to wait on. */
function waitOn(signal: string): string {
    const probe = `
        const { deadline } = require(${JSON.stringify(path.join(ROOT, "dist", "src", "model", "deadline.js"))});
        const signal = ${signal};
        signal.addEventListener("abort", () => process.stdout.write("aborted " + signal.reason.name));`;
    return execFileSync(process.execPath, ["-e", probe], { timeout: 10_000 }).toString();
}

describe("deadline: a bound that keeps the process alive until it ends", function () {
    it("aborts with a TimeoutError, where AbortSignal.timeout lets the process end first", function () {
        expect(waitOn("deadline(200).signal")).to.equal("aborted TimeoutError");
        // the reason it exists: node's own timeout signal holds nothing, so the wait never ended
        expect(waitOn("AbortSignal.timeout(200)")).to.equal("");
    });
});
