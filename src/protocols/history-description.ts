import type { ExposedThing, ProtocolServer } from "@node-wot/core";
import { HISTORY_TERM, VO_PREFIX, VO_VOCABULARY } from "../model/vocabulary";

type Described = { forms?: { href: string }[] } & Record<string, unknown>;

/** Adds `vo` to a TD's `@context`, once. */
function withVocabulary(thing: ExposedThing): void {
    const t = thing as unknown as { "@context": unknown };
    const context = Array.isArray(t["@context"]) ? [...t["@context"]] : [t["@context"]];
    const has = context.some((c) => typeof c === "object" && c !== null && VO_PREFIX in c);
    if (!has) t["@context"] = [...context.filter((c) => c !== undefined), { [VO_PREFIX]: VO_VOCABULARY }];
}

/**
 * Each affordance of a Thing tells where its history is (`vo:history`: for each protocol, the href of its
 * first form on that server plus `/history`): a consumer finds it from the TD alone. The TD stays valid TD 1.1: a prefixed term of a
 * vocabulary named in `@context`, no form with an op of our own.
 */
export function describeHistory(thing: ExposedThing, scheme: string, contentTypes: readonly string[]): void {
    let described = false;
    for (const map of [thing.properties, thing.actions, thing.events] as Record<string, Described>[]) {
        for (const affordance of Object.values(map ?? {})) {
            const href = affordance.forms?.find((f) => f.href.startsWith(`${scheme}:`))?.href;
            if (href === undefined) continue;
            const at = `${href.split("?")[0].replace(/\/observable$/, "")}/history`;
            const links = (affordance[HISTORY_TERM] as { href: string }[] | undefined) ?? [];
            const others = links.filter((l) => !l.href.startsWith(`${scheme}:`));
            affordance[HISTORY_TERM] = [...others, ...contentTypes.map((contentType) => ({ href: at, contentType }))];
            described = true;
        }
    }
    if (described) withVocabulary(thing);
}

/** Describes, on each Thing the server exposes from now on, the history it serves (after its forms exist). */
export function describeHistoryOnExpose(server: ProtocolServer, contentTypes: readonly string[]): void {
    const expose = server.expose.bind(server);
    server.expose = async (thing, tdTemplate) => {
        await expose(thing, tdTemplate);
        describeHistory(thing, server.scheme, contentTypes);
    };
}
