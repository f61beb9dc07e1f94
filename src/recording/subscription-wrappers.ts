import type { ExposedThing } from "@node-wot/core";
import { clock } from "./clock";
import type { AffordanceKind, Operation } from "../model/interaction-record";
import { currentRequest } from "../model/request-context";
import { endObservationOnClose, markObservationEnded } from "./observation-close";
import type { MethodWrapper, WrappedThing } from "./method-wrapper";
import { createLogger } from "../log";

const { debug } = createLogger("recording:subscription-wrappers");

type SubscriptionMethod =
    "handleSubscribeEvent" | "handleUnsubscribeEvent" | "handleObserveProperty" | "handleUnobserveProperty";

/**
 * Event subscriptions and property observations, started and ended (`op`): each is recorded, and
 * once it took effect, told to `onSubscription` (observers are kept from these).
 */
export function recordingSubscriptions<K extends SubscriptionMethod>(
    kind: AffordanceKind,
    op: Operation
): MethodWrapper<K> {
    return (original, wrapped) => {
        const call = original as (name: string, ...rest: unknown[]) => unknown;
        const { records } = wrapped;
        // the options an observation was made with, to end it with the same ones
        const observeOptions = new WeakMap<object, unknown>();
        const tell = subscriptionTeller(wrapped, kind, op, observeOptions);
        return ((name: string, ...rest: unknown[]) => {
            const ts = clock.now();
            if (op === "observeproperty") observeOptions.set(rest[0] as object, rest[1]);
            let result: unknown;
            try {
                result = call(name, ...rest);
            } catch (err) {
                records.record(ts, kind, name, op, undefined, { ok: false, error: err });
                throw err;
            }
            if (result instanceof Promise) {
                return result.then(
                    (v) => {
                        records.record(ts, kind, name, op, undefined, { ok: true });
                        tell(name, rest[0]);
                        return v;
                    },
                    (err) => {
                        records.record(ts, kind, name, op, undefined, { ok: false, error: err });
                        throw err;
                    }
                );
            }
            records.record(ts, kind, name, op, undefined, { ok: true });
            tell(name, rest[0]);
            return result;
        }) as ExposedThing[K];
    };
}

/** What a subscription that took effect means besides its record: an observation to end on close, the observers' list. */
function subscriptionTeller(
    { thing, options }: WrappedThing,
    kind: AffordanceKind,
    op: Operation,
    observeOptions: WeakMap<object, unknown>
): (name: string, listener: unknown) => void {
    const active = op === "subscribeevent" || op === "observeproperty";
    return (name, listener) => {
        const req = currentRequest();
        if (op === "observeproperty") {
            endObservationOnClose(req, listener, () =>
                (thing.handleUnobserveProperty as (...a: unknown[]) => unknown)(
                    name,
                    listener,
                    observeOptions.get(listener as object)
                )
            );
        } else if (op === "unobserveproperty") {
            markObservationEnded(listener);
        }
        if (options.onSubscription === undefined) return;
        try {
            options.onSubscription({
                thing: thing.id,
                kind,
                name,
                op,
                active,
                listener,
                protocol: req?.protocol ?? "local",
                origin: req?.origin,
                // where the protocol ended it itself, it says why (deregistered, client gone, ...)
                endReason: active ? undefined : req?.endReason,
            });
        } catch (err) {
            debug("subscription listener failed: %s", (err as Error).message);
        }
    };
}
