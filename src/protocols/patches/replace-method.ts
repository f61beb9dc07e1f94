import { createLogger } from "../../log";
import { patchNamed } from "./patch-registry";
import type { Patch } from "./patch-types";

const { warn } = createLogger("protocols:patches");

type AnyFunction = (...args: never[]) => unknown;

/**
 * Each replacement installed carries its patch and the method it replaced under this symbol. Not a WeakMap: a
 * replacement is often made per request (a response's writeHead, emit), and a WeakMap's entries are cleared only
 * by a full collection, so every request's response, request and socket state they reach were promoted to the old
 * generation and held there (about 5 KB a request, `bench/footprint.ts`).
 */
const PATCH = Symbol("node-wot-vo.patch");
type Layer = { patchId: string; original: unknown };
const layerOf = (fn: unknown): Layer | undefined =>
    typeof fn === "function" ? (fn as unknown as Record<symbol, Layer | undefined>)[PATCH] : undefined;
/** Patches whose target was found missing, said once each. */
const reported = new Set<string>();

/**
 * The one way a method of an object the VO does not own is replaced: `replace` is given the method in place
 * (unbound) and returns the one to put there. The patch must be registered (patch-registry.ts); the
 * replacement is remembered under its id. When the target has no such method (renamed by an upgrade), nothing
 * is replaced and the patch is reported as missing (`reportMissing`): false is returned.
 */
export function replaceMethod<F extends AnyFunction>(
    target: object,
    name: string,
    patchId: string,
    replace: (original: F) => F
): boolean {
    const patch = patchNamed(patchId);
    const holder = target as Record<string, unknown>;
    const original = holder[name];
    if (typeof original !== "function") {
        reportMissing(patch, `${name} is ${original === undefined ? "missing" : typeof original}`);
        return false;
    }
    const replacement = replace(original as F);
    Object.defineProperty(replacement, PATCH, {
        value: { patchId: patch.id, original } satisfies Layer,
        configurable: true, // a function put in place twice names its latest patch, as before
    });
    holder[name] = replacement;
    return true;
}

/** Sets a property (a setting) of an object the VO does not own; false, reported, when the object lacks it. */
export function replaceValue(target: object, name: string, patchId: string, value: unknown): boolean {
    const patch = patchNamed(patchId);
    if (!(name in target)) {
        reportMissing(patch, `${name} is missing`);
        return false;
    }
    (target as Record<string, unknown>)[name] = value;
    return true;
}

/** The id of the patch that put this function in place, or undefined when replaceMethod did not. */
export function patchIdOf(fn: unknown): string | undefined {
    return layerOf(fn)?.patchId;
}

/** The patches layered in this function, outermost first (several patches may wrap one method in turn). */
export function patchChain(fn: unknown): string[] {
    const ids: string[] = [];
    for (let f = fn, layer = layerOf(fn); layer !== undefined; layer = layerOf(f)) {
        ids.push(layer.patchId);
        f = layer.original;
        if (typeof f !== "function" || ids.length > 64) break;
    }
    return ids;
}

/**
 * Says, once per patch, that its target is missing: a warning naming the patch, its target and what the VO
 * does without it, or (`missing: "error"`, where running without it would be wrong) an error thrown.
 */
export function reportMissing(patch: Patch, detail: string): void {
    const text = missingText(patch, detail);
    if (patch.missing === "error") throw new Error(text);
    if (reported.has(patch.id)) return;
    reported.add(patch.id);
    warn("%s", text);
}

export function missingText(patch: Patch, detail: string): string {
    const upgrade = `${patch.package} was checked at ${patch.versions}`;
    const without = patch.missing === "error" ? `the VO cannot run without it: ${patch.why}` : patch.why;
    return `patch ${patch.id} (${patch.file}) has no target: ${patch.target}: ${detail} (${upgrade}); ${without}`;
}
