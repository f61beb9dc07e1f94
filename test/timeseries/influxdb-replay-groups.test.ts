import { expect } from "chai";
import type { AffordanceKind } from "../../src/model/interaction-record";
import { replayGroups } from "../../src/timeseries/influxdb/influxdb-store";
import type { SpooledBatch } from "../../src/timeseries/spool";

const batch = (id: number, kind: AffordanceKind, points: number): SpooledBatch => ({
    id,
    kind,
    points,
    payload: `${kind}-${id}`,
});

describe("InfluxDB spool replay: batches joined into requests", function () {
    it("joins the batches of one kind in spool order, a request per kind", function () {
        const groups = replayGroups([
            batch(1, "property", 5),
            batch(2, "action", 1),
            batch(3, "property", 5),
            batch(4, "event", 2),
            batch(5, "action", 1),
        ]);
        expect(groups.map((g) => g.map((b) => b.id))).to.deep.equal([[1, 3], [2, 5], [4]]);
    });

    it("starts a new request past 5000 points, keeping the order of each kind, and never splits a batch", function () {
        const groups = replayGroups([
            batch(1, "property", 3000),
            batch(2, "property", 2000),
            batch(3, "property", 1),
            batch(4, "action", 9000),
            batch(5, "property", 4000),
        ]);
        expect(groups.map((g) => g.map((b) => b.id))).to.deep.equal([[1, 2], [3, 5], [4]]);
        const order = groups
            .flat()
            .filter((b) => b.kind === "property")
            .map((b) => b.id);
        expect(order).to.deep.equal([1, 2, 3, 5]);
    });
});
