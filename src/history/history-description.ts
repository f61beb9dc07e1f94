import type { ExposedThing } from "@node-wot/core";
import { HISTORY_PARAMETERS, historyUriVariables } from "./history-params";
import type { AffordanceKind } from "../model/interaction-record";
import { HISTORY_REL, HISTORY_TERM, HISTORY_VARIABLES_TERM, VO_PREFIX, VO_VOCABULARY } from "../model/vocabulary";

type Described = { forms?: { href: string }[] } & Record<string, unknown>;

/** The query of a history resource as an RFC 6570 form-style query expansion. */
const QUERY_TEMPLATE = `{?${HISTORY_PARAMETERS.join(",")}}`;

interface HistoryForm {
    href: string;
    contentType: string;
    "htv:methodName"?: "GET";
}

interface Link {
    href: string;
    rel?: string;
    type?: string;
    anchor?: string;
}

/** Adds `vo` to a TD's `@context`, once. */
function withVocabulary(thing: ExposedThing): void {
    const t = thing as unknown as { "@context": unknown };
    const context = Array.isArray(t["@context"]) ? [...t["@context"]] : [t["@context"]];
    const has = context.some((c) => typeof c === "object" && c !== null && VO_PREFIX in c);
    if (!has) t["@context"] = [...context.filter((c) => c !== undefined), { [VO_PREFIX]: VO_VOCABULARY }];
}

/**
 * Each affordance of a Thing tells where its history is (`vo:history`: for each protocol, the href of its
 * first form on that server plus `/history` and the query's URI template, one form per content type), and
 * what the query's variables accept (`vo:historyUriVariables`, JSON schemas as TD `uriVariables`); the TD's
 * `links` list the same resources without the template (relation `HISTORY_REL`, anchored at the
 * affordance): a consumer finds and queries them from the TD alone. The TD stays valid TD 1.1: prefixed
 * terms of a vocabulary named in `@context`, no form with an op of our own.
 */
export function describeHistory(thing: ExposedThing, scheme: string, contentTypes: readonly string[]): void {
    const ours = (href: string) => href.startsWith(`${scheme}:`);
    const links: Link[] = ((thing as unknown as { links?: Link[] }).links ?? []).filter(
        (l) => !(l.rel === HISTORY_REL && ours(l.href))
    );
    let described = false;
    const kinds: [AffordanceKind, Record<string, Described>][] = [
        ["property", thing.properties as Record<string, Described>],
        ["action", thing.actions as Record<string, Described>],
        ["event", thing.events as Record<string, Described>],
    ];
    for (const [kind, map] of kinds) {
        for (const affordance of Object.values(map ?? {})) {
            const href = affordance.forms?.find((f) => ours(f.href))?.href;
            if (href === undefined) continue;
            const anchor = href.split(/[?{]/)[0].replace(/\/observable$/, "");
            const at = `${anchor}/history`;
            const forms = ((affordance[HISTORY_TERM] as HistoryForm[] | undefined) ?? []).filter((f) => !ours(f.href));
            const method = scheme.startsWith("http") ? { "htv:methodName": "GET" as const } : {};
            affordance[HISTORY_TERM] = [
                ...forms,
                ...contentTypes.map((contentType) => ({ href: at + QUERY_TEMPLATE, contentType, ...method })),
            ];
            affordance[HISTORY_VARIABLES_TERM] = historyUriVariables(kind);
            links.push({ href: at, rel: HISTORY_REL, type: contentTypes[0], anchor });
            described = true;
        }
    }
    if (described) {
        (thing as unknown as { links: Link[] }).links = links;
        withVocabulary(thing);
    }
}
