import path from "node:path";
import * as core from "@node-wot/core";
import { checkPatchTargets } from "./patches/patch-check";

/** Bindings that pin a core of their own (npm nests it): binding-coap and binding-mqtt 0.8.16, binding-websockets 0.9.0. */
const BINDINGS_WITH_OWN_CORE = ["@node-wot/binding-coap", "@node-wot/binding-mqtt", "@node-wot/binding-websockets"];

type Core = Pick<typeof core, "Helpers" | "ProtocolHelpers">;

/** Where each binding's own copy of core is (resolved once); undefined for a binding that uses the main one. */
let nestedFiles: string[] | undefined;

/**
 * Every copy of @node-wot/core loaded so far: the main one, then those nested under a binding that is loaded
 * (a binding is loaded when the VO serves, probes or consumes its protocol). A fix to a core helper must reach
 * each, or one binding keeps the upstream behaviour: a copy loaded later gets it from `applyCoreFixes`.
 */
export function nodeWotCores(): Core[] {
    nestedFiles ??= nestedCoreFiles();
    /* eslint-disable @typescript-eslint/no-require-imports -- loaded on demand */
    return [
        core,
        ...nestedFiles.filter((file) => require.cache[file] !== undefined).map((file) => require(file) as Core),
    ];
    /* eslint-enable @typescript-eslint/no-require-imports */
}

function nestedCoreFiles(): string[] {
    const main = require.resolve("@node-wot/core");
    const files = new Set<string>();
    for (const binding of BINDINGS_WITH_OWN_CORE) {
        let dir: string;
        try {
            dir = path.dirname(require.resolve(`${binding}/package.json`));
        } catch {
            continue; // that binding is not installed
        }
        const nested = require.resolve("@node-wot/core", { paths: [dir] });
        if (nested !== main) files.add(nested);
    }
    return [...files];
}

const fixes: (() => void)[] = [];

/** Keeps a fix to apply to every core copy, now and to each one loaded later (idempotent fixes only). */
export function onEveryCore(fix: () => void): void {
    if (!fixes.includes(fix)) fixes.push(fix);
    fix();
}

/** Applies the kept fixes again: a binding (and its core copy) was just loaded. */
export function applyCoreFixes(): void {
    for (const fix of fixes) fix();
}

/**
 * Said by a protocol's module once its binding is loaded (on demand): the fixes kept for every core reach
 * the copy the binding brought, and the patches of its packages are checked.
 */
export function bindingLoaded(): void {
    applyCoreFixes();
    checkPatchTargets();
}
