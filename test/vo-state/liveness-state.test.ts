import { expect } from "chai";
import { LivenessStateMachine, Transition } from "../../src/liveness/liveness-state";

describe("device liveness state machine", function () {
    const thresholds = { suspectAfter: 1, lostAfter: 3, recoverAfter: 2 };
    const events = (m: LivenessStateMachine, seq: string): string[] =>
        [...seq]
            .map((c) => (c === "+" ? m.success("answer") : m.failure("no answer")))
            .filter((t): t is Transition => t !== undefined)
            .map((t) => `${t.from}->${t.to}:${t.event}`);

    it("goes alive -> suspect -> lost -> alive (recovered)", function () {
        const m = new LivenessStateMachine(thresholds);
        expect(events(m, "+---++")).to.deep.equal([
            "unknown->alive:alive",
            "alive->suspect:suspect",
            "suspect->lost:lost",
            "lost->alive:recovered",
        ]);
        expect(m.state).to.equal("alive");
    });

    it("a suspect device that answers is alive again at once", function () {
        const m = new LivenessStateMachine(thresholds);
        expect(events(m, "+-+")).to.deep.equal([
            "unknown->alive:alive",
            "alive->suspect:suspect",
            "suspect->alive:alive",
        ]);
    });

    it("a flapping device gives a bounded number of transitions", function () {
        const m = new LivenessStateMachine(thresholds);
        events(m, "+---"); // lost
        // answers every other probe, 1000 times: never recoverAfter successes in a row, so it stays lost
        expect(events(m, "+-".repeat(1000))).to.deep.equal([]);
        expect(m.state).to.equal("lost");
        // an alive device that misses one probe in two: suspect, alive, suspect … bounded by probes, yet
        // never lost: lostAfter failures in a row are needed
        const n = new LivenessStateMachine(thresholds);
        const t = events(n, "+" + "-+".repeat(100));
        expect(t.filter((e) => e.endsWith(":lost"))).to.have.length(0);
    });

    it("refuses thresholds that cannot work", function () {
        expect(() => new LivenessStateMachine({ suspectAfter: 3, lostAfter: 2, recoverAfter: 1 })).to.throw(
            RangeError,
            /suspectAfter <= lostAfter/
        );
    });
});
