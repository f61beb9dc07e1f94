import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { findRequestMatchingFormIndex, memoizeFormMatching } from "../../src/protocols/form-matching";
import { nodeWotCores } from "../../src/protocols/node-wot-cores";

type Form = { href: string; contentType?: string };
type FindForm = (forms: Form[] | undefined, scheme: string, url?: string, type?: string) => number;

/** node-wot's own findRequestMatchingFormIndex, from a fresh copy of its module (the loaded one may be replaced). */
function upstream(): FindForm {
    const file = path.join(path.dirname(require.resolve("@node-wot/core")), "protocol-helpers.js");
    const cached = require.cache[file];
    delete require.cache[file];
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fresh = require(file) as { default: { findRequestMatchingFormIndex: FindForm } };
        return fresh.default.findRequestMatchingFormIndex.bind(fresh.default);
    } finally {
        if (cached !== undefined) require.cache[file] = cached;
    }
}

const HREFS = [
    "http://127.0.0.1:8080/thing/properties/value",
    "http://[::1]:8080/thing/properties/value",
    "http://127.0.0.1:8080/urn%3Auuid%3A1/properties/value",
    "http://127.0.0.1:8080/thing/properties/value{?step}",
    "http://127.0.0.1:8080/thing/actions/add",
    "coap://127.0.0.1:5683/thing/properties/value",
    "coap://[fd00::2]:5683/thing/properties/value",
    "https://127.0.0.1:8443/thing/properties/value",
];
const URLS = [undefined, "/thing/properties/value", "/thing/properties/value?step=2", "/thing/actions/add", "/other"];
const TYPES = [undefined, null, "application/json", "application/cbor", "text/plain"];

describe("form matching (node-wot's findRequestMatchingFormIndex, each href parsed once)", function () {
    it("answers as upstream does for any forms, scheme, request URL and content type", function () {
        const original = upstream();
        const form = fc.record({
            href: fc.constantFrom(...HREFS),
            contentType: fc.constantFrom(undefined, "application/json", "application/cbor"),
        });
        fc.assert(
            fc.property(
                fc.option(fc.array(form, { maxLength: 12 }), { nil: undefined }),
                fc.constantFrom("http", "https", "coap"),
                fc.constantFrom(...URLS),
                fc.constantFrom(...TYPES),
                (forms, scheme, url, type) => {
                    const expected = original(forms, scheme, url, type as string);
                    expect(findRequestMatchingFormIndex(forms, scheme, url, type as string)).to.equal(expected);
                    // again: now from the parsed hrefs it kept
                    expect(findRequestMatchingFormIndex(forms, scheme, url, type as string)).to.equal(expected);
                }
            ),
            { numRuns: 500 }
        );
    });

    it("parses a form again once its href changed", function () {
        const forms: Form[] = [{ href: "http://127.0.0.1:1/a" }, { href: "http://127.0.0.1:1/b" }];
        expect(findRequestMatchingFormIndex(forms, "http", "/b")).to.equal(1);
        forms[0].href = "http://127.0.0.1:1/b";
        expect(findRequestMatchingFormIndex(forms, "http", "/b")).to.equal(0);
    });

    it("is what every core copy the bindings call uses, once installed", function () {
        memoizeFormMatching();
        memoizeFormMatching(); // idempotent
        const cores = nodeWotCores();
        expect(cores.length, "the main core and binding-coap's own").to.be.at.least(2);
        for (const { ProtocolHelpers } of cores) {
            expect(ProtocolHelpers.findRequestMatchingFormIndex).to.equal(findRequestMatchingFormIndex);
        }
    });
});
