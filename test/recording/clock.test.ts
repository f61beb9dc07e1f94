import { expect } from "chai";
import { MAX_HOLD_NS, NanoClock } from "../../src/recording/clock";

describe("NanoClock: record timestamps", function () {
    it("never repeats within the same millisecond, and holds through a small step back", function () {
        let wall = 1_700_000_000_000;
        const clock = new NanoClock(() => wall);
        const seen = Array.from({ length: 1000 }, () => clock.now());
        expect(new Set(seen).size).to.equal(seen.length);
        for (let i = 1; i < seen.length; i++) expect(seen[i] > seen[i - 1]).to.equal(true);
        const before = clock.now();
        wall -= 500; // an NTP slew of half a second
        expect(clock.now() > before).to.equal(true);
    });

    // A forward jump of the wall clock followed by its correction left every later record stamped up to
    // the jump ahead of time (a test that set Date.now an hour ahead made the next tests' history empty).
    it("follows the wall clock after it was set back by more than the hold bound", function () {
        let wall = 1_700_000_000_000;
        const clock = new NanoClock(() => wall);
        wall += 3_600_000; // ahead by an hour...
        clock.now();
        wall -= 3_600_000; // ...and set right
        const t = clock.now();
        const wallNs = BigInt(wall) * 1_000_000n;
        expect(t >= wallNs && t < wallNs + MAX_HOLD_NS).to.equal(true);
    });
});
