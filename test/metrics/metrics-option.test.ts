import { expect } from "chai";
import { resolveOptions } from "../../src/options/vo-options";
import { parseDescriptor, readDescriptor } from "../../src/cli/descriptor";
import { mappingLine } from "../../src/cli/vo-wot-descriptor";

describe("the metrics option (attach options, both descriptor dialects)", function () {
    it("attach options: on unless false; anything else refused, named", function () {
        expect(resolveOptions({}).metrics).to.equal(true);
        expect(resolveOptions({ metrics: false }).metrics).to.equal(false);
        expect(() => resolveOptions({ metrics: 0 as never })).to.throw(
            "node-wot-vo option metrics: must be true or false, got 0"
        );
    });

    it("node-wot-vo's descriptor: `metrics: false` turns /metrics off; not a boolean is refused at its line", function () {
        const cfg = (text: string) => parseDescriptor(`name: d\n${text}`, "vo.yaml", {}).persistence;
        expect(cfg("metrics: false\n").metrics).to.equal(false);
        expect(cfg("metrics: true\n").metrics).to.equal(true);
        expect(cfg("").metrics).to.equal(undefined);
        expect(() => cfg("metrics: off\n")).to.throw(/metrics: must be (a )?boolean.*line 2/);
    });

    it("vo-wot's descriptor: `metrics: false` is read too, and said what it became", function () {
        const text =
            "name: a\ntype: VO\nbindingNB:\n    bindingModeNB: [H]\n    ports:\n        httpPort: 8080\nmetrics: false\n";
        const report = readDescriptor(text, "vo.yaml", {});
        expect(report.dialect).to.equal("vo-wot");
        expect(report.config.persistence.metrics).to.equal(false);
        expect(report.mappings.map(mappingLine)).to.include("metrics: false -> metrics false (no /metrics)");
    });
});
