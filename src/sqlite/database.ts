import fs from "node:fs";
import path from "node:path";
import sqlite3 from "sqlite3";
import { createLogger } from "../log";
import { VoError } from "../model/errors";
import type { SqliteSynchronous } from "../options/sqlite-options";

const { debug } = createLogger("sqlite:database");

export type SqlValue = string | number | bigint | boolean | null | Buffer | Uint8Array;
export type SqlParams = readonly SqlValue[] | Record<string, SqlValue>;
export type Row = Record<string, unknown>;

export interface RunResult {
    /** rowid of the last inserted row */
    lastID: number;
    /** rows changed by the statement */
    changes: number;
}

/** Raised for anything the database refuses, with the path and the cause in the message. */
export class SqliteError extends VoError {
    readonly kind = "unavailable";
    readonly code?: string;
    constructor(message: string, cause?: unknown) {
        super(message, { cause });
        this.code = (cause as { code?: string } | undefined)?.code;
    }
}

/**
 * The one handle on the VO's SQLite file: promise methods over `sqlite3`, WAL mode,
 * and an integrity check at open so a damaged file fails at attach time, not later.
 */
export class Database {
    private closed = false;
    private tail: Promise<unknown> = Promise.resolve();
    private readonly raw: Executor;
    private readonly statements = new Map<string, sqlite3.Statement>();

    private constructor(
        private readonly db: sqlite3.Database,
        readonly file: string
    ) {
        this.raw = new Executor(db);
    }

    static async open(file: string, synchronous: SqliteSynchronous = "normal"): Promise<Database> {
        if (file !== ":memory:") {
            fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
        }
        const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
            const db = new sqlite3.Database(file, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE, (err) =>
                err ? reject(new SqliteError(`cannot open SQLite database ${file}: ${err.message}`, err)) : resolve(db)
            );
        });
        const db = new Database(raw, file);
        try {
            await db.exec("PRAGMA busy_timeout = 5000");
            const check = await db.get<{ quick_check: string }>("PRAGMA quick_check");
            if (check?.quick_check !== "ok") {
                throw new SqliteError(`SQLite database ${file} is damaged: ${String(check?.quick_check)}`);
            }
            await db.probeWritable();
            if (file !== ":memory:") {
                const mode = await db.get<{ journal_mode: string }>("PRAGMA journal_mode = WAL");
                if (mode?.journal_mode !== "wal") {
                    throw new SqliteError(
                        `SQLite database ${file} cannot switch to WAL mode (got ${mode?.journal_mode})`
                    );
                }
            }
            // WAL + NORMAL is durable across process crashes; only a power loss can drop the last commits.
            // FULL adds an fsync of the WAL per commit (one per group commit of the write buffer).
            const level = synchronous === "full" ? "FULL" : "NORMAL";
            await db.exec(`PRAGMA synchronous = ${level}; PRAGMA foreign_keys = ON`);
        } catch (err) {
            await db.close().catch(() => undefined);
            if (err instanceof SqliteError && err.message.includes(file)) throw err;
            throw new SqliteError(`SQLite database ${file} is not usable: ${(err as Error).message}`, err);
        }
        debug("opened %s", file);
        return db;
    }

    /** A read-only file opens without complaint and fails at the first write: find out now. */
    private async probeWritable(): Promise<void> {
        try {
            // Rewriting the header's user_version is a real write, rolled back: nothing changes.
            const row = await this.raw.get<{ user_version: number }>("PRAGMA user_version");
            await this.raw.exec("BEGIN IMMEDIATE");
            try {
                await this.raw.exec(`PRAGMA user_version = ${Number(row?.user_version ?? 0)}`);
            } finally {
                await this.raw.exec("ROLLBACK");
            }
        } catch (err) {
            throw new SqliteError(
                `SQLite database ${this.file} is read-only or locked: ${(err as Error).message}`,
                err
            );
        }
    }

    exec(sql: string): Promise<void> {
        return this.serialized(() => this.raw.exec(sql));
    }

    run(sql: string, params: SqlParams = []): Promise<RunResult> {
        return this.serialized(() => this.raw.run(sql, params));
    }

    all<T = Row>(sql: string, params: SqlParams = []): Promise<T[]> {
        return this.serialized(() => this.raw.all<T>(sql, params));
    }

    /**
     * `run` through a statement prepared once and kept until close: for the statements run on every
     * batch. Preparing the recorder's INSERT (a CTE over json_each) costs about 110 us each time,
     * more than running it for a handful of records (bench: durable acknowledgements, 6 records a commit).
     */
    runPrepared(sql: string, params: SqlParams = []): Promise<RunResult> {
        return this.serialized(async () => {
            const stmt = this.statements.get(sql) ?? (await this.prepare(sql));
            return new Promise<RunResult>((resolve, reject) => {
                const statements = this.statements;
                stmt.run(params, function (this: sqlite3.RunResult, err: Error | null) {
                    if (err === null) return resolve({ lastID: this.lastID, changes: this.changes });
                    // prepared anew next time, in case the schema it was prepared against has gone
                    statements.delete(sql);
                    stmt.finalize(() => undefined);
                    reject(wrap(err, sql));
                });
            });
        });
    }

    /** A statement for runPrepared, kept once it prepares; a failure to prepare rejects (and is not kept). */
    private prepare(sql: string): Promise<sqlite3.Statement> {
        return new Promise((resolve, reject) => {
            const stmt = this.db.prepare(sql, (err: Error | null) => {
                if (err) return reject(wrap(err, sql));
                this.statements.set(sql, stmt);
                resolve(stmt);
            });
        });
    }

    get<T = Row>(sql: string, params: SqlParams = []): Promise<T | undefined> {
        return this.serialized(() => this.raw.get<T>(sql, params));
    }

    /**
     * Runs `work` inside one transaction. Other calls on this handle wait until it ends, so a
     * script's statement never lands inside (or is rolled back with) a batch of the recorder.
     */
    transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
        return this.serialized(async () => {
            await this.raw.exec("BEGIN IMMEDIATE");
            try {
                const result = await work(this.raw);
                await this.raw.exec("COMMIT");
                return result;
            } catch (err) {
                await this.raw.exec("ROLLBACK").catch(() => undefined);
                throw err;
            }
        });
    }

    private serialized<T>(op: () => Promise<T>): Promise<T> {
        if (this.closed) return Promise.reject(new SqliteError(`SQLite database ${this.file} is closed`));
        const result = this.tail.then(op, op);
        this.tail = result.catch(() => undefined);
        return result;
    }

    get isOpen(): boolean {
        return !this.closed;
    }

    /** Waits for queued statements, then closes the file. */
    async close(): Promise<void> {
        if (this.closed) return;
        await this.tail;
        this.closed = true;
        // an open statement keeps the file busy: SQLite refuses to close it
        await Promise.all([...this.statements.values()].map((st) => new Promise((resolve) => st.finalize(resolve))));
        this.statements.clear();
        await new Promise<void>((resolve, reject) =>
            this.db.close((err) =>
                err ? reject(new SqliteError(`closing ${this.file}: ${err.message}`, err)) : resolve()
            )
        );
    }
}

/** Statements on the connection as they are, without the queue; handed to transaction bodies. */
export class Executor {
    constructor(private readonly db: sqlite3.Database) {}

    exec(sql: string): Promise<void> {
        return new Promise((resolve, reject) => this.db.exec(sql, (err) => (err ? reject(wrap(err, sql)) : resolve())));
    }

    run(sql: string, params: SqlParams = []): Promise<RunResult> {
        return new Promise((resolve, reject) =>
            this.db.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
                if (err) reject(wrap(err, sql));
                else resolve({ lastID: this.lastID, changes: this.changes });
            })
        );
    }

    all<T = Row>(sql: string, params: SqlParams = []): Promise<T[]> {
        return new Promise((resolve, reject) =>
            this.db.all(sql, params, (err: Error | null, rows: T[]) => (err ? reject(wrap(err, sql)) : resolve(rows)))
        );
    }

    get<T = Row>(sql: string, params: SqlParams = []): Promise<T | undefined> {
        return new Promise((resolve, reject) =>
            this.db.get(sql, params, (err: Error | null, row: T | undefined) =>
                err ? reject(wrap(err, sql)) : resolve(row)
            )
        );
    }
}

function wrap(err: Error, sql: string): SqliteError {
    const head = sql.length > 200 ? `${sql.slice(0, 200)}...` : sql;
    return new SqliteError(`${err.message} (in: ${head.replace(/\s+/g, " ").trim()})`, err);
}
