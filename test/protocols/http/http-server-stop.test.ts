import { expect } from "chai";
import { exposeSensor } from "../../helpers/sensor-thing";
import { startVo, VoFixture, waitFor } from "../../helpers/vo-fixture";

// binding-http 0.9.2 stops with server.close(), which waits for open long polls to end.
describe("HTTP server stop with clients holding long polls (binding-http 0.9.2 server.close)", function () {
    this.timeout(20_000);
    let vo: VoFixture | undefined;
    afterEach(async () => {
        await vo?.close().catch(() => undefined);
        vo = undefined;
    });

    it("stops at once while a client is subscribed to an event and another observes a property", async function () {
        vo = await startVo();
        const { td } = await exposeSensor(vo.wot);
        const href = (forms: { href: string; op?: string | string[] }[], op: string) =>
            forms.find((f) => f.href.startsWith("http:") && [f.op].flat().includes(op))!.href;
        const polls = [
            fetch(href(td.events!.overheat.forms, "subscribeevent")),
            fetch(href(td.properties!.temperature.forms, "observeproperty")),
        ].map((p) =>
            p.then(
                () => "answered",
                () => "closed"
            )
        );
        await waitFor(async () => (await vo!.vo.state.listObservers()).length === 2, 5000, "two HTTP observers");
        const started = Date.now();
        const stopped = vo.servient.shutdown().then(() => Date.now() - started);
        const bound = new Promise<string>((resolve) => setTimeout(() => resolve("still stopping after 5 s"), 5000));
        const result = await Promise.race([stopped, bound]);
        expect(result, "shutdown with two long polls open").to.be.a("number");
        expect(await Promise.all(polls)).to.deep.equal(["closed", "closed"]);
    });
});
