import path from "node:path";
import fs from "node:fs";
import { expect } from "chai";
import { HistoryStatistics, NotEnoughPointsError } from "../../src/history/history-statistics";
import { InvalidHistoryQueryError } from "../../src/history/history-query";
import { resolveOptions } from "../../src/options/vo-options";
import { openStores, OpenStores } from "../../src/timeseries/open-stores";
import type { InteractionRecord } from "../../src/model/interaction-record";
import { propertyRecord } from "../helpers/records";
import { tempDir } from "../helpers/vo-fixture";
import { storesUnderTest } from "./stores-under-test";

const THING = "urn:test:greenhouse";
const MINUTE = 60_000;
const SEASON = 24;
const POINTS = 4 * SEASON;
/** the series without its noise: a 24-step cycle of amplitude 5 on a slowly rising level */
const truth = (i: number) => 20 + 5 * Math.sin((2 * Math.PI * i) / SEASON) + 0.01 * i;

/** Small noise, the same on every run (a linear congruential generator). */
function noise(count: number): number[] {
    let s = 12345;
    return Array.from({ length: count }, () => {
        s = (s * 1103515245 + 12345) % 2 ** 31;
        return (s / 2 ** 31 - 0.5) * 0.2;
    });
}

for (const under of storesUnderTest()) {
    describe(`vo.mean() and vo.forecast() over a series written through the store (${under.name})`, function () {
        this.timeout(60_000);
        let stores: OpenStores;
        let stats: HistoryStatistics;
        let dir: string;
        /** the minute the first point is in, epoch-aligned as aggregate windows are */
        const start = Math.floor((Date.now() - (POINTS + 5) * MINUTE) / MINUTE) * MINUTE;
        const at = (i: number) => start + i * MINUTE + 7_000;
        const values = noise(POINTS).map((n, i) => truth(i) + n);
        const MISSING = 50; // a minute without a point: the forecast fills its window in

        before(async function () {
            const options = resolveOptions(await under.options(this));
            dir = tempDir();
            stores = await openStores({ ...options, sqlitePath: path.join(dir, "vo.sqlite") }, "record");
            stats = new HistoryStatistics(stores.store);
            const records: InteractionRecord[] = values
                .map((v, i) => propertyRecord("temperature", v, at(i), { thing: THING, op: "propertychange" }))
                .filter((_, i) => i !== MISSING);
            // neither a refused write nor a text value is part of the series
            records.push(propertyRecord("temperature", 1000, at(10) + 1, { thing: THING, ok: false }));
            records.push(propertyRecord("temperature", "n/a", at(11) + 1, { thing: THING }));
            await stores.store.write(records);
            await stores.store.flush?.();
        });
        after(async () => {
            await stores?.close();
            await under.stop();
            if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
        });

        const kept = values.filter((_, i) => i !== MISSING);
        const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

        it("mean: of every numeric value of the range, from the store's sum and count", async function () {
            const mean = await stats.mean({ thing: THING, name: "temperature", from: start, to: at(POINTS) });
            expect(mean).to.be.closeTo(meanOf(kept), 1e-9);
            // an epoch-unaligned range: two windows of the store, summed back into one mean
            const part = await stats.mean({ thing: THING, name: "temperature", from: at(30) - 1, to: at(70) });
            expect(part).to.be.closeTo(meanOf(values.slice(30, 70).filter((_, i) => i + 30 !== MISSING)), 1e-9);
        });

        it("mean: with last (vo-wot's horizon), of the newest values only; null over an empty range", async function () {
            const mean = await stats.mean({ thing: THING, name: "temperature", from: start, last: 10 });
            expect(mean).to.be.closeTo(meanOf(kept.slice(-10)), 1e-9);
            expect(await stats.mean({ thing: THING, name: "temperature", from: "-1m" })).to.equal(null);
            expect(await stats.mean({ thing: THING, name: "humidity", from: start })).to.equal(null);
        });

        it("forecast: a seasonal ARIMA on the minute windows is within 0.5 (10% of the amplitude) for 12 steps", async function () {
            const forecast = await stats.forecast({
                thing: THING,
                name: "temperature",
                from: start,
                every: "1m",
                season: SEASON,
                horizon: 12,
            });
            expect(forecast).to.have.length(12);
            forecast.forEach((p, h) => {
                expect(p.time.getTime()).to.equal(start + (POINTS + h) * MINUTE);
                expect(p.value, `step ${h + 1}`).to.be.closeTo(truth(POINTS + h), 0.5);
                expect(p.variance).to.be.above(0);
            });
            // the same series without the seasonal part misses the cycle: the bound above is one a model can fail
            const plain = await stats.forecast({
                thing: THING,
                name: "temperature",
                from: start,
                every: "1m",
                horizon: 12,
            });
            const worst = Math.max(...plain.map((p, h) => Math.abs(p.value - truth(POINTS + h))));
            expect(worst).to.be.above(0.5);
        });

        it("forecast: without every, the values as recorded (vo-wot's way), a step their mean spacing", async function () {
            const [next] = await stats.forecast({
                thing: THING,
                name: "temperature",
                from: start,
                season: SEASON,
                horizon: 1,
            });
            expect(next.value).to.be.closeTo(truth(POINTS), 0.5);
            // 95 points over 95 minutes: one step is their mean spacing, about a minute
            expect(next.time.getTime() - at(POINTS - 1)).to.be.closeTo(MINUTE, 1000);
        });

        it("forecast: over too few points, refused with how many the model needs", async function () {
            const few = { thing: THING, name: "temperature", from: at(POINTS - 20), horizon: 3 };
            const err = await stats.forecast({ ...few, season: SEASON }).then(
                () => expect.fail("forecast over 20 points with a 24-step season"),
                (e: unknown) => e as NotEnoughPointsError
            );
            expect(err).to.be.instanceOf(NotEnoughPointsError);
            expect(err.message).to.equal("forecast: ARIMA(1,1,1)(1,1,1)24 needs at least 54 points, the range has 20");
            expect(err.kind).to.equal("invalid-input");
            // ARIMA(1,1,1) alone needs six
            expect(await stats.forecast(few)).to.have.length(3);
        });

        it("refuses what it cannot read, naming the field", async function () {
            const bad = async (q: object, message: string) => {
                const err = await stats.forecast(q as never).catch((e: unknown) => e as Error);
                expect(err).to.be.instanceOf(InvalidHistoryQueryError);
                expect((err as Error).message).to.equal(message);
            };
            const q = { thing: THING, name: "temperature", from: start, horizon: 1 };
            await bad({ ...q, horizon: 0 }, "horizon: must be an integer from 1 to 10000, not 0");
            await bad({ ...q, points: 6000 }, "points: must be an integer from 1 to 5000, not 6000");
            await bad({ ...q, timeoutMs: -1 }, "timeoutMs: must be an integer from 1 to 600000, not -1");
            await bad({ ...q, from: undefined }, 'forecast: from is required (e.g. "-10m")');
            await bad({ ...q, season: 1 }, "season: must be an integer of 2 steps or more, not 1");
            await bad({ ...q, model: { P: 1 } }, "model.P: a seasonal order needs season");
            await bad({ ...q, model: { r: 1 } }, "model.r: unknown (p, d, q, P, D, Q)");
            await bad(
                { ...q, every: "soon" },
                'every: invalid duration "soon" (expected e.g. "500ms", "10s", "1h30m")'
            );
            const err = await stats.mean({ thing: THING, name: "temperature", from: start, last: 0 }).catch((e) => e);
            expect(err.message).to.equal("last: must be an integer from 1 to 100000, not 0");
        });
    });
}
