import { expect } from "chai";
import { decodeBody, isJsonMediaType, mediaTypeOf, undecodableKind } from "../../src/model/media-type";

describe("media types: one reading of a Content-Type for every layer", function () {
    it("reads the type without parameters, lower case", function () {
        expect(mediaTypeOf(" Application/JSON ; charset=utf-8")).to.equal("application/json");
        expect(mediaTypeOf("application/cbor")).to.equal("application/cbor");
    });

    it("takes application/json, a +json suffix and no type at all for JSON, parameters ignored", function () {
        for (const type of [undefined, "application/json", "application/json; charset=utf-8", "application/td+json"]) {
            expect(isJsonMediaType(type), String(type)).to.equal(true);
        }
        expect(isJsonMediaType("APPLICATION/LD+JSON;profile=x")).to.equal(true);
        for (const type of ["text/plain", "application/cbor", "application/jsonp", "text/json+xml"]) {
            expect(isJsonMediaType(type), type).to.equal(false);
        }
    });

    it("parses JSON strictly, where node-wot's codec takes a malformed document for a string", function () {
        expect(decodeBody("application/json", Buffer.from('{"a":1}'))).to.deep.equal({ a: 1 });
        expect(() => decodeBody("application/json", Buffer.from("{a"))).to.throw(SyntaxError);
        expect(decodeBody("text/plain", Buffer.from("{a"))).to.equal("{a");
        expect(undecodableKind("application/td+json")).to.equal("malformed JSON");
        expect(undecodableKind("application/cbor")).to.equal("not decodable as application/cbor");
    });
});
