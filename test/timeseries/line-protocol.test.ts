import { expect } from "chai";
import type { InteractionRecord } from "../../src";
import { decodeName, encodeName, toLine, toLines } from "../../src/timeseries/influxdb/line-protocol";
import { propertyRecord } from "../helpers/records";
import { referencePoint } from "../helpers/reference-point";

const T0 = Date.UTC(2026, 0, 1);

describe("InfluxDB line protocol of a record", function () {
    const records: InteractionRecord[] = [
        propertyRecord("p", 1.5, T0),
        propertyRecord("p", 1e21, T0),
        propertyRecord("p", -0, T0),
        propertyRecord("p", true, T0, { op: "writeproperty", protocol: "coap" }),
        propertyRecord("p", "", T0),
        propertyRecord("p", 'a "quoted" \\ back, = comma', T0),
        propertyRecord("p", "line\nbreak\r", T0),
        propertyRecord("p", null, T0),
        propertyRecord("p", NaN, T0),
        propertyRecord("p", { "k, =\n": [1, { deep: true }], s: "x y" }, T0),
        propertyRecord(
            "p",
            Array.from({ length: 100 }, (_, i) => i),
            T0
        ),
        propertyRecord("a b,c=d\\", { offset: 1 }, T0, {
            thing: "urn:x y,z=\n%",
            kind: "action",
            op: "invokeaction",
            output: { applied: "yes" },
            ok: false,
            error: 'failed: "x"\r\n',
            durationMs: 12.25,
            origin: undefined,
        }),
        propertyRecord("e", undefined, T0, { kind: "event", op: "subscribeevent", valid: false, truncated: true }),
    ];

    it("is the line the client's own Point writes for the same layout", function () {
        for (const r of records) {
            expect(toLine(r), String(r.value)).to.equal(referencePoint(r).toLineProtocol());
        }
    });

    it("never carries a raw newline, and bounds flattened leaves", function () {
        for (const r of records) expect(toLine(r)).not.to.match(/[\r\n]/);
        const leaves = toLine(records[10]).match(/value\.\d+_num=/g) ?? [];
        expect(leaves).to.have.length(64);
    });

    it("groups lines by kind in record order", function () {
        const byKind = toLines(records);
        expect([...byKind.keys()]).to.deep.equal(["property", "action", "event"]);
        expect(byKind.get("property")).to.have.length(11);
    });

    it("%-encodes names so that they decode to themselves", function () {
        for (const name of ["plain", "100%", "a\\", "tab\there", "nl\n\r", "\u0000\u001f\u007f", "ü ✓ %41"]) {
            expect(encodeName(name)).not.to.match(/[\\\n\r\t]/);
            expect(decodeName(encodeName(name))).to.equal(name);
        }
    });
});
