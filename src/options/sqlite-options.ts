import path from "node:path";
import { oneOf, text } from "./option-checks";

/**
 * SQLite `synchronous` in WAL mode (the file is always in it): "normal" syncs the WAL only at
 * checkpoints, so a commit survives a crash of the process but a power loss may take the last ones;
 * "full" syncs the WAL at every commit, so a commit also survives a power loss.
 */
export type SqliteSynchronous = "normal" | "full";
export const SQLITE_SYNCHRONOUS_MODES: readonly SqliteSynchronous[] = ["normal", "full"];

/** relative to the working directory */
export const DEFAULT_SQLITE_PATH = path.join("data", "vo.sqlite");

/** `sqlite` in the attach options. */
export interface SqliteOptions {
    /** database file; default `$VO_SQLITE_PATH`, else `./data/vo.sqlite` (relative to the working directory) */
    path?: string;
    /** default "full" when answers wait for the commit, else "normal" */
    synchronous?: SqliteSynchronous;
}

export function resolveSqliteOptions(
    o: SqliteOptions | undefined,
    afterCommit: boolean,
    env: NodeJS.ProcessEnv
): { sqlitePath: string; sqliteSynchronous: SqliteSynchronous } {
    return {
        sqlitePath: text(o?.path, "sqlite.path", env.VO_SQLITE_PATH || DEFAULT_SQLITE_PATH),
        sqliteSynchronous: oneOf(
            o?.synchronous,
            "sqlite.synchronous",
            SQLITE_SYNCHRONOUS_MODES,
            afterCommit ? "full" : "normal"
        ),
    };
}
