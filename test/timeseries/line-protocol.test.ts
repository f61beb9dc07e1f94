import { expect } from "chai";
import type { InteractionRecord } from "../../src";
import { INFLUX_LAYOUTS } from "../../src/options/influxdb-options";
import {
    decodeName,
    encodeName,
    FIELD_TYPES,
    RECORD_TAGS,
    toLine,
    toLines,
} from "../../src/timeseries/influxdb/line-protocol";
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

    it("is the line the client's own Point writes for the same layout, per kind and per Thing", function () {
        for (const layout of INFLUX_LAYOUTS) {
            for (const r of records) {
                expect(toLine(r, layout), `${layout} ${String(r.value)}`).to.equal(
                    referencePoint(r, layout).toLineProtocol()
                );
            }
        }
    });

    it("never carries a raw newline, and bounds flattened leaves (per Thing) or has none (per kind)", function () {
        for (const layout of INFLUX_LAYOUTS) for (const r of records) expect(toLine(r, layout)).not.to.match(/[\r\n]/);
        const leaves = toLine(records[10], "per-thing").match(/value\.\d+_num=/g) ?? [];
        expect(leaves).to.have.length(64);
        expect(toLine(records[10], "per-kind")).to.match(
            /^vo_property,name=p,ok=true,op=readproperty,protocol=http,thing=urn:test:thing,value_type=json origin="127.0.0.1:40000",truncated=F,valid=T,value_json="\[0,1,/
        );
    });

    it("per kind: the measurement of the kind, the Thing a tag escaped as one, a fixed set of columns", function () {
        const line = toLine(records[11], "per-kind");
        expect(line).to.match(
            /^vo_action,name=a\\ b\\,c\\=d%5C,ok=false,op=invokeaction,output_type=json,protocol=http,thing=urn:x\\ y\\,z\\=%0A%25,value_type=json /
        );
        const columns = new Set<string>();
        for (const r of records) {
            const [head, fields] = toLine(r, "per-kind").split(" ");
            for (const tag of head.split(",").slice(1)) columns.add(tag.split("=")[0]);
            for (const field of fields.match(/(?:^|,)([a-z_]+)=/g) ?? []) columns.add(field.replace(/^,|=$/g, ""));
        }
        const allowed = new Set([...RECORD_TAGS, "thing", ...Object.keys(FIELD_TYPES)]);
        expect([...columns].filter((c) => !allowed.has(c))).to.deep.equal([]);
        expect(allowed.size).to.equal(22); // and time: 23 columns per table
    });

    it("groups lines by kind in record order", function () {
        const byKind = toLines(records, "per-kind");
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
