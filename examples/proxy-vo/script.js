// The proxy VO's script: the mirror forwards and records by itself; this only reports the device's
// liveness as the VO sees it, and logs how much has been recorded once a minute.

// ctx: VoScriptContext (src/cli/vo-script.ts)
function setup(ctx) {
    ctx.log(`mirroring ${ctx.device.getThingDescription().title} as ${ctx.mirror.getThingDescription().title}`);
    return ctx.vo.state.onDeviceChange((liveness, event) => ctx.log(`device ${event}: ${liveness.state}`));
}

// ctx: VoScriptContext (src/cli/vo-script.ts)
function report(ctx) {
    const s = ctx.vo.stats();
    ctx.log(`${s.recorded} interactions recorded, ${s.written} written`);
}

module.exports = { setup, report };
