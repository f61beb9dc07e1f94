// The RoomLog VO: occupancy is simulated every 2 s (a door counter may write it too); every change
// is recorded, and occupancyStats answers from that record through the history API, on whichever
// store the VO records into. Notes go to a table of the script's own, through sqliteDb. Whoever changes
// occupancy (the sample, a client's write), propertyChanges sees it and emits crowded when it crosses 40.
// ctx: VoScriptContext (src/cli/vo-script.ts)

const THING = "urn:dev:ops:room-log-1";
const CROWDED = 40;
let previous; // the occupancy before the change propertyChanges is told of

async function setup(ctx) {
    await ctx.sqliteDb.executeQuery(
        "CREATE TABLE IF NOT EXISTS room_note (id INTEGER PRIMARY KEY, time TEXT NOT NULL, text TEXT NOT NULL)"
    );
    const latest = await ctx.vo.latest(THING, "occupancy");
    // a restarted VO carries on from the last recorded value
    await ctx.setValue("occupancy", typeof latest?.value === "number" ? latest.value : 10);
}

async function sample(ctx) {
    const now = ctx.getValue("occupancy");
    const next = Math.max(0, Math.min(500, now + Math.round((Math.random() - 0.5) * 6)));
    await ctx.setValue("occupancy", next);
}

const propertyChanges = {
    occupancy(value, ctx) {
        if (value > CROWDED && previous !== undefined && previous <= CROWDED) {
            ctx.thing.emitEvent("crowded", { occupancy: value });
        }
        previous = value;
    },
};

const properties = {
    occupancyStats: {
        async read(ctx) {
            const q = { thing: THING, kind: "property", name: "occupancy", from: "-1h" };
            const means = await ctx.vo.history({ ...q, aggregate: { every: "1m", fn: "mean" } });
            const peaks = await ctx.vo.history({ ...q, aggregate: { every: "1h", fn: "max" } });
            const latest = await ctx.vo.latest(THING, "occupancy");
            const peak = peaks.reduce((m, w) => (w.value === null ? m : Math.max(m ?? w.value, w.value)), null);
            return {
                minutes: means.length,
                meanPerMinute: means.map((w) => (w.value === null ? null : Math.round(w.value * 100) / 100)),
                peak,
                latest: typeof latest?.value === "number" ? latest.value : null,
            };
        },
    },
    recentNotes: {
        read: (ctx) => ctx.sqliteDb.executeQuery("SELECT id, time, text FROM room_note ORDER BY id DESC LIMIT 10"),
    },
};

const actions = {
    async addNote(input, ctx) {
        const { lastID } = await ctx.sqliteDb.insertData("room_note", { time: new Date(), text: input.text });
        return { id: lastID };
    },
};

module.exports = { setup, sample, properties, actions, propertyChanges };
