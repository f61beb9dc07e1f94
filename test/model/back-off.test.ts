import { expect } from "chai";
import { BackOff } from "../../src/model/back-off";

describe("BackOff: one bounded exponential back-off with jitter", function () {
    it("grows the bound from min by the factor up to max, each delay in the bound's upper half", function () {
        const backOff = new BackOff({ minMs: 500, maxMs: 30_000 });
        const bounds: number[] = [];
        for (let i = 0; i < 9; i++) {
            const delay = backOff.nextDelay();
            bounds.push(backOff.bound);
            expect(delay).to.be.within(backOff.bound / 2, backOff.bound);
        }
        expect(bounds).to.deep.equal([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    });

    it("starts over after a success", function () {
        const backOff = new BackOff({ minMs: 100, maxMs: 1000, factor: 3, jitter: 0 });
        expect([backOff.nextDelay(), backOff.nextDelay(), backOff.nextDelay()]).to.deep.equal([100, 300, 900]);
        backOff.success();
        expect(backOff.bound).to.equal(0);
        expect(backOff.nextDelay()).to.equal(100);
    });

    it("keeps to max when it is below min", function () {
        const backOff = new BackOff({ minMs: 1000, maxMs: 200, jitter: 0 });
        expect([backOff.nextDelay(), backOff.nextDelay()]).to.deep.equal([200, 200]);
    });
});
