import { expect } from "chai";
import { arimaForecast, ForecastUnavailableError, pointsNeeded, resolveOrder } from "../../src/history/forecast-model";

const problem = (message: string) => new Error(message);

describe("the forecast model: ARIMA orders, the points they need, fits in a worker thread", function () {
    this.timeout(60_000);

    it("defaults to vo-wot's ARIMA(1,1,1), seasonal (1,1,1)(1,1,1)s with a season", function () {
        expect(resolveOrder(undefined, undefined, problem)).to.deep.equal({ p: 1, d: 1, q: 1, P: 0, D: 0, Q: 0, s: 0 });
        expect(resolveOrder({ d: 0 }, 24, problem)).to.deep.equal({ p: 1, d: 0, q: 1, P: 1, D: 1, Q: 1, s: 24 });
        expect(pointsNeeded(resolveOrder(undefined, undefined, problem))).to.equal(6);
        expect(pointsNeeded(resolveOrder(undefined, 24, problem))).to.equal(54);
        expect(pointsNeeded(resolveOrder({ p: 3, q: 0, Q: 2 }, 12, problem))).to.equal(1 + 12 + 24 + 4);
        expect(() => resolveOrder({ p: 6 }, undefined, problem)).to.throw("model.p: must be an integer from 0 to 5");
    });

    it("a fit runs off the event loop, and one over its time is ended and refused; the next fits", async function () {
        // a series whose seasonal fit runs for minutes (ctsa's optimizer on a near-perfect 168-step cycle)
        const slow = Array.from({ length: 1000 }, (_, i) => 10 + Math.sin((2 * Math.PI * i) / 168) + (i % 7) * 0.01);
        const quick = slow.slice(0, 60);
        await arimaForecast(quick, resolveOrder(undefined, undefined, problem), 1); // the worker started
        let last = Date.now();
        let worstGap = 0;
        const timer = setInterval(() => {
            worstGap = Math.max(worstGap, Date.now() - last);
            last = Date.now();
        }, 10);
        const started = Date.now();
        const err = await arimaForecast(slow, resolveOrder(undefined, 168, problem), 24, 1500).then(
            () => expect.fail("a fit of minutes ended in 1.5 s"),
            (e: unknown) => e as Error
        );
        clearInterval(timer);
        expect(err).to.be.instanceOf(ForecastUnavailableError);
        expect(err.message).to.equal(
            "forecast: the model could not be fitted to this series (it took longer than 1500 ms)"
        );
        expect(Date.now() - started).to.be.within(1400, 5000);
        // on the event loop, the fit would be one gap of 1.5 s
        expect(worstGap).to.be.below(300);
        const { point } = await arimaForecast(quick, resolveOrder(undefined, undefined, problem), 2);
        expect(point).to.have.length(2);
    });
});
