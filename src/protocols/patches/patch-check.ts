import path from "node:path";
import { PATCHES } from "./patch-registry";
import type { Patch } from "./patch-types";
import { missingText, reportMissing } from "./replace-method";

/** A registered patch whose target is not where the registry says. */
export interface MissingPatch {
    patch: Patch;
    /** one line naming the patch, its target and what the VO does without it */
    text: string;
}

const checked = new Set<string>();

/** Whether a package is loaded in this process ("node:" modules always are). */
function isLoaded(pkg: string): boolean {
    if (pkg.startsWith("node:")) return true;
    const marker = `${path.sep}node_modules${path.sep}${pkg.split("/").join(path.sep)}${path.sep}`;
    return Object.keys(require.cache).some((file) => file.includes(marker));
}

/** The registered patches of the packages loaded so far that were not checked yet (each is checked once). */
function loadedUnchecked(): Patch[] {
    const unchecked = PATCHES.filter((p) => !checked.has(p.id));
    // each package looked up once (a look-up scans the module cache), not once per patch
    const loaded = new Set([...new Set(unchecked.map((p) => p.package))].filter(isLoaded));
    const due = unchecked.filter((p) => loaded.has(p.package));
    for (const p of due) checked.add(p.id);
    return due;
}

/**
 * The start-up check: every patch whose target can be looked up ahead (`holder`) is looked up; by default those
 * of the packages loaded so far (a protocol loaded on demand has its own checked when it loads). Each one
 * missing is said once (`reportMissing`): a warning, or, for the patches the VO cannot run without, one error
 * naming all of those. Returns what is missing.
 */
export function checkPatchTargets(patches: readonly Patch[] = loadedUnchecked()): MissingPatch[] {
    const missing: MissingPatch[] = [];
    for (const patch of patches) {
        const detail = lookUp(patch);
        if (detail !== undefined) missing.push({ patch, text: missingText(patch, detail) });
    }
    const fatal = missing.filter((m) => m.patch.missing === "error");
    for (const m of missing) if (m.patch.missing === "warn") reportMissing(m.patch, lookUp(m.patch)!);
    if (fatal.length > 0) throw new Error(fatal.map((m) => m.text).join("\n"));
    return missing;
}

/** Why the patch's target is not there, or undefined when it is (or cannot be looked up ahead). */
function lookUp(patch: Patch): string | undefined {
    if (patch.holder === undefined) return undefined;
    let holder: object | undefined;
    try {
        holder = patch.holder();
    } catch (err) {
        return `its owner could not be loaded: ${(err as Error).message}`;
    }
    if (holder === undefined) return `${patch.owner} is missing`;
    const value = (holder as Record<string, unknown>)[patch.method];
    if (typeof value === "function") return undefined;
    return `${patch.method} is ${value === undefined ? "missing" : typeof value}`;
}
