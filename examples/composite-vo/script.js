// The Building VO: reads from two source VOs when asked, relays their events as its own alert
// event, and writes notes into one of them. A source that is down makes a read fail with its name
// and URL; the event relays are re-established every 5 s (periodic `connect`) once it is back.
// ctx: VoScriptContext (src/cli/vo-script.ts)

const SOURCES = {
    environment: {
        url: process.env.ENVIRONMENT_VO_TD ?? "http://127.0.0.1:8080/environmentsensorvo",
        event: "overheat",
    },
    room: { url: process.env.ROOM_VO_TD ?? "http://127.0.0.1:8081/roomlog", event: "crowded" },
};
const consumed = new Map(); // source name -> Promise<ConsumedThing>
const relays = new Map(); // source name -> Subscription

function source(ctx, name) {
    let thing = consumed.get(name);
    if (thing === undefined) {
        const { url } = SOURCES[name];
        thing = ctx.wot.requestThingDescription(url).then((td) => ctx.wot.consume(td));
        thing.catch(() => consumed.delete(name)); // asked again next time
        consumed.set(name, thing);
    }
    return thing.catch((err) => {
        throw new Error(`source VO ${name} (${SOURCES[name].url}) unreachable: ${err.message}`);
    });
}

async function readFrom(ctx, name, property) {
    const out = await (await source(ctx, name)).readProperty(property);
    return out.value();
}

async function connect(ctx) {
    for (const name of Object.keys(SOURCES)) {
        if (relays.has(name)) continue;
        try {
            const thing = await source(ctx, name);
            const { event } = SOURCES[name];
            const subscription = await thing.subscribeEvent(
                event,
                async (data) => ctx.thing.emitEvent("alert", { source: name, event, data: await data.value() }),
                () => relays.delete(name) // the source went away: reconnect on the next run
            );
            relays.set(name, subscription);
            ctx.log(`relaying ${event} of ${name}`);
        } catch (err) {
            ctx.log(err.message);
        }
    }
}

async function setup(ctx) {
    await connect(ctx);
    return async () => {
        for (const s of relays.values()) await s.stop().catch(() => undefined);
    };
}

const properties = {
    comfort: {
        async read(ctx) {
            const [temperature, occupancy] = await Promise.all([
                readFrom(ctx, "environment", "temperature"),
                readFrom(ctx, "room", "occupancy"),
            ]);
            return { temperature, occupancy, comfortable: temperature >= 19 && temperature <= 25 && occupancy <= 40 };
        },
    },
};

const actions = {
    async note(text, ctx) {
        const temperature = await readFrom(ctx, "environment", "temperature");
        const out = await (await source(ctx, "room")).invokeAction("addNote", { text: `${text} (${temperature} °C)` });
        return out.value();
    },
};

module.exports = { setup, connect, properties, actions };
