import { HttpServer } from "@node-wot/binding-http";
import { expect } from "chai";
import { exposeSensor } from "../../helpers/sensor-thing";
import { startVo, VoFixture } from "../../helpers/vo-fixture";

// binding-http 0.9.2 builds debug lines with getPort() at every request; each asked the socket (getsockname).
describe("HTTP server port (binding-http 0.9.2 getPort at every request)", function () {
    this.timeout(20_000);
    let vo: VoFixture;
    before(async () => (vo = await startVo()));
    after(() => vo.close());

    it("asks its socket for the port once while it listens, not at every request", async function () {
        const { td } = await exposeSensor(vo.wot);
        const server = vo.servient.getServers().find((s) => s instanceof HttpServer) as HttpServer;
        const socket = server.getServer();
        const address = socket.address.bind(socket);
        let asked = 0;
        socket.address = () => (asked++, address());
        const href = td.properties!.temperature.forms.find((f) => f.href.startsWith("http:"))!.href;
        for (let i = 0; i < 20; i++) {
            const res = await fetch(href);
            expect(res.status).to.equal(200);
            await res.text();
        }
        for (let i = 0; i < 20; i++) expect(server.getPort()).to.equal(Number(new URL(href).port));
        expect(asked).to.equal(0);
    });
});
