import type { ExposedThing } from "@node-wot/core";
import type { AffordanceKind } from "../model/interaction-record";
import { RequestRefusedError } from "../model/refusal";
import { securitySchemeOf } from "../model/thing-security";
import type { HistoryAnswer } from "../vo-state/vo-thing";
import { historyJson } from "./history-formats";
import { parseHistoryParams } from "./history-params";
import type { HistoryService } from "./history-service";

/** The Things a servient exposes, as the action looks them up. */
export interface ExposedThings {
    getThing(id: string): ExposedThing | undefined;
}

/**
 * The VO Thing's `history` action: what `GET <affordance>/history` answers in JSON, as data, for an
 * affordance of a Thing the servient exposes (else a not-found refusal, 404 / 4.04). `things` is
 * undefined until the servient is known; `voThingId` undefined when the VO Thing is off.
 */
export function historyAction(
    service: HistoryService,
    things: () => ExposedThings | undefined,
    voThingId: string | undefined
): HistoryAnswer {
    return async (thing: string, kind: AffordanceKind, name: string, query: URLSearchParams) => {
        const exposed = things()?.getThing(thing);
        if (exposed === undefined)
            throw new RequestRefusedError("not-found", `thing: no Thing ${JSON.stringify(thing)}`);
        const scheme = securitySchemeOf(exposed);
        const voThing = voThingId === undefined ? undefined : things()?.getThing(voThingId);
        if (scheme !== "nosec" && scheme !== (voThing === undefined ? "none" : securitySchemeOf(voThing))) {
            // the action cannot see the caller's credentials for that Thing: its own history resource can
            throw new RequestRefusedError(
                "not-found",
                `thing: ${JSON.stringify(thing)} asks for ${scheme} credentials the VO Thing does not; read its own history resource`
            );
        }
        const maps = { property: exposed.properties, action: exposed.actions, event: exposed.events };
        if (!Object.hasOwn(maps, kind)) {
            throw new RequestRefusedError(
                "bad-request",
                `kind: must be property, action or event, not ${JSON.stringify(kind)}`
            );
        }
        if (!Object.hasOwn(maps[kind], name)) {
            throw new RequestRefusedError(
                "not-found",
                `name: Thing ${JSON.stringify(thing)} has no ${kind} ${JSON.stringify(name)}`
            );
        }
        return historyJson(await service.page(thing, kind, name, parseHistoryParams(query)));
    };
}
