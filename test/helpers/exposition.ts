/** One sample of a Prometheus text exposition, `name{labels} value`, labels in any order; undefined when absent. */
export function sampleOf(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
    const want = Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .sort()
        .join(",");
    for (const line of exposition.split("\n")) {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (m === null || m[1] !== name) continue;
        const have = (m[2] ?? "")
            .split(/,(?=[a-zA-Z_]+=")/)
            .filter(Boolean)
            .sort()
            .join(",");
        if (have === want) return Number(m[3]);
    }
    return undefined;
}
