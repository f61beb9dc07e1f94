/** A vo-wot VO for the wire-format tests: a pump with a read-only, a writable and an observable property, two actions, an event. */
export const PUMP_TD = {
    "@context": ["https://www.w3.org/2022/wot/td/v1.1"],
    title: "Water Pump",
    securityDefinitions: { no_sc: { scheme: "nosec" } },
    security: "no_sc",
    properties: {
        label: { type: "string", readOnly: true },
        threshold: { type: "number" },
        counter: { type: "integer", observable: true, readOnly: true },
    },
    actions: {
        double: { input: { type: "integer" }, output: { type: "integer" } },
        failing: {},
    },
    events: { alarm: { data: { type: "string" } } },
};

export const PUMP_SCRIPT = `let n = 0;
module.exports = {
    properties: { label: { read: () => "from node-wot-vo" } },
    actions: { double: (x) => x * 2, failing: () => { throw new Error("the pump is off"); } },
    tick(ctx) { n++; ctx.thing.emitEvent("alarm", "alarm " + n); return ctx.setValue("counter", n); },
};`;
