import { performance } from "node:perf_hooks";
import type { Content } from "@node-wot/core";
import { clock } from "./clock";
import { runInScope } from "../model/request-context";
import { conformsToSchema } from "../model/value-check";
import { RequestRefusedError } from "../model/refusal";
import { decodeInput, DecodedInput, failedWith } from "./decode-input";
import { answerAfter, noteRefusal, Scope } from "./handler-scope";
import type { HandlerOptions, MethodWrapper } from "./method-wrapper";

/** Action invocations: the input (refused before the handler runs if undecodable or invalid) and the handler's output. */
export const recordingInvocations: MethodWrapper<"handleInvokeAction"> = (invokeAction, { thing, records }) => {
    const ack = records.afterCommit;
    return async (name: string, content: Content, opts: HandlerOptions): Promise<Content | void> => {
        const ts = clock.now();
        const started = performance.now();
        const schema = thing.actions[name]?.input as object | undefined;
        const scope: Scope = {};
        let input: DecodedInput = { content, value: undefined };
        let result: Content | void;
        let committed: Promise<void> | undefined;
        try {
            input = await decodeInput(content, schema, `input of action "${name}"`);
            if (input.problem !== undefined) throw new RequestRefusedError("bad-request", input.problem);
            if (ack !== undefined) records.refuseWithoutCommit("action", name, "invokeaction");
            result = await runInScope(scope, invokeAction, name, input.content, opts);
            const outputSchema = thing.actions[name]?.output as object | undefined;
            committed = records.record(ts, "action", name, "invokeaction", started, {
                ok: true,
                value: input.value,
                output: scope.value,
                valid: scope.value === undefined || conformsToSchema(outputSchema, scope.value),
                wait: true,
            });
        } catch (err) {
            noteRefusal(err);
            records.record(ts, "action", name, "invokeaction", started, failedWith(input, err));
            throw err;
        }
        if (committed !== undefined) await answerAfter(committed);
        return result;
    };
};
