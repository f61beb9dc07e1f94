import { expect } from "chai";
import { decodePath, pathSegments, requestPath, requestQuery } from "../../../src/protocols/http/http-request-url";

describe("HTTP request URL: one reading for every resource", function () {
    it("takes the path up to the first ?, as sent", function () {
        expect(requestPath(undefined)).to.equal("/");
        expect(requestPath("/thing/properties/a?x=1?y")).to.equal("/thing/properties/a");
        expect(requestPath("/a/../b")).to.equal("/a/../b"); // as binding-http's router reads it
    });

    it("reads the query after the first ?", function () {
        expect(requestQuery("/things?offset=2&limit=1").get("limit")).to.equal("1");
        expect(requestQuery("/?expanded").get("expanded")).to.equal("");
        expect([...requestQuery("/")].length).to.equal(0);
    });

    it("splits the path at / and ignores a trailing slash, but in / itself", function () {
        expect(pathSegments("/")).to.deep.equal(["", ""]);
        expect(pathSegments("/thing/")).to.deep.equal(["", "thing"]);
        expect(pathSegments("/thing/properties/a%2Fb")).to.deep.equal(["", "thing", "properties", "a%2Fb"]);
    });

    it("decodes percent-escapes, and names nothing when they do not decode", function () {
        expect(decodePath("a%2Fb%20c")).to.equal("a/b c");
        expect(decodePath("%ZZ")).to.equal(undefined);
    });
});
