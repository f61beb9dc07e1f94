import type { Database, Executor } from "../../sqlite/database";
import type { AffordanceKind } from "../../model/interaction-record";

export interface Series {
    id: number;
    thing: string;
    kind: AffordanceKind;
    name: string;
    /** the newest point's time; -1n before the first */
    newest: bigint;
}

const keyOf = (thing: string, kind: string, name: string): string => `${thing}\u0000${kind}\u0000${name}`;

/** Hosts kept in memory at most; past it the map starts over (a lookup is one indexed read). */
const MAX_HOSTS = 10_000;

/**
 * The embedded store's series (Thing, kind, name) and origin hosts, each interned once as a small
 * integer (`ts_series`, `ts_origin`), and each series' newest point: a batch whose points are all
 * past it cannot collide with a stored one. Loaded at open; a new name is added in the batch's
 * transaction, so an id is never used before it is committed with its points.
 */
export class SeriesCatalog {
    private readonly byKey = new Map<string, Series>();
    private readonly byId = new Map<number, Series>();
    private readonly hosts = new Map<string, number>();

    private constructor() {}

    static async load(db: Database): Promise<SeriesCatalog> {
        const catalog = new SeriesCatalog();
        const rows = await db.all<{ id: number; thing: string; kind: AffordanceKind; name: string; newest: string }>(
            `SELECT id, thing, kind, name,
                CAST(COALESCE((SELECT MAX(ts) FROM ts_point WHERE series = ts_series.id), -1) AS TEXT) AS newest
             FROM ts_series`
        );
        for (const r of rows) catalog.remember({ ...r, newest: BigInt(r.newest) });
        return catalog;
    }

    private remember(s: Series): Series {
        this.byKey.set(keyOf(s.thing, s.kind, s.name), s);
        this.byId.set(s.id, s);
        return s;
    }

    find(thing: string, kind: string, name: string): Series | undefined {
        return this.byKey.get(keyOf(thing, kind, name));
    }

    byIdOf(id: number): Series | undefined {
        return this.byId.get(id);
    }

    all(): Series[] {
        return [...this.byId.values()];
    }

    hostId(host: string): number | undefined {
        return this.hosts.get(host);
    }

    /**
     * Adds the series and hosts not known yet, in one transaction of their own before the batch's
     * points: a name without points is harmless, and an id is never used before it is committed.
     */
    async add(db: Database, series: readonly [string, AffordanceKind, string][], hosts: readonly string[]) {
        if (series.length === 0 && hosts.length === 0) return;
        const added = await db.transaction(async (tx) => {
            const s: Series[] = [];
            for (const [thing, kind, name] of series) s.push(await this.insertSeries(tx, thing, kind, name));
            const h: [string, number][] = [];
            for (const host of hosts) h.push([host, await this.insertHost(tx, host)]);
            return { s, h };
        });
        for (const s of added.s) this.remember(s);
        if (this.hosts.size + added.h.length > MAX_HOSTS) this.hosts.clear();
        for (const [host, id] of added.h) this.hosts.set(host, id);
    }

    private async insertSeries(tx: Executor, thing: string, kind: AffordanceKind, name: string): Promise<Series> {
        const params = [thing, kind, name];
        await tx.run("INSERT OR IGNORE INTO ts_series (thing, kind, name) VALUES (?, ?, ?)", params);
        const row = await tx.get<{ id: number }>(
            "SELECT id FROM ts_series WHERE thing = ? AND kind = ? AND name = ?",
            params
        );
        const newest = await tx.get<{ ts: string | null }>(
            "SELECT CAST(MAX(ts) AS TEXT) AS ts FROM ts_point WHERE series = ?",
            [row!.id]
        );
        return { id: row!.id, thing, kind, name, newest: BigInt(newest?.ts ?? -1) };
    }

    private async insertHost(tx: Executor, host: string): Promise<number> {
        await tx.run("INSERT OR IGNORE INTO ts_origin (host) VALUES (?)", [host]);
        return (await tx.get<{ id: number }>("SELECT id FROM ts_origin WHERE host = ?", [host]))!.id;
    }
}
