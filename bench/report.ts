import fs from "node:fs";
/** `--name value` from the command line, as a number, or the default. */
export function arg(name: string, fallback: number): number {
    const i = process.argv.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const v = Number(process.argv[i + 1]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
    return v;
}

/** Prints rows of figures as an aligned table. */
export function printTable(title: string, rows: Record<string, Record<string, number | string>>): void {
    const cols = [...new Set(Object.values(rows).flatMap((r) => Object.keys(r)))];
    const cells = [["", ...cols], ...Object.entries(rows).map(([k, r]) => [k, ...cols.map((c) => String(r[c] ?? ""))])];
    const widths = cols.concat("").map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
    console.log(`\n${title}`);
    for (const row of cells) console.log(row.map((c, i) => c.padStart(widths[i])).join("  "));
}

/** `--name value` from the command line, as a string, or the default. */
export function stringArg(name: string, fallback: string): string {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 || process.argv[i + 1] === undefined ? fallback : process.argv[i + 1];
}

/** `--name a,b` from the command line: the listed ones of `all` (default all), unknown names left out. */
export function listArg<T extends string>(name: string, all: readonly T[]): T[] {
    return stringArg(name, all.join(","))
        .split(",")
        .filter((x): x is T => (all as readonly string[]).includes(x));
}

/** The median of a list of numbers (the upper one of the middle two). */
export function median(xs: readonly number[]): number {
    return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/** A process's resident memory now, MiB (/proc/<pid>/status: Linux). */
export function rssMiB(pid: number): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
}
