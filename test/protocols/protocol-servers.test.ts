import { expect } from "chai";
import { Servient } from "@node-wot/core";
import { addProtocolServers } from "../../src/protocols/protocol-servers";

describe("addProtocolServers: the servers a VO runs", function () {
    it("adds none when none is asked for", function () {
        const servient = new Servient();
        expect(addProtocolServers(servient, {})).to.deep.equal({
            http: undefined,
            coap: undefined,
            mqtt: undefined,
            websocket: undefined,
        });
        expect(servient.getServers()).to.have.length(0);
    });

    it("adds those asked for, HTTP, CoAP, MQTT then WebSocket, whatever the order of the options", function () {
        const servient = new Servient();
        const servers = addProtocolServers(servient, {
            websocket: { port: 0, address: "127.0.0.1" },
            mqtt: { uri: "mqtt://127.0.0.1:1" },
            http: { port: 0, address: "127.0.0.1" },
        });
        expect(servers.coap).to.equal(undefined);
        expect(servient.getServers()).to.deep.equal([servers.http, servers.mqtt, servers.websocket]);
        expect(servient.getServers().map((s) => s.scheme)).to.deep.equal(["http", "mqtt", "ws"]);
    });
});
