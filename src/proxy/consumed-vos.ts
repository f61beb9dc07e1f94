import type * as WoT from "wot-typescript-definitions";
import { createLogger } from "../log";
import { BackOff } from "../model/back-off";
import { ConsumedVoOptions, DEFAULT_CONSUME_TIMEOUT_MS } from "../options/proxy-options";
import { RemoteActionError, VoError } from "../model/errors";
import { RequestRefusedError } from "../model/refusal";

const { warn } = createLogger("proxy:consumed-vos");

export type { ConsumedVoOptions };

/** What receives what a consumed VO delivers: (vo, event or property name, value). */
export interface ConsumedListeners {
    event?(vo: string, name: string, data: unknown): unknown;
    propertyChange?(vo: string, name: string, value: unknown): unknown;
    /** an event of `serves.events`: the VO's own Thing emits it */
    served?(vo: string, name: string, data: unknown): unknown;
}

export class ConsumedVoError extends VoError {
    readonly kind = "unavailable";
}

const sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });

/** What a TD becomes before it is consumed (vo-wot's: its forms marked for the clients); throws when it cannot be. */
export type PrepareTd = (td: WoT.ThingDescription) => WoT.ThingDescription;

/**
 * Consumes every VO at start, trying again (1 s, doubling to 5 s) while one is not up, for at most
 * its `timeoutMs`; then fails naming it and the last reason. `wrap` decorates each consumed Thing
 * (the VO records its interactions through it). A TD `prepare` refuses fails the start at once.
 */
export async function consumeVos(
    wot: typeof WoT,
    vos: Record<string, ConsumedVoOptions>,
    wrap: (thing: WoT.ConsumedThing, name: string) => WoT.ConsumedThing,
    log: (line: string) => void,
    signal?: AbortSignal,
    prepare: PrepareTd = (td) => td
): Promise<Record<string, WoT.ConsumedThing>> {
    const consumed: Record<string, WoT.ConsumedThing> = {};
    await Promise.all(
        Object.entries(vos).map(async ([name, o]) => {
            const deadline = Date.now() + (o.timeoutMs ?? DEFAULT_CONSUME_TIMEOUT_MS);
            // 1 s doubling to 5 s, spread so that VOs started together do not ask together
            const backOff = new BackOff({ minMs: 1000, maxMs: 5000, jitter: 0.25 });
            for (let attempt = 1; ; attempt++) {
                try {
                    const td = await wot.requestThingDescription(o.url);
                    const ready = throughSchemes(prepared(td, name, o.url, prepare), o.schemes);
                    consumed[name] = wrap(await wot.consume(ready), name);
                    if (attempt > 1) log(`consumed VO ${name} is up at ${o.url} (attempt ${attempt})`);
                    return;
                } catch (err) {
                    if (err instanceof ConsumedVoError) throw err; // its TD is wrong: no use trying again
                    const why = (err as Error).message.split("\n")[0];
                    const delay = backOff.nextDelay();
                    if (Date.now() + delay > deadline || signal?.aborted) {
                        throw new ConsumedVoError(
                            `consumed VO ${name}: ${o.url} not reachable after ${attempt} attempts: ${why}`
                        );
                    }
                    if (attempt === 1) log(`consumed VO ${name} not up yet at ${o.url} (${why}); trying again`);
                    await sleep(delay, signal);
                }
            }
        })
    );
    return consumed;
}

/** The TD `prepare` makes of it, or a ConsumedVoError naming the VO and what is wrong with its TD. */
function prepared(td: WoT.ThingDescription, name: string, url: string, prepare: PrepareTd): WoT.ThingDescription {
    try {
        return prepare(td);
    } catch (err) {
        throw new ConsumedVoError(`consumed VO ${name}: ${(err as Error).message} (${url})`);
    }
}

/**
 * The TD with each affordance's forms of `schemes` only, those of the first scheme first (node-wot takes the
 * first form whose scheme it has a client for, and keeps using that scheme's client): `["coap"]` consumes
 * through CoAP where the TD lists HTTP first. A copy; the TD as it is without `schemes`.
 */
export function throughSchemes(td: WoT.ThingDescription, schemes: string[] | undefined): WoT.ThingDescription {
    if (schemes === undefined) return td;
    const base = typeof td.base === "string" ? td.base : undefined;
    const rank = (f: Form) => schemes.indexOf(schemeOf(f.href, base));
    const copy = structuredClone(td);
    for (const key of ["properties", "actions", "events"] as const) {
        for (const a of Object.values((copy[key] ?? {}) as Record<string, { forms?: Form[] }>)) {
            if (!Array.isArray(a.forms)) continue;
            a.forms = a.forms.filter((f) => rank(f) !== -1).sort((x, y) => rank(x) - rank(y));
        }
    }
    return copy;
}

type Form = { href: string; op?: string | string[] };

/** The scheme of a form's URL, relative ones by the TD's base ("" when there is none). */
function schemeOf(href: string, base: string | undefined): string {
    try {
        return new URL(href, base).protocol.slice(0, -1);
    } catch {
        return "";
    }
}
const CLIENT_SCHEMES = ["http", "https", "coap", "coaps"];

/**
 * The form to subscribe to an event or observe a property with: the one node-wot would take (the first
 * with the operation on a scheme the VO has a client for; an event's form without `op` subscribes), named
 * to it by index so that a refusal can say which URL refused.
 */
function formFor(forms: Form[], kind: "event" | "property"): number | undefined {
    const op = kind === "event" ? "subscribeevent" : "observeproperty";
    const has = (f: Form) => (f.op === undefined ? kind === "event" : [f.op].flat().includes(op));
    const usable = (f: Form) => has(f) && CLIENT_SCHEMES.includes(f.href.slice(0, f.href.indexOf(":")));
    const index = forms.findIndex(usable);
    return index === -1 ? undefined : index;
}

/**
 * A subscription that settles within `ms`, or a rejection saying it did not. node-wot's clients can leave a
 * subscription pending for ever (a refusal they cannot read), and a start waiting on nothing else then ended
 * the process silently with status 0; one that comes after all is stopped.
 */
function bounded(pending: Promise<WoT.Subscription>, ms: number): Promise<WoT.Subscription> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
            reject(new Error(`no answer within ${ms} ms`));
            pending.then((s) => s.stop()).catch(() => undefined);
        }, ms);
    });
    return Promise.race([pending, late]).finally(() => clearTimeout(timer));
}

/**
 * Subscribes (or observes) through the form `formFor` picks; a refusal (the consumed VO answers 401,
 * 405, ..., or cannot be reached) names the consumed VO, the affordance and the URL tried.
 */
async function follow(
    vo: string,
    td: WoT.ThingDescription,
    kind: "event" | "property",
    name: string,
    subscribe: (options: WoT.InteractionOptions) => Promise<WoT.Subscription>,
    timeoutMs: number
): Promise<WoT.Subscription> {
    const forms = ((kind === "event" ? td.events : td.properties)?.[name]?.forms ?? []) as Form[];
    const formIndex = formFor(forms, kind);
    try {
        return await bounded(subscribe(formIndex === undefined ? {} : { formIndex }), timeoutMs);
    } catch (err) {
        const what = kind === "event" ? `subscribe to event ${name}` : `observe property ${name}`;
        const at = formIndex === undefined ? "(no form of its TD fits)" : `at ${forms[formIndex].href}`;
        throw new ConsumedVoError(`consumed VO ${vo}: cannot ${what} ${at}: ${(err as Error).message.split("\n")[0]}`);
    }
}

/** Subscribes the events and observes the property changes each consumed VO lists. */
export async function subscribeConsumed(
    consumed: Record<string, WoT.ConsumedThing>,
    vos: Record<string, ConsumedVoOptions>,
    listeners: ConsumedListeners
): Promise<WoT.Subscription[]> {
    const subscriptions: WoT.Subscription[] = [];
    const guarded = (what: string, fn: () => unknown) => {
        Promise.resolve()
            .then(fn)
            .catch((err: Error) => warn("%s failed: %s", what, err.message));
    };
    for (const [vo, o] of Object.entries(vos)) {
        const thing = consumed[vo];
        const td = thing.getThingDescription();
        for (const name of [...(o.events ?? []), ...(o.serves?.events ?? [])]) {
            if (td.events?.[name] === undefined) {
                throw new ConsumedVoError(`consumed VO ${vo}: its TD has no event ${name} (consumedVOs.${vo})`);
            }
        }
        for (const name of o.propertyChanges ?? []) {
            const p = td.properties?.[name];
            if (p === undefined || p.observable !== true) {
                throw new ConsumedVoError(
                    `consumed VO ${vo}: ${p === undefined ? "its TD has no property" : "its TD does not make observable the property"} ${name} (consumedVOs.${vo}.propertyChanges)`
                );
            }
        }
        // one subscription per event (node-wot allows no second), for the script and for the VO's own Thing
        const listed = new Set(o.events ?? []);
        const served = new Set(o.serves?.events ?? []);
        for (const name of new Set([...listed, ...served])) {
            subscriptions.push(
                await follow(
                    vo,
                    td,
                    "event",
                    name,
                    (options) =>
                        thing.subscribeEvent(
                            name,
                            async (out) => {
                                const data = await out.value();
                                if (listed.has(name))
                                    guarded(`consumed VO ${vo} event ${name}`, () => listeners.event?.(vo, name, data));
                                if (served.has(name))
                                    guarded(`serving event ${name} of ${vo}`, () => listeners.served?.(vo, name, data));
                            },
                            undefined,
                            options
                        ),
                    o.timeoutMs ?? DEFAULT_CONSUME_TIMEOUT_MS
                )
            );
        }
        for (const name of o.propertyChanges ?? []) {
            subscriptions.push(
                await follow(
                    vo,
                    td,
                    "property",
                    name,
                    (options) =>
                        thing.observeProperty(
                            name,
                            async (out) => {
                                const value = await out.value();
                                guarded(`consumed VO ${vo} property ${name}`, () =>
                                    listeners.propertyChange?.(vo, name, value)
                                );
                            },
                            undefined,
                            options
                        ),
                    o.timeoutMs ?? DEFAULT_CONSUME_TIMEOUT_MS
                )
            );
        }
    }
    return subscriptions;
}

/**
 * A forwarded interaction's failure, as the VO's own client gets it: an action the consumed VO ran and
 * reported failed keeps its message (a failed invocation); a consumed VO that cannot be reached or
 * answers what cannot be read is a refusal (503 / 5.03) naming it and the affordance, not the VO's fault.
 */
async function forwarded<T>(vo: string, what: string, call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (err) {
        if (err instanceof RemoteActionError || err instanceof RequestRefusedError) throw err;
        const why = (err as Error).message.split("\n")[0];
        throw new RequestRefusedError("unavailable", `consumed VO ${vo}: ${what} failed: ${why}`, 1);
    }
}

/**
 * vo-wot's proxy maps: the VO's own property reads and writes and action invocations are those of
 * the consumed VO's affordance of the same name (its events: `subscribeConsumed`, `served`).
 */
export function serveFromConsumed(
    thing: WoT.ExposedThing,
    consumed: Record<string, WoT.ConsumedThing>,
    vos: Record<string, ConsumedVoOptions>
): void {
    for (const [vo, o] of Object.entries(vos)) {
        const remote = consumed[vo];
        for (const name of o.serves?.properties ?? []) {
            thing.setPropertyReadHandler(name, (options) =>
                forwarded(vo, `read of property ${name}`, async () => {
                    const out = await remote.readProperty(name, { uriVariables: options?.uriVariables });
                    return (await out.value()) as WoT.InteractionInput;
                })
            );
            if (thing.getThingDescription().properties?.[name]?.readOnly !== true) {
                thing.setPropertyWriteHandler(name, async (io) => {
                    const value = (await io.value()) as WoT.InteractionInput;
                    await forwarded(vo, `write of property ${name}`, () => remote.writeProperty(name, value));
                });
            }
        }
        for (const name of o.serves?.actions ?? []) {
            thing.setActionHandler(name, async (params) => {
                const hasInput = thing.getThingDescription().actions?.[name]?.input !== undefined;
                const input = hasInput ? ((await params.value()) as WoT.InteractionInput) : undefined;
                return forwarded(vo, `invocation of action ${name}`, async () => {
                    const out = await remote.invokeAction(name, input);
                    return out === undefined ? undefined : ((await out.value()) as WoT.InteractionInput);
                });
            });
        }
    }
}
